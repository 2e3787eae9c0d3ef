import { InStorableRange } from '../common/strict-values';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  ArrayMaxSize,
  ArrayNotEmpty,
  ArrayUnique,
  IsArray,
  IsBoolean,
  IsIn,
  IsInt,
  IsISO8601,
  IsObject,
  IsOptional,
  IsString,
  Length,
  Matches,
  Max,
  Min,
  ValidateIf,
  ValidateNested,
} from 'class-validator';
import { Type } from 'class-transformer';
import { GuardrailsDto } from './guardrails.dto';
import { TOPIC_KEY_PATTERN } from '../topics/topics.dto';
import { CAMPAIGN_STATUSES, CHANNELS, GOALS, type CampaignStatus } from './campaign-rules';
import type { Channel, Goal } from '../policy/engine';
import type { AnnouncementTexts } from './announcement-texts';

const TEMPLATE_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$/;
/** An address, bare or with a display name: `Team <team@shop.example>`. */
const REPLY_ADDRESS = /^([^<>\r\n]*<)?[^@\s<>]+@[^@\s<>.]+(\.[^@\s<>.]+)+>?$/;
const REPLY_TO_MESSAGE = 'replyTo must be an e-mail address, e.g. "Team <team@shop.example>"';

export class CreateCampaignDto {
  @ApiProperty({ example: 'Весенние советы' })
  @IsString({ message: 'name must be a string' })
  @Length(1, 200, { message: 'name must have 1 to 200 characters' })
  name!: string;

  @ApiProperty({ example: 'tips' })
  @Matches(TOPIC_KEY_PATTERN, { message: 'topic must be a topic key such as tips' })
  topic!: string;

  @ApiProperty({ enum: GOALS })
  @IsIn(GOALS, { message: `goal must be one of ${GOALS.join(', ')}` })
  goal!: Goal;

  @ApiProperty({ example: 'tips' })
  @Matches(TEMPLATE_NAME, { message: 'template must be a template name such as tips' })
  template!: string;

  @ApiProperty({ enum: CHANNELS, isArray: true, example: ['email', 'sms'] })
  @IsArray({ message: 'channels must be an array such as ["email", "sms"]' })
  @ArrayNotEmpty({ message: 'channels must list at least one channel' })
  @ArrayMaxSize(3, { message: 'channels may list at most 3 channels' })
  @ArrayUnique({ message: 'channels must not repeat a channel' })
  @IsIn(CHANNELS, { each: true, message: 'channels must contain only email, sms or voice' })
  channels!: Channel[];

  @ApiPropertyOptional({ minimum: 0, maximum: 100, default: 50 })
  @IsOptional()
  @IsInt({ message: 'priority must be a whole number' })
  @Min(0, { message: 'priority must be at least 0' })
  @Max(100, { message: 'priority must be at most 100' })
  priority?: number;

  @ApiProperty({
    example: { all: [{ field: 'kind', op: 'eq', value: 'consumer' }] },
    description: 'Audience filter (all / any / not over comparisons)',
  })
  @IsObject({ message: 'audience must be a filter object' })
  audience!: Record<string, unknown>;

  @ApiProperty({
    example: { type: 'cron', cron: '0 10 1 * *', timezone: 'Europe/Moscow' },
    description:
      '{type: now} | {type: once, at} | {type: cron, cron, timezone} | {type: trigger, event, delayHours, minScore?, reminder?}',
  })
  @IsObject({ message: 'schedule must be an object such as { "type": "now" }' })
  schedule!: Record<string, unknown>;

  @ApiPropertyOptional({ description: 'Announcements: when the change takes effect (ISO 8601)' })
  @IsOptional()
  @IsISO8601({ strict: true }, { message: 'effectiveAt must be an ISO 8601 time' })
  @InStorableRange('effectiveAt')
  effectiveAt?: string;

  // Outcomes: click tracking, holdout, attribution, guardrails.
  @ApiPropertyOptional({ minimum: 0, maximum: 50, default: 0 })
  @IsOptional()
  @IsInt({ message: 'holdoutPercent must be a whole number' })
  @Min(0, { message: 'holdoutPercent must be at least 0' })
  @Max(50, { message: 'holdoutPercent must be at most 50' })
  holdoutPercent?: number;

  @ApiPropertyOptional({ minimum: 1, maximum: 90, default: 7 })
  @IsOptional()
  @IsInt({ message: 'attributionDays must be a whole number' })
  @Min(1, { message: 'attributionDays must be at least 1' })
  @Max(90, { message: 'attributionDays must be at most 90' })
  attributionDays?: number;

  @ApiPropertyOptional({ default: true })
  @IsOptional()
  @IsBoolean({ message: 'trackClicks must be true or false' })
  trackClicks?: boolean;

  @ApiPropertyOptional({ type: GuardrailsDto })
  @IsOptional()
  @IsObject({ message: 'guardrails must be an object' })
  @ValidateNested()
  @Type(() => GuardrailsDto)
  guardrails?: GuardrailsDto;

  // The console: customer-facing texts.
  @ApiPropertyOptional({
    nullable: true,
    example: { ru: { title: 'Новые часы работы', summary: 'С 1 марта мы открыты с 9 до 21.' } },
    description:
      'Announcements: the customer-facing title and summary per locale (required to launch one); templates see campaign.title and campaign.summary',
  })
  @IsOptional()
  @IsObject({
    message: 'announcement must be an object such as { "ru": { "title": "…", "summary": "…" } }',
  })
  announcement?: AnnouncementTexts | null;

  // Replies: who reads them.
  @ApiPropertyOptional({
    example: 'Spring team <spring@shop.example>',
    description: "Reply-To of this campaign's e-mails instead of REPLY_TO",
  })
  @IsOptional()
  @Matches(REPLY_ADDRESS, { message: REPLY_TO_MESSAGE })
  @Length(3, 320, { message: 'replyTo must have 3 to 320 characters' })
  replyTo?: string;
}

/** Every field optional; `effectiveAt: null` clears it. */
export class PatchCampaignDto {
  @ApiPropertyOptional()
  @IsOptional()
  @IsString({ message: 'name must be a string' })
  @Length(1, 200, { message: 'name must have 1 to 200 characters' })
  name?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @Matches(TOPIC_KEY_PATTERN, { message: 'topic must be a topic key such as tips' })
  topic?: string;

  @ApiPropertyOptional({ enum: GOALS })
  @IsOptional()
  @IsIn(GOALS, { message: `goal must be one of ${GOALS.join(', ')}` })
  goal?: Goal;

  @ApiPropertyOptional()
  @IsOptional()
  @Matches(TEMPLATE_NAME, { message: 'template must be a template name such as tips' })
  template?: string;

  @ApiPropertyOptional({ enum: CHANNELS, isArray: true })
  @IsOptional()
  @IsArray({ message: 'channels must be an array such as ["email", "sms"]' })
  @ArrayNotEmpty({ message: 'channels must list at least one channel' })
  @ArrayMaxSize(3, { message: 'channels may list at most 3 channels' })
  @ArrayUnique({ message: 'channels must not repeat a channel' })
  @IsIn(CHANNELS, { each: true, message: 'channels must contain only email, sms or voice' })
  channels?: Channel[];

  @ApiPropertyOptional({ minimum: 0, maximum: 100 })
  @IsOptional()
  @IsInt({ message: 'priority must be a whole number' })
  @Min(0, { message: 'priority must be at least 0' })
  @Max(100, { message: 'priority must be at most 100' })
  priority?: number;

  @ApiPropertyOptional()
  @IsOptional()
  @IsObject({ message: 'audience must be a filter object' })
  audience?: Record<string, unknown>;

  @ApiPropertyOptional()
  @IsOptional()
  @IsObject({ message: 'schedule must be an object such as { "type": "now" }' })
  schedule?: Record<string, unknown>;

  @ApiPropertyOptional({ nullable: true })
  @ValidateIf((o: PatchCampaignDto) => o.effectiveAt !== undefined && o.effectiveAt !== null)
  @IsISO8601({ strict: true }, { message: 'effectiveAt must be an ISO 8601 time' })
  @InStorableRange('effectiveAt')
  effectiveAt?: string | null;

  // Outcomes: click tracking, holdout, attribution, guardrails.
  @ApiPropertyOptional({ minimum: 0, maximum: 50, default: 0 })
  @IsOptional()
  @IsInt({ message: 'holdoutPercent must be a whole number' })
  @Min(0, { message: 'holdoutPercent must be at least 0' })
  @Max(50, { message: 'holdoutPercent must be at most 50' })
  holdoutPercent?: number;

  @ApiPropertyOptional({ minimum: 1, maximum: 90, default: 7 })
  @IsOptional()
  @IsInt({ message: 'attributionDays must be a whole number' })
  @Min(1, { message: 'attributionDays must be at least 1' })
  @Max(90, { message: 'attributionDays must be at most 90' })
  attributionDays?: number;

  @ApiPropertyOptional({ default: true })
  @IsOptional()
  @IsBoolean({ message: 'trackClicks must be true or false' })
  trackClicks?: boolean;

  @ApiPropertyOptional({ type: GuardrailsDto })
  @IsOptional()
  @IsObject({ message: 'guardrails must be an object' })
  @ValidateNested()
  @Type(() => GuardrailsDto)
  guardrails?: GuardrailsDto;

  // The console: customer-facing texts.
  @ApiPropertyOptional({
    nullable: true,
    example: { ru: { title: 'Новые часы работы', summary: 'С 1 марта мы открыты с 9 до 21.' } },
    description:
      'Announcements: the customer-facing title and summary per locale (required to launch one); templates see campaign.title and campaign.summary',
  })
  @IsOptional()
  @IsObject({
    message: 'announcement must be an object such as { "ru": { "title": "…", "summary": "…" } }',
  })
  announcement?: AnnouncementTexts | null;

  // Replies: who reads them.
  @ApiPropertyOptional({ nullable: true, description: 'null goes back to REPLY_TO' })
  @ValidateIf((o: PatchCampaignDto) => o.replyTo !== undefined && o.replyTo !== null)
  @Matches(REPLY_ADDRESS, { message: REPLY_TO_MESSAGE })
  @Length(3, 320, { message: 'replyTo must have 3 to 320 characters' })
  replyTo?: string | null;
}

export class LaunchCampaignDto {
  @ApiPropertyOptional({
    description: 'Launch even though the content check scored the message high',
  })
  @IsOptional()
  @IsBoolean({ message: 'acknowledgeWarnings must be true or false' })
  acknowledgeWarnings?: boolean;
}

export class ListCampaignsQuery {
  @ApiPropertyOptional({ enum: CAMPAIGN_STATUSES })
  @IsOptional()
  @IsIn(CAMPAIGN_STATUSES, { message: `status must be one of ${CAMPAIGN_STATUSES.join(', ')}` })
  status?: CampaignStatus;

  @ApiPropertyOptional({ enum: GOALS })
  @IsOptional()
  @IsIn(GOALS, { message: `goal must be one of ${GOALS.join(', ')}` })
  goal?: Goal;

  @ApiPropertyOptional()
  @IsOptional()
  @Matches(TOPIC_KEY_PATTERN, { message: 'topic must be a topic key such as tips' })
  topic?: string;

  @ApiPropertyOptional({ description: 'nextCursor of the previous page' })
  @IsOptional()
  @IsString({ message: 'cursor must be a string' })
  cursor?: string;

  @ApiPropertyOptional({ description: 'Page size, 1–200 (default 50)' })
  @IsOptional()
  @Matches(/^\d+$/, { message: 'limit must be a whole number' })
  limit?: string;
}
