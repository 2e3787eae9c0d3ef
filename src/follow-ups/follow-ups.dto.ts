import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, Length, Matches } from 'class-validator';
import { FOLLOW_UP_REASONS, type FollowUpReason } from './follow-up-reasons';

export class ResolveFollowUpDto {
  @ApiProperty({ example: 'Called back, replaced the boots', description: 'What was done' })
  @IsString({ message: 'note must be a string' })
  @Length(1, 2000, { message: 'note must have 1 to 2000 characters' })
  note!: string;
}

export class ListFollowUpsQuery {
  @ApiPropertyOptional({ description: 'nextCursor of the previous page' })
  @IsOptional()
  @Matches(/^[A-Za-z0-9_-]{1,200}$/, { message: 'cursor is not valid' })
  cursor?: string;

  @ApiPropertyOptional({ minimum: 1, maximum: 200, default: 50 })
  @IsOptional()
  @Matches(/^\d{1,3}$/, { message: 'limit must be a whole number from 1 to 200' })
  limit?: string;
}

export class FollowUpCustomerDto {
  @ApiProperty() id!: string;
  @ApiProperty() externalId!: string;
  @ApiProperty({ enum: ['consumer', 'business'] }) kind!: 'consumer' | 'business';
  @ApiProperty({ nullable: true, type: String }) name!: string | null;
  @ApiProperty({ nullable: true, type: String }) company!: string | null;
}

export class FollowUpDto {
  @ApiProperty() id!: string;
  @ApiProperty({ enum: FOLLOW_UP_REASONS, description: 'The first reason' })
  reason!: FollowUpReason;
  @ApiProperty({ enum: FOLLOW_UP_REASONS, isArray: true, description: 'Every reason, in order' })
  reasons!: FollowUpReason[];
  @ApiProperty({ type: FollowUpCustomerDto }) customer!: FollowUpCustomerDto;
  @ApiProperty({ type: [String], description: 'Customer events that opened or joined it' })
  eventIds!: string[];
  @ApiProperty({ type: [String], description: 'Deliveries it answers (a complaint, an SMS)' })
  deliveryIds!: string[];
  @ApiProperty() openedAt!: Date;
}

export class FollowUpListDto {
  @ApiProperty({ type: [FollowUpDto] }) items!: FollowUpDto[];
  @ApiProperty({ nullable: true, type: String }) nextCursor!: string | null;
}

export class ResolvedFollowUpDto {
  @ApiProperty() id!: string;
  @ApiProperty() customerId!: string;
  @ApiProperty({ enum: FOLLOW_UP_REASONS, isArray: true }) reasons!: FollowUpReason[];
  @ApiProperty() openedAt!: Date;
  @ApiProperty() resolvedAt!: Date;
  @ApiProperty({ description: 'The key that resolved it' }) resolvedBy!: string;
  @ApiProperty() note!: string;
}
