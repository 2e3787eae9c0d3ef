import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { CustomerImportRecords } from './customer-import-records.service';
import { CustomerImportService } from './customer-import.service';
import { CustomerImportsController } from './customer-imports.controller';
import { CustomerImportsRepository } from './customer-imports.repository';
import { ImportBatchWriter } from './import-batch-writer';
import { ImportSweeperService } from './import-sweeper.service';
import { CustomerEntity } from './customer.entity';
import { CustomersController } from './customers.controller';
import { CustomersRepository } from './customers.repository';
import { CustomersService } from './customers.service';

@Module({
  imports: [TypeOrmModule.forFeature([CustomerEntity])],
  controllers: [CustomerImportsController, CustomersController],
  providers: [
    CustomersService,
    CustomersRepository,
    CustomerImportService,
    CustomerImportsRepository,
    CustomerImportRecords,
    ImportBatchWriter,
    ImportSweeperService,
  ],
  exports: [CustomersService, CustomerImportService],
})
export class CustomersModule {}
