import { ApiProperty } from '@nestjs/swagger';

/** What a provider's event delivery did; always 200 once verified, so the provider does not retry. */
export class ProviderEventsResultDto {
  @ApiProperty({ description: 'Events in the request' })
  received!: number;

  @ApiProperty({ description: 'Events that changed a delivery, a suppression or a consent' })
  applied!: number;

  @ApiProperty({
    description: 'Events already known, out of order, about another address, or of no interest',
  })
  ignored!: number;

  @ApiProperty({ description: 'Events no e-mail delivery of ours matches' })
  unmatched!: number;

  @ApiProperty({
    required: false,
    description: 'SES: an SNS subscription confirmation was visited',
  })
  subscriptionConfirmed?: boolean;
}
