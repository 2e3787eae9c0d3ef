import {
  Controller,
  Get,
  HttpException,
  NotFoundException,
  Param,
  ParseUUIDPipe,
  Post,
  Query,
  Req,
  Res,
  UseFilters,
  UseGuards,
} from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { plainToInstance } from 'class-transformer';
import type { Response } from 'express';
import { AuditExportQuery, AuditListQuery, toAuditFilter } from '../audit/audit-filter';
import { AuditQueryService } from '../audit/audit-query.service';
import { actorRef } from '../auth/actor';
import { ROLES } from '../auth/api-key.entity';
import { ApiKeysService } from '../auth/api-keys.service';
import { CreateApiKeyDto } from '../auth/api-keys.dto';
import { Public } from '../auth/roles.decorator';
import { validationMessages } from '../common/validation';
import type { CustomerKind } from '../policy/engine';
import { PoliciesService } from '../policy/policies.service';
import { TEMPLATE_PARTS } from '../templates/template-engine';
import { TEMPLATE_NAME_PATTERN, type TemplateLocales } from '../templates/template-files';
import { CreateTemplateDto } from '../templates/templates.dto';
import { TemplatesService } from '../templates/templates.service';
import { ConsoleExceptionFilter, ConsoleGuard, type ConsoleRequest } from './console.guard';
import { ConsoleMirrors, mayUse } from './console-access';
import { CONSOLE_NEEDS } from './console-needs';
import { fmtDate, formOf, page, sessionOf, str, textsOf } from './page';
import { ConsoleSessionService } from './session.service';

const AUDIT_FIELDS = ['customerId', 'campaignId', 'type', 'from', 'to'] as const;
const KINDS: CustomerKind[] = ['consumer', 'business'];
const LOCAL_MINUTES = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$/;

/** 400 messages of a service call, or rethrow. */
function badRequest(err: unknown): string[] {
  if (err instanceof HttpException && err.getStatus() === 400) {
    const body = err.getResponse() as { message?: unknown };
    return Array.isArray(body.message) ? body.message.map(String) : [String(body.message)];
  }
  throw err;
}

/** The audit filter fields as typed; datetime-local values are read as UTC. */
function auditQueryOf(q: Record<string, unknown>) {
  const out: Record<string, string> = {};
  for (const f of AUDIT_FIELDS) {
    let v = str(q[f]).trim();
    if ((f === 'from' || f === 'to') && LOCAL_MINUTES.test(v)) v = `${v}:00Z`;
    if (v) out[f] = v;
  }
  return out;
}

const byFirstWord = (messages: string[], fields: readonly string[]) => {
  const errors: Record<string, string[]> = {};
  const general: string[] = [];
  for (const m of messages) {
    const f = /^(?:property\s+)?([A-Za-z]+)/.exec(m)?.[1] ?? '';
    if (fields.includes(f)) (errors[f] ??= []).push(m);
    else general.push(m);
  }
  return { errors, general };
};

@ApiExcludeController()
@Public()
@UseGuards(ConsoleGuard)
@UseFilters(ConsoleExceptionFilter)
@Controller('console')
export class ConsoleAdminController {
  constructor(
    private readonly audit: AuditQueryService,
    private readonly templates: TemplatesService,
    private readonly policies: PoliciesService,
    private readonly keys: ApiKeysService,
    private readonly sessions: ConsoleSessionService,
  ) {}

  // ------------------------------------------------------------------ audit

  @Get('audit')
  @ConsoleMirrors(CONSOLE_NEEDS.audit)
  async auditPage(
    @Query() raw: Record<string, unknown>,
    @Req() req: ConsoleRequest,
    @Res() res: Response,
  ): Promise<void> {
    const t = textsOf(req);
    const lang = req.console?.lang ?? 'en';
    const q = auditQueryOf(raw);
    const cursor = str(raw.cursor) || undefined;
    const dto = plainToInstance(AuditListQuery, { ...q, order: 'desc' });
    let messages = validationMessages(dto);
    let items: unknown[] = [];
    let nextCursor: string | null = null;
    if (!messages.length) {
      try {
        const r = await this.audit.list(toAuditFilter(dto), cursor, 50);
        items = r.items.map((i) => ({
          ...i,
          when: fmtDate(i.at, lang),
          dataJson: JSON.stringify(i.data).slice(0, 300),
        }));
        nextCursor = r.nextCursor;
      } catch (err) {
        messages = badRequest(err);
      }
    }
    const { errors, general } = byFirstWord(messages, AUDIT_FIELDS);
    const qs = new URLSearchParams({ ...q, order: 'desc' }).toString();
    page(req, res, 'audit', {
      title: t.audit,
      section: 'audit',
      status: messages.length ? 400 : 200,
      form: {
        ...Object.fromEntries(AUDIT_FIELDS.map((f) => [f, str(raw[f])])),
      },
      errors,
      general,
      items,
      nextUrl: nextCursor ? `/console/audit?${qs}&cursor=${encodeURIComponent(nextCursor)}` : null,
      csvUrl: `/console/audit/export?${qs}&format=csv`,
      ndjsonUrl: `/console/audit/export?${qs}&format=ndjson`,
    });
  }

  /** The same streamed export as GET /v1/audit/export, under the console session. */
  @Get('audit/export')
  @ConsoleMirrors(CONSOLE_NEEDS.auditExport)
  async exportAudit(@Query() raw: Record<string, unknown>, @Res() res: Response): Promise<void> {
    const format = str(raw.format) === 'csv' ? 'csv' : 'ndjson';
    const dto = plainToInstance(AuditExportQuery, { ...auditQueryOf(raw), format });
    const messages = validationMessages(dto);
    if (messages.length) throw new HttpException(messages, 400);
    const filter = toAuditFilter(dto);
    res.status(200);
    res.setHeader(
      'Content-Type',
      format === 'csv' ? 'text/csv; charset=utf-8' : 'application/x-ndjson; charset=utf-8',
    );
    res.setHeader('Content-Disposition', `attachment; filename="audit.${format}"`);
    res.setHeader('Cache-Control', 'no-store');
    try {
      await this.audit.export(filter, format, res);
      res.end();
    } catch (err) {
      res.destroy(err as Error);
    }
  }

  // -------------------------------------------------------------- templates

  @Get('templates')
  @ConsoleMirrors(CONSOLE_NEEDS.templates)
  async templatesPage(@Req() req: ConsoleRequest, @Res() res: Response): Promise<void> {
    const t = textsOf(req);
    const lang = req.console?.lang ?? 'en';
    const { items } = await this.templates.list(undefined, 200);
    page(req, res, 'templates', {
      title: t.templates,
      section: 'templates',
      items: items.map((i) => ({ ...i, updated: fmtDate(i.updatedAt, lang) })),
    });
  }

  @Get('templates/new')
  @ConsoleMirrors(CONSOLE_NEEDS.createTemplate)
  newTemplate(@Req() req: ConsoleRequest, @Res() res: Response): void {
    const t = textsOf(req);
    page(req, res, 'template', {
      title: t.newTemplate,
      section: 'templates',
      isNew: true,
      name: '',
      locales: this.editorLocales({ en: {}, ru: {} }, {}),
      previews: [],
      versions: [],
      canEdit: true,
      general: [],
    });
  }

  private editorLocales(
    locales: TemplateLocales,
    errors: Record<string, Record<string, string[]>>,
  ) {
    return Object.keys(locales)
      .sort()
      .map((locale) => ({
        locale,
        parts: TEMPLATE_PARTS.map((part) => ({
          part,
          value: (locales[locale] as Record<string, string | undefined>)[part] ?? '',
          id: `part-${locale}-${part}`,
          errors: errors[locale]?.[part] ?? null,
        })),
      }));
  }

  private async showTemplate(
    req: ConsoleRequest,
    res: Response,
    name: string,
    opts: {
      locales?: TemplateLocales;
      messages?: string[];
      saved?: { version: number; warnings: string[] };
      status?: number;
    } = {},
  ): Promise<void> {
    const t = textsOf(req);
    const lang = req.console?.lang ?? 'en';
    const current = await this.templates.get(name);
    const errors: Record<string, Record<string, string[]>> = {};
    const general: string[] = [];
    for (const m of opts.messages ?? []) {
      const at = /^locales\.([A-Za-z-]+)\.(\w+)/.exec(m);
      if (at) ((errors[at[1]] ??= {})[at[2]] ??= []).push(m);
      else general.push(m);
    }
    let previews: unknown[] = [];
    try {
      const p = await this.templates.preview(name, {});
      previews = Object.entries(p.locales).map(([locale, v]) => ({ locale, ...(v as object) }));
    } catch (err) {
      general.push(...badRequest(err));
    }
    const versions = (await this.templates.versions(name)).items.map((v) => ({
      ...v,
      created: fmtDate(v.createdAt, lang),
    }));
    page(req, res, 'template', {
      title: `${t.template} ${name}`,
      section: 'templates',
      status: opts.status ?? 200,
      isNew: false,
      name,
      version: current.version,
      source: current.source,
      locales: this.editorLocales(opts.locales ?? current.locales, errors),
      previews,
      versions,
      general,
      saved: opts.saved ?? null,
      canEdit: mayUse(sessionOf(req).role, CONSOLE_NEEDS.createTemplate),
    });
  }

  @Get('templates/:name')
  @ConsoleMirrors(CONSOLE_NEEDS.template)
  async templatePage(
    @Param('name') name: string,
    @Req() req: ConsoleRequest,
    @Res() res: Response,
  ): Promise<void> {
    if (!TEMPLATE_NAME_PATTERN.test(name)) throw new NotFoundException(['no such template']);
    await this.showTemplate(req, res, name);
  }

  /** Parts arrive as `part.<locale>.<part>`; empty parts are left out. */
  private localesOf(form: Record<string, unknown>): TemplateLocales {
    const locales: TemplateLocales = {};
    for (const [k, v] of Object.entries(form)) {
      const m = /^part\.([A-Za-z-]{2,10})\.(\w+)$/.exec(k);
      const text = str(v).replace(/\r\n/g, '\n');
      if (!m || !text.trim()) continue;
      (locales[m[1]] ??= {})[m[2] as (typeof TEMPLATE_PARTS)[number]] = text;
    }
    return locales;
  }

  @Post('templates')
  @ConsoleMirrors(CONSOLE_NEEDS.createTemplate)
  async saveTemplate(@Req() req: ConsoleRequest, @Res() res: Response): Promise<void> {
    const form = formOf(req);
    const name = str(form.name).trim();
    const locales = this.localesOf(form);
    const dto = plainToInstance(CreateTemplateDto, { name, locales });
    let messages = validationMessages(dto);
    if (!messages.length) {
      try {
        const saved = await this.templates.create(dto, actorRef(sessionOf(req)));
        return this.showTemplate(req, res, name, { saved });
      } catch (err) {
        messages = badRequest(err);
      }
    }
    const t = textsOf(req);
    const known = TEMPLATE_NAME_PATTERN.test(name)
      ? await this.templates.latestVersion(name).catch(() => null)
      : null;
    if (known !== null)
      return this.showTemplate(req, res, name, { locales, messages, status: 400 });
    const errors: Record<string, Record<string, string[]>> = {};
    const general: string[] = [];
    const nameErrors: string[] = [];
    for (const m of messages) {
      const at = /^locales\.([A-Za-z-]+)\.(\w+)/.exec(m);
      if (at) ((errors[at[1]] ??= {})[at[2]] ??= []).push(m);
      else if (m.startsWith('name')) nameErrors.push(m);
      else general.push(m);
    }
    page(req, res, 'template', {
      title: t.newTemplate,
      section: 'templates',
      status: 400,
      isNew: true,
      name,
      nameErrors,
      locales: this.editorLocales(
        Object.keys(locales).length ? locales : { en: {}, ru: {} },
        errors,
      ),
      previews: [],
      versions: [],
      canEdit: true,
      general,
    });
  }

  // --------------------------------------------------------------- policies

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
    const { kind: _k, version: _v, ...editable } = current.policy;
    const versions = (await this.policies.versions(kind)).map((v) => ({
      version: v.policy.version,
      created: v.createdAt ? fmtDate(v.createdAt, lang) : t.builtIn,
      createdBy: v.createdBy ?? '—',
      json: JSON.stringify(v.policy, null, 2),
    }));
    page(req, res, 'policy', {
      title: `${t.policies}: ${(t as Record<string, string>)[`policy_${kind}`]}`,
      section: 'policies',
      status: opts.status ?? 200,
      kind,
      kinds: KINDS.map((k) => ({
        kind: k,
        label: (t as Record<string, string>)[`policy_${k}`],
        current: k === kind,
      })),
      version: current.policy.version,
      text: opts.text ?? JSON.stringify(editable, null, 2),
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
    if (!(KINDS as string[]).includes(kind)) throw new NotFoundException(['no such policy']);
    await this.showPolicy(req, res, kind as CustomerKind);
  }

  @Post('policies/:kind')
  @ConsoleMirrors(CONSOLE_NEEDS.savePolicy)
  async savePolicy(
    @Param('kind') kind: string,
    @Req() req: ConsoleRequest,
    @Res() res: Response,
  ): Promise<void> {
    if (!(KINDS as string[]).includes(kind)) throw new NotFoundException(['no such policy']);
    const text = str(formOf(req).policy);
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      return this.showPolicy(req, res, kind as CustomerKind, {
        text,
        messages: [textsOf(req).invalidJson],
        status: 400,
      });
    }
    try {
      const saved = await this.policies.update(
        kind as CustomerKind,
        body,
        actorRef(sessionOf(req)),
      );
      await this.showPolicy(req, res, kind as CustomerKind, { saved: saved.policy.version });
    } catch (err) {
      await this.showPolicy(req, res, kind as CustomerKind, {
        text,
        messages: badRequest(err),
        status: 400,
      });
    }
  }

  // ------------------------------------------------------------------- keys

  private async showKeys(
    req: ConsoleRequest,
    res: Response,
    opts: { created?: string; messages?: string[]; status?: number; form?: object } = {},
  ): Promise<void> {
    const t = textsOf(req);
    const lang = req.console?.lang ?? 'en';
    const keys = (await this.keys.list()).map((k) => ({
      id: k.id,
      name: k.name,
      role: k.role,
      prefix: k.keyPrefix,
      created: fmtDate(k.createdAt, lang),
      revoked: k.revokedAt !== null,
      self: k.id === sessionOf(req).keyId,
    }));
    const { errors, general } = byFirstWord(opts.messages ?? [], ['role', 'name']);
    page(req, res, 'keys', {
      title: t.keys,
      section: 'keys',
      status: opts.status ?? 200,
      keys,
      roles: ROLES,
      created: opts.created ?? null,
      errors,
      general,
      form: opts.form ?? { name: '', role: 'marketer' },
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
      subject: `${key.name} (${key.keyPrefix}…)`,
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
