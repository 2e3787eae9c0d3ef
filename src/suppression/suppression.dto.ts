import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsEmail, IsIn, IsOptional, IsString, Length, MaxLength } from 'class-validator';

export class AddSuppressionDto {
  @ApiPropertyOptional({ example: 'anna@example.ru', description: 'email or phone, not both' })
  @IsOptional()
  @IsEmail({}, { message: 'email must be an email' })
  @MaxLength(320)
  email?: string;

  @ApiPropertyOptional({ example: '+79161234567', description: 'Any format; hashed as E.164' })
  @IsOptional()
  @IsString()
  @Length(3, 40)
  phone?: string;

  @ApiProperty({ enum: ['do_not_contact'] })
  @IsIn(['do_not_contact'], {
    message:
      'reason must be do_not_contact (bounces, complaints and erasures are recorded by Tactful)',
  })
  reason!: 'do_not_contact';

  @ApiPropertyOptional({ description: 'Why (e.g. a ticket number); keep personal data out' })
  @IsOptional()
  @IsString()
  @MaxLength(500)
  note?: string;
}

export class CheckSuppressionQuery {
  @ApiPropertyOptional()
  @IsOptional()
  @IsEmail({}, { message: 'email must be an email' })
  email?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @Length(3, 40)
  phone?: string;
}
