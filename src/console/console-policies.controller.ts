import {
  Controller,
  Get,
  NotFoundException,
  Param,
  Post,
  Req,
  Res,
  UseFilters,
  UseGuards,
} from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Response } from 'express';
import { actorRef } from '../auth/actor';
import { Public } from '../auth/roles.decorator';
import type { CustomerKind } from '../policy/engine';
import { PoliciesService } from '../policy/policies.service';
import { ConsoleExceptionFilter, ConsoleGuard, type ConsoleRequest } from './console.guard';
import { ConsoleMirrors, mayUse } from './console-access';
import { CONSOLE_NEEDS } from './console-needs';
import { formOf, page, sessionOf, str, textsOf, zoneOf } from './page';
import {
  editablePolicyText,
  isPolicyKind,
  policyTabs,
  policyTitle,
  policyVersionRow,
} from './policy-page.presenter';
import { messagesOfRefusal } from './service-messages';

/** The contact policy pages: one per customer kind, with its history; admins edit. */
@ApiExcludeController()
@Public()
@UseGuards(ConsoleGuard)
@UseFilters(ConsoleExceptionFilter)
@Controller('console')
export class ConsolePoliciesController {
  constructor(private readonly policies: PoliciesService) {}

  @Get('policies')
  @ConsoleMirrors(CONSOLE_NEEDS.policy)
  policiesIndex(@Res() res: Response): void {
    res.redirect(303, '/console/policies/consumer');
  }

  private async showPolicy(
    req: ConsoleRequest,
    res: Response,
    kind: CustomerKind,
    opts: { text?: string; messages?: string[]; status?: number; saved?: number } = {},
  ): Promise<void> {
    const t = textsOf(req);
    const lang = req.console?.lang ?? 'en';
    const current = await this.policies.current(kind);
    const versions = (await this.policies.versions(kind)).map((v) =>
      policyVersionRow(v, t, lang, zoneOf(req)),
    );
    page(req, res, 'policy', {
      title: policyTitle(t, kind),
      section: 'policies',
      status: opts.status ?? 200,
      kind,
      kinds: policyTabs(t, kind),
      version: current.policy.version,
      text: opts.text ?? editablePolicyText(current.policy),
      messages: opts.messages ?? [],
      saved: opts.saved ?? null,
      versions,
      canEdit: mayUse(sessionOf(req).role, CONSOLE_NEEDS.savePolicy),
    });
  }

  @Get('policies/:kind')
  @ConsoleMirrors(CONSOLE_NEEDS.policy)
  async policyPage(
    @Param('kind') kind: string,
    @Req() req: ConsoleRequest,
    @Res() res: Response,
  ): Promise<void> {
    if (!isPolicyKind(kind)) throw new NotFoundException(['no such policy']);
    await this.showPolicy(req, res, kind);
  }

  @Post('policies/:kind')
  @ConsoleMirrors(CONSOLE_NEEDS.savePolicy)
  async savePolicy(
    @Param('kind') kind: string,
    @Req() req: ConsoleRequest,
    @Res() res: Response,
  ): Promise<void> {
    if (!isPolicyKind(kind)) throw new NotFoundException(['no such policy']);
    const text = str(formOf(req).policy);
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      return this.showPolicy(req, res, kind, {
        text,
        messages: [textsOf(req).invalidJson],
        status: 400,
      });
    }
    try {
      const saved = await this.policies.update(kind, body, actorRef(sessionOf(req)));
      await this.showPolicy(req, res, kind, { saved: saved.policy.version });
    } catch (err) {
      await this.showPolicy(req, res, kind, {
        text,
        messages: messagesOfRefusal(err),
        status: 400,
      });
    }
  }
}
