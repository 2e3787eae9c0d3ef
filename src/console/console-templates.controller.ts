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
import { plainToInstance } from 'class-transformer';
import type { Response } from 'express';
import { actorRef } from '../auth/actor';
import { Public } from '../auth/roles.decorator';
import { validationMessages } from '../common/validation';
import { TEMPLATE_NAME_PATTERN, type TemplateLocales } from '../templates/template-files';
import { CreateTemplateDto } from '../templates/templates.dto';
import { TemplatesService } from '../templates/templates.service';
import { ConsoleExceptionFilter, ConsoleGuard, type ConsoleRequest } from './console.guard';
import { ConsoleMirrors, mayUse } from './console-access';
import { CONSOLE_NEEDS } from './console-needs';
import { formOf, page, sessionOf, str, textsOf, zoneOf } from './page';
import { messagesOfRefusal } from './service-messages';
import {
  editorLocales,
  localesOf,
  NEW_TEMPLATE_LOCALES,
  previewsOf,
  templateMessages,
  templateRow,
  templateVersionRow,
} from './template-page.presenter';

/** The templates pages: the list, the editor with its previews and versions, saving a version. */
@ApiExcludeController()
@Public()
@UseGuards(ConsoleGuard)
@UseFilters(ConsoleExceptionFilter)
@Controller('console')
export class ConsoleTemplatesController {
  constructor(private readonly templates: TemplatesService) {}

  @Get('templates')
  @ConsoleMirrors(CONSOLE_NEEDS.templates)
  async templatesPage(@Req() req: ConsoleRequest, @Res() res: Response): Promise<void> {
    const t = textsOf(req);
    const lang = req.console?.lang ?? 'en';
    const { items } = await this.templates.list(undefined, 200);
    page(req, res, 'templates', {
      title: t.templates,
      section: 'templates',
      items: items.map((i) => templateRow(i, lang, zoneOf(req))),
    });
  }

  // Before templates/:name, which would take "new" for a name.
  @Get('templates/new')
  @ConsoleMirrors(CONSOLE_NEEDS.createTemplate)
  newTemplate(@Req() req: ConsoleRequest, @Res() res: Response): void {
    const t = textsOf(req);
    page(req, res, 'template', {
      title: t.newTemplate,
      section: 'templates',
      isNew: true,
      name: '',
      locales: editorLocales(NEW_TEMPLATE_LOCALES, {}),
      previews: [],
      versions: [],
      canEdit: true,
      general: [],
    });
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
    const { errors, general } = templateMessages(opts.messages ?? []);
    let previews: unknown[] = [];
    try {
      previews = previewsOf((await this.templates.preview(name, {})).locales);
    } catch (err) {
      general.push(...messagesOfRefusal(err));
    }
    const versions = (await this.templates.versions(name)).items.map((v) =>
      templateVersionRow(v, lang, zoneOf(req)),
    );
    page(req, res, 'template', {
      title: `${t.template} ${name}`,
      section: 'templates',
      status: opts.status ?? 200,
      isNew: false,
      name,
      version: current.version,
      source: current.source,
      locales: editorLocales(opts.locales ?? current.locales, errors),
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

  @Post('templates')
  @ConsoleMirrors(CONSOLE_NEEDS.createTemplate)
  async saveTemplate(@Req() req: ConsoleRequest, @Res() res: Response): Promise<void> {
    const form = formOf(req);
    const name = str(form.name).trim();
    const locales = localesOf(form);
    const dto = plainToInstance(CreateTemplateDto, { name, locales });
    let messages = validationMessages(dto);
    if (!messages.length) {
      try {
        const saved = await this.templates.create(dto, actorRef(sessionOf(req)));
        return this.showTemplate(req, res, name, { saved });
      } catch (err) {
        messages = messagesOfRefusal(err);
      }
    }
    const known = TEMPLATE_NAME_PATTERN.test(name)
      ? await this.templates.latestVersion(name).catch(() => null)
      : null;
    if (known !== null)
      return this.showTemplate(req, res, name, { locales, messages, status: 400 });
    const { errors, general, nameErrors } = templateMessages(messages, true);
    page(req, res, 'template', {
      title: textsOf(req).newTemplate,
      section: 'templates',
      status: 400,
      isNew: true,
      name,
      nameErrors,
      locales: editorLocales(Object.keys(locales).length ? locales : NEW_TEMPLATE_LOCALES, errors),
      previews: [],
      versions: [],
      canEdit: true,
      general,
    });
  }
}
