import {
  Controller,
  Get,
  HttpCode,
  NotFoundException,
  Param,
  ParseUUIDPipe,
  Post,
  Query,
  Req,
  UnsupportedMediaTypeException,
} from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiConsumes, ApiQuery, ApiTags } from '@nestjs/swagger';
import { ApiStandardErrors } from '../common/api-errors.decorator';
import { Actor, actorRef, AuthenticatedRequest, CurrentActor } from '../auth/actor';
import { Roles } from '../auth/roles.decorator';
import { CUSTOMER_EDITORS } from './customer-roles';
import { CustomerImportService, ImportFormat } from './customer-import.service';
import { ListImportsQuery } from './customer-imports.dto';
import { CustomerImportRecords } from './customer-import-records.service';

// Registered before CustomersController: `imports` must not be taken for a customer's :id.
@ApiTags('customers')
@ApiBearerAuth()
@ApiStandardErrors()
@Controller('v1/customers')
export class CustomerImportsController {
  constructor(
    private readonly importer: CustomerImportService,
    private readonly records: CustomerImportRecords,
  ) {}

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

  @Get('imports')
  @Roles(...CUSTOMER_EDITORS)
  list(@Query() q: ListImportsQuery) {
    return this.records.recent(q.limit === undefined ? 20 : Number(q.limit));
  }

  @Get('imports/:id')
  @Roles(...CUSTOMER_EDITORS)
  async get(@Param('id', ParseUUIDPipe) id: string) {
    const record = await this.records.get(id);
    if (!record) throw new NotFoundException(`import ${id} not found`);
    return record;
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
