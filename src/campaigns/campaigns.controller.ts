import {
  BadRequestException,
  Body,
  Controller,
  Get,
  HttpCode,
  Param,
  ParseUUIDPipe,
  Patch,
  Post,
  Query,
} from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { Actor, actorRef, CurrentActor } from '../auth/actor';
import { Roles } from '../auth/roles.decorator';
import { ApiStandardErrors } from '../common/api-errors.decorator';
import { CampaignExamplesService } from './campaign-examples.service';
import { CampaignForecastService } from './campaign-forecast.service';
import {
  CreateCampaignDto,
  LaunchCampaignDto,
  ListCampaignsQuery,
  PatchCampaignDto,
} from './campaign.dto';
import { ResumeCampaignDto } from './guardrails.dto';
import { CampaignsService } from './campaigns.service';

const uuid = new ParseUUIDPipe({
  exceptionFactory: () => new BadRequestException(['id must be a UUID']),
});

@ApiTags('campaigns')
@ApiBearerAuth()
@ApiStandardErrors()
@Controller('v1/campaigns')
export class CampaignsController {
  constructor(
    private readonly campaigns: CampaignsService,
    private readonly forecasts: CampaignForecastService,
    private readonly examples: CampaignExamplesService,
  ) {}

  @Post()
  @Roles('marketer')
  create(@Body() dto: CreateCampaignDto, @CurrentActor() actor: Actor) {
    return this.campaigns.create(dto, actorRef(actor));
  }

  /** The ready example campaigns, one per goal, as drafts (topics created when missing). */
  @Post('examples')
  @Roles('marketer')
  async createExamples(@CurrentActor() actor: Actor) {
    return { items: await this.examples.create(actorRef(actor)), nextCursor: null };
  }

  @Get()
  @Roles('marketer', 'auditor')
  list(@Query() q: ListCampaignsQuery) {
    return this.campaigns.list(q);
  }

  @Get(':id')
  @Roles('marketer', 'auditor')
  get(@Param('id', uuid) id: string) {
    return this.campaigns.get(id);
  }

  @Patch(':id')
  @Roles('marketer')
  update(
    @Param('id', uuid) id: string,
    @Body() dto: PatchCampaignDto,
    @CurrentActor() actor: Actor,
  ) {
    return this.campaigns.update(id, dto, actorRef(actor));
  }

  @Post(':id/launch')
  @Roles('marketer')
  @HttpCode(202)
  launch(
    @Param('id', uuid) id: string,
    @Body() dto: LaunchCampaignDto,
    @CurrentActor() actor: Actor,
  ) {
    return this.campaigns.launch(id, dto.acknowledgeWarnings === true, actorRef(actor));
  }

  @Post(':id/pause')
  @Roles('marketer')
  @HttpCode(200)
  pause(@Param('id', uuid) id: string, @CurrentActor() actor: Actor) {
    return this.campaigns.pause(id, actorRef(actor));
  }

  @Post(':id/resume')
  @Roles('marketer')
  @HttpCode(200)
  resume(
    @Param('id', uuid) id: string,
    @Body() dto: ResumeCampaignDto,
    @CurrentActor() actor: Actor,
  ) {
    return this.campaigns.resume(id, actorRef(actor), dto.acknowledge === true);
  }

  @Post(':id/cancel')
  @Roles('marketer')
  @HttpCode(200)
  cancel(@Param('id', uuid) id: string, @CurrentActor() actor: Actor) {
    return this.campaigns.cancel(id, actorRef(actor));
  }

  @Get(':id/progress')
  @Roles('marketer', 'auditor')
  progress(@Param('id', uuid) id: string) {
    return this.campaigns.progress(id);
  }

  /** What a launch would do now: reads only, writes nothing. */
  @Post(':id/forecast')
  @Roles('marketer', 'auditor')
  @HttpCode(200)
  forecast(@Param('id', uuid) id: string) {
    return this.forecasts.forecast(id);
  }
}
