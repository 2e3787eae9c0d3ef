import { ApiProperty, ApiPropertyOptional, PartialType } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  IsEmail,
  IsIn,
  IsNotEmpty,
  IsObject,
  IsOptional,
  IsString,
  Length,
  Matches,
  MaxLength,
  ValidateIf,
  ValidateNested,
} from 'class-validator';
import { IsIanaTimeZone, LOCALE_PATTERN } from '../common/validators';

export const CUSTOMER_KINDS = ['consumer', 'business'] as const;

export class AccountManagerDto {
  @ApiProperty({ example: 'Игорь' })
  @IsString()
  @Length(1, 200)
  name!: string;

  @ApiProperty({ example: '+79161234568' })
  @IsString()
  @Length(3, 40)
  phone!: string;

  @ApiPropertyOptional({
    example: 'igor@shop.example',
    description: "Replies to this contact's messages go to this address",
  })
  @IsOptional()
  @IsEmail({}, { message: 'accountManager.email must be an email' })
  @MaxLength(320, { message: 'accountManager.email must be at most 320 characters' })
  email?: string;
}

export class UpsertCustomerDto {
  @ApiProperty({ example: 'crm-1001', description: 'Unique id in the CRM' })
  @IsString()
  @Length(1, 200)
  // Erasure renames a customer to `erased:<id>`; that name must not lead back to the erased row.
  @Matches(/^(?!erased:)/, { message: 'externalId must not start with "erased:"' })
  externalId!: string;

  @ApiProperty({ enum: CUSTOMER_KINDS })
  @IsIn(CUSTOMER_KINDS, { message: 'kind must be one of consumer, business' })
  kind!: 'consumer' | 'business';

  @ApiPropertyOptional({ example: 'Анна Петрова' })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  name?: string;

  @ApiPropertyOptional({ example: 'anna@example.ru' })
  @IsOptional()
  @IsEmail({}, { message: 'email must be an email' })
  @MaxLength(320)
  email?: string;

  @ApiPropertyOptional({ example: '+79161234567', description: 'Any format; stored as E.164' })
  @IsOptional()
  @IsString()
  @Length(3, 40)
  phone?: string;

  @ApiPropertyOptional({ example: 'Europe/Moscow', default: 'UTC' })
  @IsOptional()
  @IsIanaTimeZone()
  timezone?: string;

  @ApiPropertyOptional({ example: 'ru', default: 'en' })
  @IsOptional()
  @Matches(LOCALE_PATTERN, { message: 'locale must be a language code such as ru or en' })
  locale?: string;

  @ApiPropertyOptional({ example: 'ООО Ромашка', description: 'Required for business contacts' })
  @ValidateIf((o: UpsertCustomerDto) => o.kind === 'business' || o.company !== undefined)
  @IsString({ message: 'company is required for business customers' })
  @IsNotEmpty({ message: 'company is required for business customers' })
  @MaxLength(200)
  company?: string;

  @ApiPropertyOptional({ type: AccountManagerDto })
  @IsOptional()
  @ValidateNested()
  @Type(() => AccountManagerDto)
  accountManager?: AccountManagerDto;

  @ApiPropertyOptional({ example: { city: 'Казань' } })
  @IsOptional()
  @IsObject({ message: 'attributes must be a JSON object' })
  attributes?: Record<string, unknown>;
}

// PATCH may change anything but the identity; null clears an optional field.
export class PatchCustomerDto extends PartialType(UpsertCustomerDto) {}

export class ListCustomersQuery {
  @ApiPropertyOptional({ description: 'Exact e-mail, case-insensitive' })
  @IsOptional()
  @IsString()
  email?: string;

  @ApiPropertyOptional({ description: 'Phone in any format; compared in E.164' })
  @IsOptional()
  @IsString()
  phone?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  externalId?: string;

  @ApiPropertyOptional({ description: 'nextCursor of the previous page' })
  @IsOptional()
  @IsString()
  cursor?: string;

  @ApiPropertyOptional({ description: 'Page size, 1–500 (default 50)' })
  @IsOptional()
  @Matches(/^\d+$/, { message: 'limit must be a whole number' })
  limit?: string;
}
