import {
  BadRequestException,
  Body,
  Controller,
  Get,
  Param,
  ParseEnumPipe,
  Put,
} from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiParam, ApiTags } from '@nestjs/swagger';
import { ApiStandardErrors } from '../common/api-errors.decorator';
import { Actor, actorRef, CurrentActor } from '../auth/actor';
import { Roles } from '../auth/roles.decorator';
import type { CustomerKind } from './engine';
import { PoliciesService, StoredPolicy } from './policies.service';

enum PolicyKind {
  consumer = 'consumer',
  business = 'business',
}

const kindPipe = new ParseEnumPipe(PolicyKind, {
  exceptionFactory: () => new BadRequestException(['kind must be consumer or business']),
});

const view = (s: StoredPolicy) => ({ ...s.policy, createdAt: s.createdAt, createdBy: s.createdBy });

@ApiTags('policies')
@ApiBearerAuth()
@ApiStandardErrors()
@Controller('v1/policies')
export class PoliciesController {
  constructor(private readonly policies: PoliciesService) {}

  @Get(':kind')
  @Roles('marketer', 'auditor')
  @ApiParam({ name: 'kind', enum: PolicyKind })
  async get(@Param('kind', kindPipe) kind: CustomerKind) {
    return view(await this.policies.current(kind));
  }

  @Get(':kind/versions')
  @Roles('marketer', 'auditor')
  @ApiParam({ name: 'kind', enum: PolicyKind })
  async versions(@Param('kind', kindPipe) kind: CustomerKind) {
    return { items: (await this.policies.versions(kind)).map(view), nextCursor: null };
  }

  @Put(':kind')
  @Roles('admin')
  @ApiParam({ name: 'kind', enum: PolicyKind })
  @ApiBody({
    description:
      'Any of the policy fields; those left out keep their values. Each save is a new version.',
  })
  // A policy is a nested document validated by the engine's own validatePolicy.
  async put(
    @Param('kind', kindPipe) kind: CustomerKind,
    @Body() body: unknown,
    @CurrentActor() actor: Actor,
  ) {
    return view(await this.policies.update(kind, body, actorRef(actor)));
  }
}
