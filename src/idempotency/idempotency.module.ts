import { Global, Module } from '@nestjs/common';
import { IdempotencyHousekeeping } from './idempotency-housekeeping.service';
import { IdempotencyInterceptor } from './idempotency.interceptor';
import { IdempotencyService } from './idempotency.service';

@Global()
@Module({
  providers: [IdempotencyService, IdempotencyInterceptor, IdempotencyHousekeeping],
  exports: [IdempotencyService, IdempotencyInterceptor],
})
export class IdempotencyModule {}
