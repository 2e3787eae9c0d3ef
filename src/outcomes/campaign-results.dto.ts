import { ApiProperty } from '@nestjs/swagger';

// The shape of GET /v1/campaigns/:id/results, for the OpenAPI document.

export class TreatedResultsDto {
  @ApiProperty({ description: 'Customers the campaign reached' }) customers!: number;
  @ApiProperty({ description: 'Messages delivered (accepted and not bounced)' }) delivered!: number;
  @ApiProperty({ description: 'Customers with a counted click (no scanner hits)' })
  clicked!: number;
  @ApiProperty({ description: 'Customers with an attributed purchase' }) converted!: number;
  @ApiProperty({ example: { RUB: 125000 }, description: 'Attributed revenue per currency' })
  revenue!: Record<string, number>;
}

export class HoldoutResultsDto {
  @ApiProperty({ description: 'Customers held out as the control group' }) customers!: number;
  @ApiProperty() converted!: number;
  @ApiProperty({ example: { RUB: 40000 } }) revenue!: Record<string, number>;
}

export class UpliftDto {
  @ApiProperty({ description: 'Treated minus holdout conversion rate' }) absolute!: number;
  @ApiProperty() low!: number;
  @ApiProperty() high!: number;
  @ApiProperty({ example: 0.95 }) confidence!: number;
}

export class AnnoyanceDto {
  @ApiProperty() unsubscribed!: number;
  @ApiProperty() complained!: number;
  @ApiProperty() smsStop!: number;
  @ApiProperty({ description: '(unsubscribed + complained + smsStop) / customers reached' })
  rate!: number;
}

export class GuardrailDto {
  @ApiProperty() maxComplaintRate!: number;
  @ApiProperty() maxUnsubscribeRate!: number;
  @ApiProperty() minDelivered!: number;
  @ApiProperty() delivered!: number;
  @ApiProperty() complaintRate!: number;
  @ApiProperty() unsubscribeRate!: number;
  @ApiProperty({ enum: ['collecting', 'ok', 'tripped'] }) state!: string;
  @ApiProperty({ type: [String] }) breached!: string[];
  @ApiProperty({ nullable: true, type: String }) pausedReason!: string | null;
}

export class CampaignResultsDto {
  @ApiProperty({ type: TreatedResultsDto }) treated!: TreatedResultsDto;
  @ApiProperty({ type: HoldoutResultsDto }) holdout!: HoldoutResultsDto;
  @ApiProperty({ type: UpliftDto, nullable: true }) uplift!: UpliftDto | null;
  @ApiProperty({ enum: ['helped', 'no_measurable_effect', 'hurt', 'not_enough_data'] })
  verdict!: string;
  @ApiProperty({ type: AnnoyanceDto }) annoyance!: AnnoyanceDto;
  @ApiProperty({ type: GuardrailDto, nullable: true }) guardrail!: GuardrailDto | null;
  @ApiProperty({ description: 'Days after a delivery a purchase is attributed to it' })
  attributionDays!: number;
}
