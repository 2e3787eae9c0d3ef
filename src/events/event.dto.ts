import { InStorableRange } from '../common/strict-values';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  IsIn,
  IsInt,
  IsISO8601,
  IsNumber,
  IsObject,
  IsOptional,
  IsString,
  IsUUID,
  Length,
  Matches,
  Max,
  Min,
  ValidateIf,
} from 'class-validator';

export const EVENT_TYPES = [
  'purchase',
  'satisfaction',
  'review_posted',
  'complaint',
  'engagement',
] as const;
export type EventType = (typeof EVENT_TYPES)[number];

export class CustomerEventDto {
  @ApiProperty({ enum: EVENT_TYPES })
  @IsIn(EVENT_TYPES, { message: `type must be one of ${EVENT_TYPES.join(', ')}` })
  type!: EventType;

  @ApiPropertyOptional({ format: 'uuid', description: 'customerId or externalId is required' })
  @ValidateIf((o: CustomerEventDto) => o.externalId === undefined)
  @IsUUID('all', { message: 'customerId must be a UUID (or give externalId)' })
  customerId?: string;

  @ApiPropertyOptional({ example: 'crm-1001' })
  @IsOptional()
  @IsString()
  @Length(1, 200)
  externalId?: string;

  @ApiPropertyOptional({
    example: 'order-1001',
    description:
      'Your own id of the event, unique per customer: sending it again (a retry) records nothing ' +
      'and answers the first event with `duplicate: true`; the same id with a different event is a 409',
  })
  @IsOptional()
  @IsString({ message: 'eventId must be a string' })
  @Length(1, 200, { message: 'eventId must be 1 to 200 characters' })
  // PostgreSQL text cannot hold NUL, and control characters in an id are a client bug.
  // eslint-disable-next-line no-control-regex
  @Matches(/^[^\u0000-\u001f\u007f]*$/, { message: 'eventId must not contain control characters' })
  eventId?: string;

  @ApiPropertyOptional({ description: 'When it happened; defaults to now' })
  @IsOptional()
  @IsISO8601({ strict: true }, { message: 'occurredAt must be an ISO 8601 date-time' })
  @InStorableRange('occurredAt')
  occurredAt?: string;

  @ApiPropertyOptional({ example: 4990, description: 'purchase: amount in major units' })
  @ValidateIf((o: CustomerEventDto) => o.type === 'purchase' || o.amount !== undefined)
  @IsNumber({ allowNaN: false, allowInfinity: false }, { message: 'amount must be a number' })
  @Min(0)
  amount?: number;

  @ApiPropertyOptional({ example: 'RUB' })
  @ValidateIf((o: CustomerEventDto) => o.type === 'purchase' || o.currency !== undefined)
  @Matches(/^[A-Z]{3}$/, { message: 'currency must be an ISO 4217 code such as RUB' })
  currency?: string;

  @ApiPropertyOptional({ minimum: 1, maximum: 5, description: 'satisfaction: score 1–5' })
  @ValidateIf((o: CustomerEventDto) => o.type === 'satisfaction' || o.score !== undefined)
  @IsInt({ message: 'score must be a whole number from 1 to 5' })
  @Min(1, { message: 'score must be a whole number from 1 to 5' })
  @Max(5, { message: 'score must be a whole number from 1 to 5' })
  score?: number;

  @ApiPropertyOptional({
    enum: ['click', 'reply'],
    description: 'engagement: what the customer did',
  })
  @ValidateIf((o: CustomerEventDto) => o.type === 'engagement' || o.action !== undefined)
  @IsIn(['click', 'reply'], { message: 'action must be click or reply' })
  action?: 'click' | 'reply';

  @ApiPropertyOptional({
    format: 'uuid',
    description: 'engagement/complaint: the campaign it relates to',
  })
  @IsOptional()
  @IsUUID('all')
  campaignId?: string;

  @ApiPropertyOptional({ format: 'uuid' })
  @IsOptional()
  @IsUUID('all')
  deliveryId?: string;

  @ApiPropertyOptional({ description: 'Free details (order id, …); no personal data please' })
  @IsOptional()
  @IsObject()
  data?: Record<string, unknown>;
}
