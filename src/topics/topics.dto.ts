import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  IsIn,
  IsInt,
  IsOptional,
  Matches,
  Max,
  Min,
  registerDecorator,
  ValidateIf,
  ValidationOptions,
} from 'class-validator';
import { LOCALE_PATTERN } from '../common/validators';

export const TOPIC_KEY_PATTERN = /^[a-z][a-z0-9_-]{1,39}$/;
export const TOPIC_CATEGORIES = ['content', 'promotional', 'service'] as const;
export type TopicCategory = (typeof TOPIC_CATEGORIES)[number];
export type LocaleText = Record<string, string>;

/** Why a `{ locale: text }` map is not acceptable, or null when it is. */
export function localeTextProblem(
  value: unknown,
  maxLength: number,
  requireOne: boolean,
): string | null {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return 'must be an object of texts by locale, such as { "ru": "…", "en": "…" }';
  }
  const entries = Object.entries(value);
  if (requireOne && entries.length === 0) return 'must have a text for at least one locale';
  if (entries.length > 20) return 'may have at most 20 locales';
  for (const [locale, text] of entries) {
    if (!LOCALE_PATTERN.test(locale)) return `has "${locale}", which is not a locale such as ru`;
    if (typeof text !== 'string' || text.trim() === '')
      return `.${locale} must be a non-empty string`;
    if (text.length > maxLength) return `.${locale} must be at most ${maxLength} characters`;
  }
  return null;
}

function IsLocaleText(maxLength: number, requireOne: boolean, options?: ValidationOptions) {
  return (object: object, propertyName: string) =>
    registerDecorator({
      name: 'isLocaleText',
      target: object.constructor,
      propertyName,
      options,
      validator: {
        validate: (value: unknown) => localeTextProblem(value, maxLength, requireOne) === null,
        defaultMessage: (args) => {
          const problem = localeTextProblem(args?.value, maxLength, requireOne) ?? 'is not valid';
          return `${propertyName}${problem.startsWith('.') ? '' : ' '}${problem}`;
        },
      },
    });
}

export class CreateTopicDto {
  @ApiProperty({ example: 'tips', pattern: TOPIC_KEY_PATTERN.source })
  @Matches(TOPIC_KEY_PATTERN, {
    message:
      'key must start with a lower-case letter and have 2–40 of a-z, 0-9, "_" or "-" (e.g. tips)',
  })
  key!: string;

  @ApiProperty({ enum: TOPIC_CATEGORIES })
  @IsIn(TOPIC_CATEGORIES, { message: 'category must be one of content, promotional, service' })
  category!: TopicCategory;

  @ApiPropertyOptional({
    type: Number,
    nullable: true,
    example: 30,
    description: 'Days between messages; null for none',
  })
  @IsOptional()
  @IsInt({ message: 'cadenceDays must be a whole number of days' })
  @Min(1, { message: 'cadenceDays must be at least 1' })
  @Max(3650, { message: 'cadenceDays must be at most 3650' })
  cadenceDays?: number | null;

  @ApiProperty({ example: { ru: 'Полезные советы', en: 'Useful tips' } })
  @IsLocaleText(200, true)
  title!: LocaleText;

  @ApiPropertyOptional({ example: { ru: 'Раз в месяц', en: 'Once a month' } })
  @IsOptional()
  @IsLocaleText(2000, false)
  description?: LocaleText;
}

export class PatchTopicDto {
  @ApiPropertyOptional({ enum: TOPIC_CATEGORIES, description: 'Only while no consent names it' })
  @IsOptional()
  @IsIn(TOPIC_CATEGORIES, { message: 'category must be one of content, promotional, service' })
  category?: TopicCategory;

  @ApiPropertyOptional({ type: Number, example: 30, nullable: true })
  @IsOptional()
  @IsInt({ message: 'cadenceDays must be a whole number of days' })
  @Min(1, { message: 'cadenceDays must be at least 1' })
  @Max(3650, { message: 'cadenceDays must be at most 3650' })
  cadenceDays?: number | null;

  @ApiPropertyOptional({ example: { ru: 'Полезные советы', en: 'Useful tips' } })
  @ValidateIf((o: PatchTopicDto) => o.title !== undefined)
  @IsLocaleText(200, true)
  title?: LocaleText;

  @ApiPropertyOptional({ example: { ru: 'Раз в месяц', en: 'Once a month' } })
  @ValidateIf((o: PatchTopicDto) => o.description !== undefined)
  @IsLocaleText(2000, false)
  description?: LocaleText;
}

export class ListTopicsQuery {
  @ApiPropertyOptional({ enum: ['true', 'false'] })
  @IsOptional()
  @IsIn(['true', 'false'], { message: 'includeArchived must be true or false' })
  includeArchived?: 'true' | 'false';
}
