import { InStorableRange } from '../common/strict-values';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsInt,
  IsISO8601,
  IsObject,
  IsOptional,
  IsString,
  IsUUID,
  Matches,
  Max,
  MaxLength,
  Min,
  ValidateNested,
} from 'class-validator';
import { LOCALE_PATTERN } from '../common/validators';
import { TEMPLATE_PARTS, type TemplatePart } from './template-engine';
import { TEMPLATE_NAME_PATTERN, type TemplateLocales } from './template-files';

const NAME_MESSAGE =
  'name must start with a lower-case letter and have 2–60 of a-z, 0-9, "_" or "-" (e.g. tips-march)';

export const PART_MAX_LENGTH: Record<TemplatePart, number> = {
  subject: 500,
  html: 200_000,
  text: 100_000,
  sms: 2_000,
  call: 10_000,
};

/**
 * Everything wrong with a `locales` object, each message naming its path. A locale needs at
 * least one channel: e-mail (subject with html and/or text), sms, or call.
 */
export function localesProblems(value: unknown): string[] {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return ['locales must be an object of parts by locale, such as { "ru": { "subject": "…" } }'];
  }
  const entries = Object.entries(value as Record<string, unknown>);
  if (entries.length === 0) return ['locales must have at least one locale'];
  if (entries.length > 20) return ['locales may have at most 20 locales'];
  const problems: string[] = [];
  for (const [locale, parts] of entries) {
    const at = `locales.${locale}`;
    if (!LOCALE_PATTERN.test(locale)) {
      problems.push(`locales has "${locale}", which is not a locale such as ru or en-GB`);
      continue;
    }
    if (typeof parts !== 'object' || parts === null || Array.isArray(parts)) {
      problems.push(`${at} must be an object with subject, html, text, sms and/or call`);
      continue;
    }
    for (const [part, text] of Object.entries(parts)) {
      if (!(TEMPLATE_PARTS as readonly string[]).includes(part)) {
        problems.push(`${at} has "${part}", which is not a part (${TEMPLATE_PARTS.join(', ')})`);
      } else if (typeof text !== 'string' || text.trim() === '') {
        problems.push(`${at}.${part} must be a non-empty string`);
      } else if (text.length > PART_MAX_LENGTH[part as TemplatePart]) {
        problems.push(
          `${at}.${part} must be at most ${PART_MAX_LENGTH[part as TemplatePart]} characters`,
        );
      }
    }
    const p = parts as Record<string, unknown>;
    const body = p.html !== undefined || p.text !== undefined;
    if (p.subject !== undefined && !body) problems.push(`${at}.subject needs an html or text part`);
    if (body && p.subject === undefined)
      problems.push(`${at}.subject is required with html or text`);
    if (!body && p.sms === undefined && p.call === undefined) {
      problems.push(`${at} must have an e-mail (subject and html or text), an sms or a call part`);
    }
  }
  return problems;
}

export class CreateTemplateDto {
  @ApiProperty({ example: 'tips-march', pattern: TEMPLATE_NAME_PATTERN.source })
  @Matches(TEMPLATE_NAME_PATTERN, { message: NAME_MESSAGE })
  name!: string;

  @ApiProperty({
    example: {
      ru: {
        subject: 'Как ухаживать за кожаной обувью зимой',
        html: '<p>Здравствуйте, {{default customer.name "друзья"}}!</p>',
        text: 'Здравствуйте, {{default customer.name "друзья"}}!',
        sms: 'Зимний уход за обувью: короткая памятка в письме',
      },
    },
    description: 'Parts by locale: subject, html, text, sms, call (Handlebars)',
  })
  @IsObject({ message: 'locales must be an object of parts by locale' })
  locales!: TemplateLocales;
}

export class ListTemplatesQuery {
  @ApiPropertyOptional({ description: 'nextCursor of the previous page' })
  @IsOptional()
  @IsString()
  @MaxLength(100)
  cursor?: string;

  @ApiPropertyOptional({ minimum: 1, maximum: 200, default: 50 })
  @IsOptional()
  @Type(() => Number)
  @IsInt({ message: 'limit must be a whole number' })
  @Min(1, { message: 'limit must be at least 1' })
  @Max(200, { message: 'limit must be at most 200' })
  limit?: number;
}

export class TemplateVersionQuery {
  @ApiPropertyOptional({ minimum: 1 })
  @IsOptional()
  @Type(() => Number)
  @IsInt({ message: 'version must be a whole number' })
  @Min(1, { message: 'version must be at least 1' })
  // Versions are PostgreSQL integers: a larger number is a 400, not an overflow in SQL.
  @Max(2147483647, { message: 'version must be at most 2147483647' })
  version?: number;
}

export class PreviewCampaignDto {
  @ApiPropertyOptional({ example: 'Весенние советы' })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  name?: string;

  @ApiPropertyOptional({ example: 'tips', description: 'Topic key; the footer names it' })
  @IsOptional()
  @IsString()
  @MaxLength(40)
  topic?: string;

  @ApiPropertyOptional({ example: 'retention' })
  @IsOptional()
  @IsString()
  @MaxLength(40)
  goal?: string;

  @ApiPropertyOptional({ example: '2026-12-15T09:00:00Z' })
  @IsOptional()
  @IsISO8601({ strict: true }, { message: 'campaign.effectiveAt must be an ISO 8601 date' })
  @InStorableRange('campaign.effectiveAt')
  effectiveAt?: string;
}

export class PreviewTemplateDto {
  @ApiPropertyOptional({ description: 'A customer to render for; a built-in sample otherwise' })
  @IsOptional()
  @IsUUID('all', { message: 'customerId must be a UUID' })
  customerId?: string;

  @ApiPropertyOptional({ description: 'Default: the latest version' })
  @IsOptional()
  @IsInt({ message: 'version must be a whole number' })
  @Min(1, { message: 'version must be at least 1' })
  // Versions are PostgreSQL integers: a larger number is a 400, not an overflow in SQL.
  @Max(2147483647, { message: 'version must be at most 2147483647' })
  version?: number;

  @ApiPropertyOptional({
    example: ['ru', 'en'],
    description: 'Default: every locale of the template',
  })
  @IsOptional()
  @IsArray({ message: 'locales must be an array of locales' })
  @ArrayMaxSize(20)
  @Matches(LOCALE_PATTERN, { each: true, message: 'locales must contain locales such as ru or en' })
  locales?: string[];

  @ApiPropertyOptional({ type: PreviewCampaignDto, description: 'Default: a sample campaign' })
  @IsOptional()
  @ValidateNested()
  @Type(() => PreviewCampaignDto)
  campaign?: PreviewCampaignDto;

  @ApiPropertyOptional({ description: 'Why the customer gets this (shown in the footer)' })
  @IsOptional()
  @IsString()
  @MaxLength(500)
  reason?: string;
}
