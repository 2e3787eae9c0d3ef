import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AuditQueryModule } from '../audit/audit-query.module';
import { CustomerImportService } from './customer-import.service';
import { CustomerEntity } from './customer.entity';
import { CustomersController } from './customers.controller';
import { CustomersRepository } from './customers.repository';
import { CustomersService } from './customers.service';

@Module({
  imports: [TypeOrmModule.forFeature([CustomerEntity]), AuditQueryModule],
  controllers: [CustomersController],
  providers: [CustomersService, CustomersRepository, CustomerImportService],
  exports: [CustomersService, CustomerImportService],
})
export class CustomersModule {}
