import {
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  Param,
  ParseUUIDPipe,
  Patch,
  Post,
  Query,
  Res,
} from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { ApiStandardErrors } from '../common/api-errors.decorator';
import type { Response } from 'express';
import { Actor, CurrentActor } from '../auth/actor';
import { Roles } from '../auth/roles.decorator';
import { ListCustomersQuery, PatchCustomerDto, UpsertCustomerDto } from './customer.dto';
import { CUSTOMER_CREATORS, CUSTOMER_EDITORS } from './customer-roles';
import { CustomersService } from './customers.service';

@ApiTags('customers')
@ApiBearerAuth()
@ApiStandardErrors()
@Controller('v1/customers')
export class CustomersController {
  constructor(private readonly customers: CustomersService) {}

  @Post()
  @Roles(...CUSTOMER_CREATORS)
  async upsert(
    @Body() dto: UpsertCustomerDto,
    @CurrentActor() actor: Actor,
    @Res({ passthrough: true }) res: Response,
  ) {
    const { created, customer } = await this.customers.upsert(dto, actor);
    res.status(created ? 201 : 200);
    return customer;
  }

  @Get()
  @Roles('integration', 'marketer', 'auditor')
  list(@Query() q: ListCustomersQuery) {
    return this.customers.list(q);
  }

  @Get(':id')
  @Roles('integration', 'marketer', 'auditor')
  get(@Param('id', ParseUUIDPipe) id: string) {
    return this.customers.get(id);
  }

  @Patch(':id')
  @Roles(...CUSTOMER_EDITORS)
  patch(
    @Param('id', ParseUUIDPipe) id: string,
    @Body() dto: PatchCustomerDto,
    @CurrentActor() actor: Actor,
  ) {
    return this.customers.patch(id, dto, actor);
  }

  @Delete(':id')
  @Roles('integration')
  @HttpCode(204)
  async erase(@Param('id', ParseUUIDPipe) id: string, @CurrentActor() actor: Actor) {
    await this.customers.erase(id, actor);
  }
}
