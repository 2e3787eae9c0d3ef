import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  ArrayMaxSize,
  ArrayNotEmpty,
  Equals,
  IsArray,
  IsEmail,
  IsIn,
  IsNotEmpty,
  IsOptional,
  IsString,
  Matches,
  MaxLength,
} from 'class-validator';
import { TOPIC_KEY_PATTERN } from '../topics/topics.dto';

export const SUBSCRIBE_LOCALES = ['ru', 'en'] as const;

export class SubscribeDto {
  @ApiProperty({ example: 'anna@example.ru' })
  @IsString({ message: 'email must be a string' })
  @MaxLength(254, { message: 'email must be at most 254 characters' })
  @IsEmail({}, { message: 'email must be an e-mail address' })
  email!: string;

  @ApiProperty({ example: ['tips'], description: 'Topic keys (content or promotional topics)' })
  @IsArray({ message: 'topics must be a list of topic keys' })
  @ArrayNotEmpty({ message: 'topics must name at least one topic' })
  @ArrayMaxSize(20, { message: 'topics may name at most 20 topics' })
  @Matches(TOPIC_KEY_PATTERN, {
    each: true,
    message: 'topics must contain topic keys such as tips',
  })
  topics!: string[];

  @ApiProperty({ enum: SUBSCRIBE_LOCALES, description: 'Language of the form and of the e-mail' })
  @IsIn(SUBSCRIBE_LOCALES, { message: 'locale must be one of ru, en' })
  locale!: (typeof SUBSCRIBE_LOCALES)[number];

  @ApiProperty({
    example: 'newsletter-form-2026-01',
    description: 'Version of the consent wording the form showed (a key of the server registry)',
  })
  @IsString({ message: 'wordingVersion must be a string' })
  @IsNotEmpty({ message: 'wordingVersion must not be empty' })
  @MaxLength(100, { message: 'wordingVersion must be at most 100 characters' })
  wordingVersion!: string;

  @ApiPropertyOptional({
    deprecated: true,
    type: String,
    description:
      "Refused (400). The stored consent text is the server's own text for wordingVersion and " +
      'locale (templates/wordings/consent-wordings.json), never a text the client sends.',
  })
  // Refused rather than ignored: a form that sends its own text believes that text is stored;
  // a 400 makes the mismatch visible when the form is built, not in a dispute years later.
  @Equals(undefined, {
    message:
      'wording must not be sent: the server stores its own text for wordingVersion and locale',
  })
  wording?: string;

  @ApiPropertyOptional({ example: 'Анна', description: 'Used only for a customer not yet known' })
  @IsOptional()
  @IsString({ message: 'name must be a string' })
  @MaxLength(200, { message: 'name must be at most 200 characters' })
  name?: string;
}

/** The one answer to every accepted request, known address or not (no enumeration). */
export const SUBSCRIBE_ACCEPTED = {
  status: 'accepted',
  message:
    'If this address can receive our e-mail, a confirmation link is on its way. The subscription starts once it is confirmed.',
} as const;
