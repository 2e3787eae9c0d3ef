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
  Req,
  Res,
  UnsupportedMediaTypeException,
} from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiConsumes, ApiQuery, ApiTags } from '@nestjs/swagger';
import { ApiStandardErrors } from '../common/api-errors.decorator';
import type { Response } from 'express';
import { Actor, actorRef, AuthenticatedRequest, CurrentActor } from '../auth/actor';
import { Roles } from '../auth/roles.decorator';
import { CustomerImportService, ImportFormat } from './customer-import.service';
import { ListCustomersQuery, PatchCustomerDto, UpsertCustomerDto } from './customer.dto';
import { CUSTOMER_CREATORS, CUSTOMER_EDITORS } from './customer-roles';
import { CustomersService } from './customers.service';

@ApiTags('customers')
@ApiBearerAuth()
@ApiStandardErrors()
@Controller('v1/customers')
export class CustomersController {
  constructor(
    private readonly customers: CustomersService,
    private readonly importer: CustomerImportService,
  ) {}

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

  @Post('import')
  @Roles(...CUSTOMER_EDITORS)
  @HttpCode(200)
  @ApiConsumes('application/x-ndjson', 'text/csv')
  @ApiQuery({ name: 'format', required: false, enum: ['ndjson', 'csv'] })
  @ApiBody({ description: 'NDJSON (one customer per line) or CSV with a header row; streamed' })
  import(
    @Req() req: AuthenticatedRequest,
    @Query('format') format: string | undefined,
    @CurrentActor() actor: Actor,
  ) {
    return this.importer.import(
      req,
      importFormat(req.headers['content-type'], format),
      actorRef(actor),
    );
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

function importFormat(contentType: string | undefined, format: string | undefined): ImportFormat {
  if (format === 'ndjson' || format === 'csv') return format;
  if (format !== undefined) throw new UnsupportedMediaTypeException('format must be ndjson or csv');
  const type = (contentType ?? '').split(';')[0].trim().toLowerCase();
  if (
    [
      'application/x-ndjson',
      'application/ndjson',
      'application/jsonl',
      'application/x-jsonlines',
    ].includes(type)
  ) {
    return 'ndjson';
  }
  if (type === 'text/csv') return 'csv';
  throw new UnsupportedMediaTypeException(
    'Content-Type must be application/x-ndjson or text/csv (or pass ?format=ndjson|csv)',
  );
}
