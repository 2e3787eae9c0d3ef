import {
  BadRequestException,
  Body,
  Controller,
  Get,
  HttpCode,
  Param,
  PipeTransform,
  Post,
  Query,
} from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { Actor, actorRef, CurrentActor } from '../auth/actor';
import { Roles } from '../auth/roles.decorator';
import { TEMPLATE_NAME_PATTERN } from './template-files';
import {
  CreateTemplateDto,
  ListTemplatesQuery,
  PreviewTemplateDto,
  TemplateVersionQuery,
} from './templates.dto';
import { TemplatesService } from './templates.service';

class TemplateNamePipe implements PipeTransform<string, string> {
  transform(value: string): string {
    if (!TEMPLATE_NAME_PATTERN.test(value)) {
      throw new BadRequestException(['name is not a template name']);
    }
    return value;
  }
}

@ApiTags('templates')
@ApiBearerAuth()
@Controller('v1/templates')
export class TemplatesController {
  constructor(private readonly templates: TemplatesService) {}

  /** A new template, or a new version when the name exists. */
  @Post()
  @Roles('marketer')
  create(@Body() dto: CreateTemplateDto, @CurrentActor() actor: Actor) {
    return this.templates.create(dto, actorRef(actor));
  }

  @Get()
  @Roles('marketer', 'auditor')
  list(@Query() q: ListTemplatesQuery) {
    return this.templates.list(q.cursor, q.limit);
  }

  @Get(':name')
  @Roles('marketer', 'auditor')
  get(@Param('name', TemplateNamePipe) name: string, @Query() q: TemplateVersionQuery) {
    return this.templates.get(name, q.version);
  }

  @Get(':name/versions')
  @Roles('marketer', 'auditor')
  versions(@Param('name', TemplateNamePipe) name: string) {
    return this.templates.versions(name);
  }

  /** Renders without sending or writing anything, so the auditor may look too. */
  @Post(':name/preview')
  @HttpCode(200)
  @Roles('marketer', 'auditor')
  preview(@Param('name', TemplateNamePipe) name: string, @Body() dto: PreviewTemplateDto) {
    return this.templates.preview(name, dto);
  }
}
