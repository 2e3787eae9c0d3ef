import { ApiProperty } from '@nestjs/swagger';
import {
  ArrayMaxSize,
  ArrayMinSize,
  ArrayUnique,
  IsArray,
  IsIn,
  IsString,
  MaxLength,
} from 'class-validator';
import { WEBHOOK_EVENTS, type WebhookEvent } from './webhook-events';

export class CreateWebhookDto {
  @ApiProperty({ example: 'https://crm.example/hooks/tactful', maxLength: 2000 })
  @IsString({ message: 'url must be a string' })
  @MaxLength(2000, { message: 'url must be at most 2000 characters' })
  url!: string;

  @ApiProperty({ enum: WEBHOOK_EVENTS, isArray: true, example: ['consent.withdrawn'] })
  @IsArray({ message: 'events must be an array' })
  @ArrayMinSize(1, { message: 'events must name at least one event' })
  @ArrayMaxSize(WEBHOOK_EVENTS.length, { message: 'events has too many entries' })
  @ArrayUnique({ message: 'events must not repeat an event' })
  @IsIn(WEBHOOK_EVENTS, {
    each: true,
    message: `events must each be one of ${WEBHOOK_EVENTS.join(', ')}`,
  })
  events!: WebhookEvent[];
}

/** What every answer about an endpoint says of it. */
class WebhookEndpointFieldsDto {
  @ApiProperty({ format: 'uuid' })
  id!: string;

  @ApiProperty()
  url!: string;

  @ApiProperty({ enum: WEBHOOK_EVENTS, isArray: true })
  events!: string[];

  @ApiProperty({ type: String, format: 'date-time' })
  createdAt!: Date;
}

export class WebhookEndpointDto extends WebhookEndpointFieldsDto {
  @ApiProperty({ description: 'Messages waiting to be sent or retried' })
  pending!: number;

  @ApiProperty({ description: 'Messages given up after a day of retries' })
  failed!: number;
}

export class CreatedWebhookDto extends WebhookEndpointFieldsDto {
  @ApiProperty({
    description:
      'The signing secret (Standard Webhooks, `whsec_…`). Shown once: keep it to verify webhook-signature.',
  })
  secret!: string;
}

export class WebhookEndpointListDto {
  @ApiProperty({ type: [WebhookEndpointDto] })
  items!: WebhookEndpointDto[];
}

export class WebhookAttemptDto {
  @ApiProperty()
  id!: string;

  @ApiProperty({ description: 'The outbox message (the webhook-id is `msg_<messageId>`)' })
  messageId!: string;

  @ApiProperty({ example: 'consent.withdrawn' })
  event!: string;

  @ApiProperty({ type: String, format: 'date-time' })
  at!: Date;

  @ApiProperty({ type: Number, nullable: true, description: 'HTTP status; null when none came' })
  statusCode!: number | null;

  @ApiProperty({ description: 'The start of the answer, or why none came' })
  answer!: string;

  @ApiProperty({ enum: ['pending', 'sent', 'failed', 'cancelled'] })
  messageStatus!: string;
}

export class WebhookAttemptListDto {
  @ApiProperty({ type: [WebhookAttemptDto] })
  items!: WebhookAttemptDto[];
}

export class ResentWebhookDto {
  @ApiProperty()
  messageId!: string;

  @ApiProperty({ enum: ['pending'] })
  status!: 'pending';
}
