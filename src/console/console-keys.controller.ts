import {
  Controller,
  Get,
  NotFoundException,
  Param,
  ParseUUIDPipe,
  Post,
  Req,
  Res,
  UseFilters,
  UseGuards,
} from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { plainToInstance } from 'class-transformer';
import type { Response } from 'express';
import { ROLES } from '../auth/api-key.entity';
import { ApiKeysService } from '../auth/api-keys.service';
import { CreateApiKeyDto } from '../auth/api-keys.dto';
import { Public } from '../auth/roles.decorator';
import { validationMessages } from '../common/validation';
import { ConsoleExceptionFilter, ConsoleGuard, type ConsoleRequest } from './console.guard';
import { ConsoleMirrors } from './console-access';
import { CONSOLE_NEEDS } from './console-needs';
import { messagesByFirstWord } from './field-messages';
import { EMPTY_KEY_FORM, KEY_FIELDS, keyRow, keySubject } from './key-page.presenter';
import { formOf, page, sessionOf, str, textsOf, zoneOf } from './page';
import { ConsoleSessionService } from './session.service';

/** The API keys page: list, create (the key shown once), revoke (ending its sessions). */
@ApiExcludeController()
@Public()
@UseGuards(ConsoleGuard)
@UseFilters(ConsoleExceptionFilter)
@Controller('console')
export class ConsoleKeysController {
  constructor(
    private readonly keys: ApiKeysService,
    private readonly sessions: ConsoleSessionService,
  ) {}

  private async showKeys(
    req: ConsoleRequest,
    res: Response,
    opts: { created?: string; messages?: string[]; status?: number; form?: object } = {},
  ): Promise<void> {
    const t = textsOf(req);
    const lang = req.console?.lang ?? 'en';
    const own = sessionOf(req).keyId;
    const keys = (await this.keys.list()).map((k) => keyRow(k, own, lang, zoneOf(req)));
    page(req, res, 'keys', {
      title: t.keys,
      section: 'keys',
      status: opts.status ?? 200,
      keys,
      roles: ROLES,
      created: opts.created ?? null,
      ...messagesByFirstWord(opts.messages ?? [], KEY_FIELDS),
      form: opts.form ?? EMPTY_KEY_FORM,
    });
  }

  @Get('keys')
  @ConsoleMirrors(CONSOLE_NEEDS.keys)
  async keysPage(@Req() req: ConsoleRequest, @Res() res: Response): Promise<void> {
    await this.showKeys(req, res);
  }

  @Post('keys')
  @ConsoleMirrors(CONSOLE_NEEDS.createKey)
  async createKey(@Req() req: ConsoleRequest, @Res() res: Response): Promise<void> {
    const form = formOf(req);
    const input = { name: str(form.name).trim(), role: str(form.role) };
    const dto = plainToInstance(CreateApiKeyDto, input);
    const messages = validationMessages(dto);
    if (messages.length) return this.showKeys(req, res, { messages, status: 400, form: input });
    const s = sessionOf(req);
    const created = await this.keys.create(dto.role, dto.name, { keyId: s.keyId, role: s.role });
    await this.showKeys(req, res, { created: created.key });
  }

  @Get('keys/:id/revoke')
  @ConsoleMirrors(CONSOLE_NEEDS.revokeKey)
  async confirmRevoke(
    @Param('id', ParseUUIDPipe) id: string,
    @Req() req: ConsoleRequest,
    @Res() res: Response,
  ): Promise<void> {
    const t = textsOf(req);
    const key = (await this.keys.list()).find((k) => k.id === id);
    if (!key) throw new NotFoundException(['no such key']);
    page(req, res, 'confirm', {
      title: t.revoke,
      section: 'keys',
      question: t.confirmRevoke,
      actionUrl: `/console/keys/${id}/revoke`,
      backUrl: '/console/keys',
      subject: keySubject(key),
      danger: true,
      buttonLabel: t.revoke,
    });
  }

  @Post('keys/:id/revoke')
  @ConsoleMirrors(CONSOLE_NEEDS.revokeKey)
  async revoke(
    @Param('id', ParseUUIDPipe) id: string,
    @Req() req: ConsoleRequest,
    @Res() res: Response,
  ): Promise<void> {
    const s = sessionOf(req);
    await this.keys.revoke(id, { keyId: s.keyId, role: s.role });
    await this.sessions.endSessionsOf(id);
    res.redirect(303, id === s.keyId ? '/console/login' : '/console/keys');
  }
}
