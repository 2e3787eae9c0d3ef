import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Injectable, type INestApplicationContext } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { plainToInstance } from 'class-transformer';
import { loadSettings } from '../../src/config/settings';
import { UpsertCustomerDto } from '../../src/customers/customer.dto';
import { CustomersService } from '../../src/customers/customers.service';
import { EventsService } from '../../src/events/events.service';
import { PoliciesService } from '../../src/policy/policies.service';
import { TactfulModule } from '../../src/tactful.module';
import { cloneTestDatabase } from '../support/database';

// A company's own service that calls Tactful in-process, as DESIGN.md promises.
@Injectable()
class CrmSync {
  constructor(
    readonly customers: CustomersService,
    readonly events: EventsService,
    readonly policies: PoliciesService,
  ) {}

  async onOrderPaid(externalId: string, email: string) {
    const dto = plainToInstance(UpsertCustomerDto, {
      externalId,
      kind: 'consumer',
      email,
      timezone: 'Europe/Moscow',
    });
    const { customer } = await this.customers.upsert(dto);
    await this.events.record({
      type: 'purchase',
      customerId: customer.id,
      amount: 100,
      currency: 'RUB',
    });
    return this.customers.get(customer.id);
  }
}

describe('TactfulModule inside a host NestJS application', () => {
  let ctx: INestApplicationContext;
  let drop: () => Promise<void>;

  beforeAll(async () => {
    const db = await cloneTestDatabase();
    drop = db.drop;
    const settings = loadSettings({
      TACTFUL_ADMIN_KEY: 'host-admin-key-0123456789',
      TACTFUL_DATA_DIR: mkdtempSync(join(tmpdir(), 'tactful-host-')),
      LOG_LEVEL: 'silent',
    });
    const moduleRef = await Test.createTestingModule({
      imports: [
        TactfulModule.forRootAsync({ useFactory: async () => ({ settings, databaseUrl: db.url }) }),
      ],
      providers: [CrmSync],
    }).compile();
    ctx = await moduleRef.init();
  });
  afterAll(async () => {
    await ctx.close();
    await drop();
  });

  it("lets the host's own providers inject Tactful's services and call them in-process", async () => {
    const sync = ctx.get(CrmSync);
    const customer = await sync.onOrderPaid('host-1', 'Host@Example.ru');
    expect(customer).toMatchObject({
      externalId: 'host-1',
      email: 'host@example.ru',
      lifecycleStage: 'new',
    });
    expect(customer.lifecycle.purchaseCount).toBe(1);
    expect((await sync.policies.current('consumer')).policy.version).toBe(1);
  });
});
