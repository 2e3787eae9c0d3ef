import { ApiProperty } from '@nestjs/swagger';
import { IsObject } from 'class-validator';

export class CountAudienceDto {
  @ApiProperty({
    description:
      'all / any / not over { field, op, value }; {} is everyone. See docs for fields and operators.',
    example: {
      all: [
        { field: 'kind', op: 'eq', value: 'consumer' },
        { field: 'lifecycleStage', op: 'in', value: ['new', 'active'] },
      ],
    },
  })
  @IsObject({ message: 'audience must be an object' })
  audience!: Record<string, unknown>;
}
