import {
  BadRequestException,
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  Inject,
  Param,
  Post,
  Query,
  Res,
} from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { DataSource } from 'typeorm';
import { Actor, actorRef, CurrentActor } from '../auth/actor';
import { Roles } from '../auth/roles.decorator';
import { SETTINGS } from '../common/tokens';
import type { Settings } from '../config/settings';
import { toE164 } from '../common/validators';
import { AddSuppressionDto, CheckSuppressionQuery } from './suppression.dto';
import { SuppressionService } from './suppression.service';

@ApiTags('suppressions')
@ApiBearerAuth()
@Controller('v1/suppressions')
export class SuppressionController {
  constructor(
    private readonly suppressions: SuppressionService,
    private readonly dataSource: DataSource,
    @Inject(SETTINGS) private readonly settings: Settings,
  ) {}

  /** Adds a manual do-not-contact entry; only its hash is stored. 201 new, 200 already there. */
  @Post()
  @Roles('integration')
  async add(
    @Body() dto: AddSuppressionDto,
    @CurrentActor() actor: Actor,
    @Res({ passthrough: true }) res: Response,
  ) {
    const address = this.address(dto);
    const type = address.email ? 'email' : 'phone';
    const value = address.email ?? address.phone ?? '';
    const { id, created } = await this.dataSource.transaction((m) =>
      this.suppressions.add(
        { type, value, reason: dto.reason, note: dto.note ?? null },
        actorRef(actor),
        m,
      ),
    );
    res.status(created ? 201 : 200);
    return { id, addressType: type, reason: dto.reason, note: dto.note ?? null, created };
  }

  /** Whether an address is suppressed and why; the address itself is not echoed back. */
  @Get('check')
  @Roles('integration', 'marketer', 'auditor')
  async check(@Query() q: CheckSuppressionQuery) {
    const items = await this.suppressions.check(this.address(q, true));
    return { suppressed: items.length > 0, items };
  }

  @Delete(':id')
  @Roles('integration')
  @HttpCode(204)
  async lift(@Param('id') id: string, @CurrentActor() actor: Actor) {
    if (!/^\d{1,18}$/.test(id)) throw new BadRequestException(['id must be a suppression id']);
    await this.suppressions.lift(id, actorRef(actor));
  }

  private address(
    a: { email?: string; phone?: string },
    allowBoth = false,
  ): { email?: string; phone?: string } {
    if (!a.email && !a.phone) throw new BadRequestException(['email or phone is required']);
    if (a.email && a.phone && !allowBoth)
      throw new BadRequestException(['give email or phone, not both']);
    const out: { email?: string; phone?: string } = {};
    if (a.email) out.email = a.email.trim().toLowerCase();
    if (a.phone) {
      const phone = toE164(a.phone, this.settings.defaultPhoneRegion);
      if (!phone) throw new BadRequestException(['phone must be a valid phone number']);
      out.phone = phone;
    }
    return out;
  }
}
