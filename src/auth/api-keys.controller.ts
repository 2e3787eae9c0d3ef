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
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { ApiStandardErrors } from '../common/api-errors.decorator';
import { Actor, CurrentActor } from './actor';
import { CreateApiKeyDto } from './api-keys.dto';
import { ApiKeysService } from './api-keys.service';
import { Roles } from './roles.decorator';

@ApiTags('api-keys')
@ApiBearerAuth()
@ApiStandardErrors()
@Roles('admin')
@Controller('v1/api-keys')
export class ApiKeysController {
  constructor(private readonly keys: ApiKeysService) {}

  @Post()
  create(@Body() dto: CreateApiKeyDto, @CurrentActor() actor: Actor) {
    return this.keys.create(dto.role, dto.name, actor);
  }

  @Get()
  async list() {
    const rows = await this.keys.list();
    return {
      items: rows.map((k) => ({
        id: k.id,
        name: k.name,
        role: k.role,
        prefix: k.keyPrefix,
        createdAt: k.createdAt,
        revokedAt: k.revokedAt,
      })),
      nextCursor: null,
    };
  }

  @Delete(':id')
  @HttpCode(204)
  async revoke(@Param('id', ParseUUIDPipe) id: string, @CurrentActor() actor: Actor) {
    await this.keys.revoke(id, actor);
  }
}
