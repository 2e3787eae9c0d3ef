import {
  BadRequestException,
  Body,
  Controller,
  Get,
  HttpCode,
  Param,
  ParseUUIDPipe,
  Post,
  Query,
} from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Actor, actorRef, CurrentActor } from '../auth/actor';
import { Roles } from '../auth/roles.decorator';
import { ApiStandardErrors } from '../common/api-errors.decorator';
import {
  FollowUpListDto,
  ListFollowUpsQuery,
  ResolvedFollowUpDto,
  ResolveFollowUpDto,
} from './follow-ups.dto';
import { FollowUpsService } from './follow-ups.service';

@ApiTags('follow-ups')
@ApiBearerAuth()
@ApiStandardErrors()
@Controller('v1/follow-ups')
export class FollowUpsController {
  constructor(private readonly followUps: FollowUpsService) {}

  @Get()
  @Roles('marketer', 'auditor')
  @ApiOperation({
    summary: 'Unhappy customers waiting for a person: open follow-ups, oldest first',
  })
  @ApiOkResponse({ type: FollowUpListDto })
  list(@Query() q: ListFollowUpsQuery): Promise<FollowUpListDto> {
    return this.followUps.listOpen(q);
  }

  @Post(':id/resolve')
  @HttpCode(200)
  @Roles('marketer')
  @ApiOperation({
    summary: 'Mark a follow-up resolved with a note; selling to the customer resumes',
  })
  @ApiOkResponse({ type: ResolvedFollowUpDto })
  resolve(
    @Param(
      'id',
      new ParseUUIDPipe({ exceptionFactory: () => new BadRequestException(['id must be a UUID']) }),
    )
    id: string,
    @Body() dto: ResolveFollowUpDto,
    @CurrentActor() actor: Actor,
  ): Promise<ResolvedFollowUpDto> {
    return this.followUps.resolve(id, dto.note, actorRef(actor));
  }
}
