import { BadRequestException, Controller, Get, Param, ParseUUIDPipe } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Roles } from '../auth/roles.decorator';
import { ApiStandardErrors } from '../common/api-errors.decorator';
import { CampaignResultsDto } from './campaign-results.dto';
import { CampaignResultsService } from './campaign-results.service';

/** A malformed id is a 400 naming the field, as on the other campaign routes. */
export const campaignIdPipe = (): ParseUUIDPipe =>
  new ParseUUIDPipe({ exceptionFactory: () => new BadRequestException(['id must be a UUID']) });

@ApiTags('campaigns')
@ApiBearerAuth()
@ApiStandardErrors()
@Controller('v1/campaigns')
export class CampaignResultsController {
  constructor(private readonly results: CampaignResultsService) {}

  @Get(':id/results')
  @Roles('marketer', 'auditor')
  @ApiOperation({
    summary: 'Did the campaign help: treated vs holdout conversion, uplift, clicks, annoyance',
  })
  @ApiOkResponse({ type: CampaignResultsDto })
  get(@Param('id', campaignIdPipe()) id: string) {
    return this.results.results(id);
  }
}
