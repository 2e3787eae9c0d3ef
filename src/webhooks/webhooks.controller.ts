import {
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  Param,
  ParseUUIDPipe,
  Post,
} from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import { Actor, actorRef, CurrentActor } from '../auth/actor';
import { Roles } from '../auth/roles.decorator';
import { ApiStandardErrors } from '../common/api-errors.decorator';
import {
  CreatedWebhookDto,
  CreateWebhookDto,
  ResentWebhookDto,
  WebhookAttemptListDto,
  WebhookEndpointListDto,
} from './webhooks.dto';
import { WebhooksService } from './webhooks.service';

@ApiTags('webhooks')
@ApiBearerAuth()
@ApiStandardErrors()
@Roles('admin')
@Controller('v1/webhooks')
export class WebhooksController {
  constructor(private readonly webhooks: WebhooksService) {}

  @ApiOperation({ summary: 'Register an outbound webhook endpoint (the secret is shown once)' })
  @ApiCreatedResponse({ type: CreatedWebhookDto })
  @Post()
  create(@Body() dto: CreateWebhookDto, @CurrentActor() actor: Actor): Promise<CreatedWebhookDto> {
    return this.webhooks.create(dto, actorRef(actor));
  }

  @ApiOperation({ summary: 'List outbound webhook endpoints' })
  @ApiOkResponse({ type: WebhookEndpointListDto })
  @Get()
  async list(): Promise<WebhookEndpointListDto> {
    return { items: await this.webhooks.list() };
  }

  @ApiOperation({ summary: 'Delete an outbound webhook endpoint; messages still owed are dropped' })
  @ApiNoContentResponse({ description: 'Deleted' })
  @Delete(':id')
  @HttpCode(204)
  async remove(
    @Param('id', ParseUUIDPipe) id: string,
    @CurrentActor() actor: Actor,
  ): Promise<void> {
    await this.webhooks.remove(id, actorRef(actor));
  }

  @ApiOperation({ summary: 'Recent delivery attempts to an endpoint, with their answers' })
  @ApiOkResponse({ type: WebhookAttemptListDto })
  @Get(':id/attempts')
  async attempts(@Param('id', ParseUUIDPipe) id: string): Promise<WebhookAttemptListDto> {
    return { items: await this.webhooks.attempts(id) };
  }

  @ApiOperation({ summary: 'Send a message to an endpoint again' })
  @ApiOkResponse({ type: ResentWebhookDto })
  @Post(':id/messages/:messageId/resend')
  @HttpCode(200)
  resend(
    @Param('id', ParseUUIDPipe) id: string,
    @Param('messageId') messageId: string,
  ): Promise<ResentWebhookDto> {
    return this.webhooks.resend(id, messageId);
  }
}
