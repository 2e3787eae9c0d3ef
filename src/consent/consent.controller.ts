import { Body, Controller, Get, Param, ParseUUIDPipe, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { Actor, actorRef, CurrentActor } from '../auth/actor';
import { Roles } from '../auth/roles.decorator';
import { Idempotent } from '../idempotency/idempotent.decorator';
import { RecordConsentDto } from './consent.dto';
import { ConsentService } from './consent.service';

@ApiTags('consents')
@ApiBearerAuth()
@Controller('v1/customers/:id/consents')
export class ConsentController {
  constructor(private readonly consents: ConsentService) {}

  @Post()
  // Consent is recorded by the system of record (and the customer's own flows, in-process);
  // a marketer would otherwise fabricate the proof the audit rests on.
  @Idempotent()
  @Roles('integration')
  async record(
    @Param('id', ParseUUIDPipe) id: string,
    @Body() dto: RecordConsentDto,
    @CurrentActor() actor: Actor,
  ) {
    const { event, state } = await this.consents.record({
      customerId: id,
      channel: dto.channel,
      topic: dto.topic,
      action: dto.action,
      source: dto.source,
      confirmed: dto.confirmed,
      evidence: dto.evidence,
      actor: actorRef(actor),
    });
    return { event, state };
  }

  @Get()
  @Roles('integration', 'marketer', 'auditor')
  list(@Param('id', ParseUUIDPipe) id: string) {
    return this.consents.forCustomer(id);
  }
}
