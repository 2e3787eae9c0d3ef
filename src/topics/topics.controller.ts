import {
  BadRequestException,
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  Param,
  Patch,
  PipeTransform,
  Post,
  Query,
} from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { Actor, actorRef, CurrentActor } from '../auth/actor';
import { Roles } from '../auth/roles.decorator';
import { CreateTopicDto, ListTopicsQuery, PatchTopicDto, TOPIC_KEY_PATTERN } from './topics.dto';
import { TopicsService } from './topics.service';

class TopicKeyPipe implements PipeTransform<string, string> {
  transform(value: string): string {
    if (!TOPIC_KEY_PATTERN.test(value)) throw new BadRequestException(['key is not a topic key']);
    return value;
  }
}

@ApiTags('topics')
@ApiBearerAuth()
@Controller('v1/topics')
export class TopicsController {
  constructor(private readonly topics: TopicsService) {}

  @Post()
  @Roles('marketer')
  create(@Body() dto: CreateTopicDto, @CurrentActor() actor: Actor) {
    return this.topics.create(dto, actorRef(actor));
  }

  @Get()
  @Roles('marketer', 'auditor', 'integration')
  async list(@Query() q: ListTopicsQuery) {
    return { items: await this.topics.list(q.includeArchived === 'true'), nextCursor: null };
  }

  @Get(':key')
  @Roles('marketer', 'auditor', 'integration')
  get(@Param('key', TopicKeyPipe) key: string) {
    return this.topics.get(key);
  }

  @Patch(':key')
  @Roles('marketer')
  patch(
    @Param('key', TopicKeyPipe) key: string,
    @Body() dto: PatchTopicDto,
    @CurrentActor() actor: Actor,
  ) {
    return this.topics.patch(key, dto, actorRef(actor));
  }

  @Delete(':key')
  @Roles('marketer')
  @HttpCode(204)
  async archive(@Param('key', TopicKeyPipe) key: string, @CurrentActor() actor: Actor) {
    await this.topics.archive(key, actorRef(actor));
  }
}
