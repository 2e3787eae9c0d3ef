import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsBoolean, IsInt, IsNumber, IsOptional, Max, Min } from 'class-validator';

/** A campaign's limits on annoyance; an absent field takes the settings' default. */
export class GuardrailsDto {
  @ApiPropertyOptional({ minimum: 0, maximum: 1, example: 0.003 })
  @IsOptional()
  @IsNumber({}, { message: 'guardrails.maxComplaintRate must be a number' })
  @Min(0, { message: 'guardrails.maxComplaintRate must be at least 0' })
  @Max(1, { message: 'guardrails.maxComplaintRate must be at most 1' })
  maxComplaintRate?: number;

  @ApiPropertyOptional({ minimum: 0, maximum: 1, example: 0.01 })
  @IsOptional()
  @IsNumber({}, { message: 'guardrails.maxUnsubscribeRate must be a number' })
  @Min(0, { message: 'guardrails.maxUnsubscribeRate must be at least 0' })
  @Max(1, { message: 'guardrails.maxUnsubscribeRate must be at most 1' })
  maxUnsubscribeRate?: number;

  @ApiPropertyOptional({ minimum: 1, maximum: 1_000_000, example: 200 })
  @IsOptional()
  @IsInt({ message: 'guardrails.minDelivered must be a whole number' })
  @Min(1, { message: 'guardrails.minDelivered must be at least 1' })
  @Max(1_000_000, { message: 'guardrails.minDelivered must be at most 1000000' })
  minDelivered?: number;
}

/** Resuming a campaign that paused itself needs the marketer to acknowledge why. */
export class ResumeCampaignDto {
  @ApiPropertyOptional({ description: 'Required (true) when a guardrail paused the campaign' })
  @IsOptional()
  @IsBoolean({ message: 'acknowledge must be true or false' })
  acknowledge?: boolean;
}
