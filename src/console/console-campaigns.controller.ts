import {
  Controller,
  Get,
  HttpCode,
  Inject,
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
import { AudiencesService } from '../audiences/audiences.service';
import { actorRef } from '../auth/actor';
import { Public } from '../auth/roles.decorator';
import { CampaignForecastService } from '../campaigns/campaign-forecast.service';
import { CHANNELS, GOALS } from '../campaigns/campaign-rules';
import { CreateCampaignDto, PatchCampaignDto } from '../campaigns/campaign.dto';
import type { CampaignView } from '../campaigns/campaign-view';
import { CampaignsService } from '../campaigns/campaigns.service';
import { TRIGGER_EVENTS } from '../planning/schedule';
import { validationMessages } from '../common/validation';
import { TemplatesService } from '../templates/templates.service';
import { TopicsService } from '../topics/topics.service';
import { campaignListRow } from './campaign-list.presenter';
import {
  campaignControls,
  campaignDates,
  forecastView,
  showsForecast,
  skippedBars,
  statusLabel,
} from './campaign-page.presenter';
import {
  audienceOf,
  campaignBody,
  emptyForm,
  FIELD_CHOICES,
  formOfCampaign,
  OP_CHOICES,
  placeErrors,
  readCampaignForm,
  type CampaignForm,
} from './campaign-form';
import { SETTINGS } from '../common/tokens';
import type { Settings } from '../config/settings';
import { campaignLive } from './campaign-live.presenter';
import { audienceSentence, channelList, goalLabel, scheduleSentence } from './labels';
import { ConsoleExceptionFilter, ConsoleGuard, type ConsoleRequest } from './console.guard';
import { ConsoleMirrors, mayUse } from './console-access';
import { CONSOLE_NEEDS } from './console-needs';
import { formOf, page, sessionOf, str, textsOf, zoneOf } from './page';
import { messagesOfRefusal } from './service-messages';
import { BUTTON_ACTIONS, type ButtonAction } from '../campaigns/campaign-lifecycle';
import { CampaignResultsService } from '../outcomes/campaign-results.service';
import { campaignResultsView } from './campaign-results.presenter';

const uuid = new ParseUUIDPipe({
  exceptionFactory: () => new NotFoundException(['no such campaign']),
});

/** A service's refusals the campaign pages show to the user. */
const REFUSALS = [400, 409];

@ApiExcludeController()
@Public()
@UseGuards(ConsoleGuard)
@UseFilters(ConsoleExceptionFilter)
@Controller('console')
export class ConsoleCampaignsController {
  constructor(
    private readonly campaigns: CampaignsService,
    private readonly forecasts: CampaignForecastService,
    private readonly audiences: AudiencesService,
    private readonly templates: TemplatesService,
    private readonly topics: TopicsService,
    private readonly results: CampaignResultsService,
    @Inject(SETTINGS) private readonly settings: Settings,
  ) {}

  @Get('campaigns')
  @ConsoleMirrors(CONSOLE_NEEDS.campaigns)
  async list(@Req() req: ConsoleRequest, @Res() res: Response): Promise<void> {
    const t = textsOf(req);
    const lang = req.console?.lang ?? 'en';
    const { items } = await this.campaigns.list({ limit: '200' });
    const launched = items.filter((c) => c.status !== 'draft');
    const progress = new Map(
      (await this.campaigns.progressOf(launched)).map((p, i) => [launched[i].id, p]),
    );
    const titles = await this.topicTitles(lang);
    const rows = items.map((c) =>
      campaignListRow(c, progress.get(c.id) ?? null, t, lang, titles.get(c.topic), zoneOf(req)),
    );
    page(req, res, 'campaigns', { title: t.campaigns, section: 'campaigns', campaigns: rows });
  }

  /** Topic key → its title in the console's language (the key when it has none). */
  private async topicTitles(lang: 'ru' | 'en'): Promise<Map<string, string>> {
    const topics = await this.topics.list(true);
    return new Map(topics.map((x) => [x.key, x.title[lang] ?? x.title.en ?? x.key]));
  }

  private async choices() {
    const [topics, templates] = await Promise.all([
      this.topics.list(false),
      this.templates.list(undefined, 200),
    ]);
    return {
      topics: topics.map((x) => ({ key: x.key, category: x.category })),
      templates: templates.items.map((x) => x.name),
      goals: GOALS,
      channelChoices: CHANNELS,
      events: TRIGGER_EVENTS,
      fieldChoices: FIELD_CHOICES,
      opChoices: OP_CHOICES,
      scheduleTypes: ['now', 'once', 'cron', 'trigger'],
    };
  }

  private async showForm(
    req: ConsoleRequest,
    res: Response,
    opts: {
      form: CampaignForm;
      campaign?: CampaignView;
      status?: number;
      messages?: string[];
      count?: number | null;
    },
  ): Promise<void> {
    const t = textsOf(req);
    const { byField, general } = placeErrors(opts.form, opts.messages ?? []);
    // Two empty rows to add conditions without script; the script adds more.
    const rows = [
      ...opts.form.rows,
      { field: '', op: 'eq', value: '' },
      { field: '', op: 'eq', value: '' },
    ].map((r, i) => ({ ...r, index: i, number: i + 1 }));
    page(req, res, 'campaign-form', {
      title: opts.campaign ? `${t.edit}: ${opts.campaign.name}` : t.newCampaign,
      section: 'campaigns',
      status: opts.status ?? 200,
      action: opts.campaign ? `/console/campaigns/${opts.campaign.id}` : '/console/campaigns',
      campaign: opts.campaign,
      form: opts.form,
      rows,
      errors: byField,
      general,
      hasErrors: (opts.messages ?? []).length > 0,
      count: opts.count ?? null,
      ...(await this.choices()),
    });
  }

  @Get('campaigns/new')
  @ConsoleMirrors(CONSOLE_NEEDS.createCampaign)
  async newForm(@Req() req: ConsoleRequest, @Res() res: Response): Promise<void> {
    await this.showForm(req, res, { form: emptyForm() });
  }

  /** The live count behind the audience builder's button (same form fields, JSON answer). */
  @Post('api/audience-count')
  @ConsoleMirrors(CONSOLE_NEEDS.audienceCount)
  @HttpCode(200)
  async count(@Req() req: ConsoleRequest) {
    const audience = audienceOf(readCampaignForm(formOf(req)));
    const errors = await this.audiences.validate(audience);
    if (errors.length) return { count: null, errors };
    return { count: await this.audiences.count(audience), errors: [] };
  }

  private async countFor(form: CampaignForm): Promise<{ count: number | null; errors: string[] }> {
    const audience = audienceOf(form);
    const errors = await this.audiences.validate(audience);
    if (errors.length) return { count: null, errors };
    return { count: await this.audiences.count(audience), errors: [] };
  }

  @Post('campaigns')
  @ConsoleMirrors(CONSOLE_NEEDS.createCampaign)
  async create(@Req() req: ConsoleRequest, @Res() res: Response): Promise<void> {
    const body = formOf(req);
    const form = readCampaignForm(body);
    if (str(body.action) === 'count') {
      const { count, errors } = await this.countFor(form);
      return this.showForm(req, res, {
        form,
        count,
        messages: errors,
        status: errors.length ? 400 : 200,
      });
    }
    const dto = plainToInstance(CreateCampaignDto, campaignBody(form));
    let messages = validationMessages(dto);
    if (!messages.length) {
      try {
        const created = await this.campaigns.create(dto, actorRef(sessionOf(req)));
        res.redirect(303, `/console/campaigns/${created.id}`);
        return;
      } catch (err) {
        messages = messagesOfRefusal(err, REFUSALS);
      }
    }
    await this.showForm(req, res, { form, messages, status: 400 });
  }

  @Get('campaigns/:id')
  @ConsoleMirrors(CONSOLE_NEEDS.campaign)
  async show(
    @Param('id', uuid) id: string,
    @Req() req: ConsoleRequest,
    @Res() res: Response,
  ): Promise<void> {
    await this.showCampaign(req, res, await this.campaigns.get(id), [], 200);
  }

  /** The campaign page's live figures: polled by console.js while the campaign is active. */
  @Get('campaigns/:id/live')
  @ConsoleMirrors(CONSOLE_NEEDS.campaignLive)
  async live(@Param('id', uuid) id: string, @Req() req: ConsoleRequest) {
    const c = await this.campaigns.get(id);
    const progress = await this.campaigns.progress(c.id);
    const mayEdit = mayUse(sessionOf(req).role, CONSOLE_NEEDS.editCampaign);
    return campaignLive(c, progress, textsOf(req), mayEdit);
  }

  private async showCampaign(
    req: ConsoleRequest,
    res: Response,
    c: CampaignView,
    messages: string[],
    status: number,
  ): Promise<void> {
    const t = textsOf(req);
    const lang = req.console?.lang ?? 'en';
    const role = sessionOf(req).role;
    const progress = await this.campaigns.progress(c.id);
    let forecast: ReturnType<typeof forecastView> | null = null;
    if (showsForecast(c)) {
      try {
        forecast = forecastView(await this.forecasts.forecast(c.id), t, lang, zoneOf(req));
      } catch (err) {
        messages = [...messages, ...messagesOfRefusal(err, REFUSALS)];
      }
    }
    page(req, res, 'campaign', {
      title: c.name,
      section: 'campaigns',
      status,
      c,
      statusLabel: statusLabel(t, c.status),
      schedule: scheduleSentence(lang, c.schedule, zoneOf(req)),
      topicTitle: (await this.topicTitles(lang)).get(c.topic) ?? c.topic,
      goalLabel: goalLabel(lang, c.goal),
      channelList: channelList(lang, c.channels),
      audienceSentence: audienceSentence(lang, c.audience),
      audienceJson: JSON.stringify(c.audience, null, 2),
      progress,
      skippedBars: skippedBars(progress, t),
      forecast,
      results: await campaignResultsView(this.results, c, lang),
      messages,
      ...campaignControls(c.status, mayUse(role, CONSOLE_NEEDS.editCampaign)),
      ...campaignDates(c, progress, lang, zoneOf(req)),
    });
  }

  @Get('campaigns/:id/edit')
  @ConsoleMirrors(CONSOLE_NEEDS.editCampaign)
  async editForm(
    @Param('id', uuid) id: string,
    @Req() req: ConsoleRequest,
    @Res() res: Response,
  ): Promise<void> {
    const c = await this.campaigns.get(id);
    await this.showForm(req, res, { form: formOfCampaign(c), campaign: c });
  }

  @Post('campaigns/:id')
  @ConsoleMirrors(CONSOLE_NEEDS.editCampaign)
  async update(
    @Param('id', uuid) id: string,
    @Req() req: ConsoleRequest,
    @Res() res: Response,
  ): Promise<void> {
    const c = await this.campaigns.get(id);
    const body = formOf(req);
    const form = readCampaignForm(body);
    if (str(body.action) === 'count') {
      const { count, errors } = await this.countFor(form);
      return this.showForm(req, res, {
        form,
        campaign: c,
        count,
        messages: errors,
        status: errors.length ? 400 : 200,
      });
    }
    const patch = campaignBody(form);
    if (!form.effectiveAt.trim()) patch.effectiveAt = null;
    const dto = plainToInstance(PatchCampaignDto, patch);
    let messages = validationMessages(dto);
    if (!messages.length) {
      try {
        await this.campaigns.update(id, dto, actorRef(sessionOf(req)));
        res.redirect(303, `/console/campaigns/${id}`);
        return;
      } catch (err) {
        messages = messagesOfRefusal(err, REFUSALS);
      }
    }
    await this.showForm(req, res, { form, campaign: c, messages, status: 400 });
  }

  @Get('campaigns/:id/confirm/:action')
  @ConsoleMirrors(CONSOLE_NEEDS.campaignAction)
  async confirm(
    @Param('id', uuid) id: string,
    @Param('action') action: string,
    @Req() req: ConsoleRequest,
    @Res() res: Response,
  ): Promise<void> {
    if (!(BUTTON_ACTIONS as readonly string[]).includes(action))
      throw new NotFoundException(['no such action']);
    const t = textsOf(req);
    const c = await this.campaigns.get(id);
    let contentHigh = false;
    if (action === 'launch') {
      try {
        contentHigh = (await this.forecasts.forecast(id)).content?.level === 'high';
      } catch {
        contentHigh = false;
      }
    }
    page(req, res, 'confirm', {
      title: (t as Record<string, string>)[action],
      section: 'campaigns',
      question: (t as Record<string, string>)[`confirm_${action}`],
      actionUrl: `/console/campaigns/${id}/${action}`,
      backUrl: `/console/campaigns/${id}`,
      subject: c.name,
      danger: action === 'cancel',
      buttonLabel: (t as Record<string, string>)[action],
      acknowledge: contentHigh,
      // A campaign that paused itself resumes only once the marketer says they read why.
      acknowledgePause: action === 'resume' && c.pausedReason ? c.pausedReason : null,
    });
  }

  @Post('campaigns/:id/:action')
  @ConsoleMirrors(CONSOLE_NEEDS.campaignAction)
  async act(
    @Param('id', uuid) id: string,
    @Param('action') action: string,
    @Req() req: ConsoleRequest,
    @Res() res: Response,
  ): Promise<void> {
    if (!(BUTTON_ACTIONS as readonly string[]).includes(action))
      throw new NotFoundException(['no such action']);
    const actor = actorRef(sessionOf(req));
    const form = formOf(req);
    try {
      switch (action as ButtonAction) {
        case 'launch':
          await this.campaigns.launch(id, str(form.acknowledgeWarnings) === 'true', actor);
          break;
        case 'pause':
          await this.campaigns.pause(id, actor);
          break;
        case 'resume':
          await this.campaigns.resume(id, actor, str(form.acknowledge) === 'true');
          break;
        case 'cancel':
          await this.campaigns.cancel(id, actor);
          break;
      }
    } catch (err) {
      const messages = messagesOfRefusal(err, REFUSALS);
      return this.showCampaign(req, res, await this.campaigns.get(id), messages, 400);
    }
    res.redirect(303, `/console/campaigns/${id}`);
  }
}
