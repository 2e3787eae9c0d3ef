import { Controller, Get, Req, Res, UseFilters, UseGuards } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Response } from 'express';
import { Public } from '../auth/roles.decorator';
import { CampaignsService } from '../campaigns/campaigns.service';
import { barChartSvg } from './charts';
import { ConsoleExceptionFilter, ConsoleGuard, type ConsoleRequest } from './console.guard';
import { ConsoleMirrors } from './console-access';
import { CONSOLE_NEEDS } from './console-needs';
import { DashboardService } from './dashboard.service';
import { fmtDate, page, textsOf, zoneOf } from './page';

const dayMonth = (d: Date, lang: 'ru' | 'en') =>
  new Intl.DateTimeFormat(lang === 'ru' ? 'ru-RU' : 'en-GB', {
    day: 'numeric',
    month: 'short',
    timeZone: 'UTC',
  }).format(d);

@ApiExcludeController()
@Public()
@UseGuards(ConsoleGuard)
@UseFilters(ConsoleExceptionFilter)
@Controller('console')
export class ConsoleDashboardController {
  constructor(
    private readonly campaigns: CampaignsService,
    private readonly dashboard: DashboardService,
  ) {}

  @Get()
  @ConsoleMirrors(CONSOLE_NEEDS.dashboard)
  async show(@Req() req: ConsoleRequest, @Res() res: Response): Promise<void> {
    const t = textsOf(req);
    const lang = req.console?.lang ?? 'en';
    const [running, scheduled, contacted, atBudget, unsubscribes, complaints] = await Promise.all([
      this.campaigns.list({ status: 'running', limit: '50' }),
      this.campaigns.list({ status: 'scheduled', limit: '50' }),
      this.dashboard.contacted(),
      this.dashboard.atPromotionalBudget(),
      this.dashboard.unsubscribes(),
      this.dashboard.complaints(),
    ]);
    const active = await Promise.all(
      [...running.items, ...scheduled.items].map(async (c) => {
        const p = await this.campaigns.progress(c.id);
        return {
          ...c,
          statusLabel: (t as Record<string, string>)[`status_${c.status}`],
          progress: p,
          launched: fmtDate(c.launchedAt, lang, zoneOf(req)),
        };
      }),
    );
    const chart = (title: string, rows: { week: Date; n: number }[]) =>
      barChartSvg(
        title,
        rows.map((r) => ({ label: dayMonth(r.week, lang), value: r.n })),
      );
    page(req, res, 'dashboard', {
      title: t.dashboard,
      section: 'dashboard',
      active,
      contacted,
      atBudget,
      unsubscribesChart: chart(t.unsubscribesOverTime, unsubscribes),
      complaintsChart: chart(t.complaintsOverTime, complaints),
    });
  }
}
