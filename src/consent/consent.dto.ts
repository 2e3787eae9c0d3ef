import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  IsBoolean,
  IsIn,
  IsIP,
  IsNotEmpty,
  IsOptional,
  IsString,
  Matches,
  MaxLength,
  ValidateBy,
  ValidateNested,
} from 'class-validator';
import type { Channel } from '../policy/engine';
import { FLOW_SOURCE_MESSAGE, isFlowSource } from './consent-sources';
import { CONSENT_ACTIONS, CONSENT_CHANNELS, type ConsentAction } from './consent-state';

export const SOURCE_PATTERN = /^[a-z][a-z0-9_-]{1,39}$/;

export class ConsentEvidenceDto {
  @ApiPropertyOptional({ example: '203.0.113.7' })
  @IsOptional()
  @IsIP(undefined, { message: 'evidence.ip must be an IPv4 or IPv6 address' })
  ip?: string;

  @ApiPropertyOptional({ example: 'Mozilla/5.0 …' })
  @IsOptional()
  @IsString()
  @MaxLength(1000)
  userAgent?: string;

  @ApiPropertyOptional({
    example: 'Да, присылайте мне полезные советы раз в месяц',
    description: 'The exact wording shown; required for grant. Stored verbatim.',
  })
  @IsOptional()
  @IsString()
  @IsNotEmpty()
  @MaxLength(5000)
  wording?: string;

  @ApiPropertyOptional({ example: 'tips-2026-01', description: 'Required for grant' })
  @IsOptional()
  @IsString()
  @IsNotEmpty()
  @MaxLength(100)
  wordingVersion?: string;
}

export class RecordConsentDto {
  @ApiProperty({ enum: CONSENT_CHANNELS })
  @IsIn(CONSENT_CHANNELS, { message: 'channel must be one of email, sms, voice' })
  channel!: Channel;

  @ApiProperty({ example: 'tips', description: 'A topic key, or "*" for every topic' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(40)
  topic!: string;

  @ApiProperty({
    enum: CONSENT_ACTIONS,
    description: 'confirm records a double opt-in completed elsewhere',
  })
  @IsIn(CONSENT_ACTIONS, { message: 'action must be one of grant, confirm, withdraw' })
  action!: ConsentAction;

  @ApiProperty({
    example: 'web-form',
    description:
      "web-form, import, api, checkout, …; the sources of the customer's own flows (double-opt-in, preference-page, sms-keyword, one-click, mailto, provider-optout, complaint) are refused",
  })
  @Matches(SOURCE_PATTERN, {
    message: 'source must be a short lower-case name such as web-form, import or api',
  })
  @ValidateBy({
    name: 'isNotFlowSource',
    validator: {
      validate: (v: unknown) => typeof v !== 'string' || !isFlowSource(v),
      defaultMessage: () => FLOW_SOURCE_MESSAGE,
    },
  })
  source!: string;

  @ApiPropertyOptional({ description: 'grant only: double opt-in already done elsewhere' })
  @IsOptional()
  @IsBoolean()
  confirmed?: boolean;

  @ApiPropertyOptional({ type: ConsentEvidenceDto })
  @IsOptional()
  @ValidateNested()
  @Type(() => ConsentEvidenceDto)
  evidence?: ConsentEvidenceDto;
}
