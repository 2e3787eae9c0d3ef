import { ApiProperty } from '@nestjs/swagger';
import { IsIn, IsString, Length } from 'class-validator';
import { ROLES, type Role } from './api-key.entity';

export class CreateApiKeyDto {
  @ApiProperty({ enum: ROLES })
  @IsIn(ROLES, { message: `role must be one of ${ROLES.join(', ')}` })
  role!: Role;

  @ApiProperty({ example: 'CRM sync' })
  @IsString()
  @Length(1, 200)
  name!: string;
}
