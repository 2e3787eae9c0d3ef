import { BadRequestException, Inject, Injectable, NotFoundException } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { DataSource, EntityManager, Repository } from 'typeorm';
import { AuditContentService } from '../audit/audit-content.service';
import { AuditService } from '../audit/audit.service';
import { actorRef, type Actor } from '../auth/actor';
import { Clock } from '../common/clock';
import { lockContacts } from '../common/contact-lock';
import { SETTINGS } from '../common/tokens';
import type { Settings } from '../config/settings';
import { blankConsentEvidence } from '../consent/consent-erasure';
import { cancelAllPendingDeliveries } from '../consent/cancel-pending';
import { addressHash, SuppressionService } from '../suppression/suppression.service';
import { normalizeCustomer } from './customer-input';
import { ListCustomersQuery, PatchCustomerDto, UpsertCustomerDto } from './customer.dto';
import { CustomerEntity } from './customer.entity';
import { toCustomerResponse } from './customer.mapper';
import { CustomersRepository } from './customers.repository';
import { toE164 } from './validators';

const PAGE = 50;
const REQUIRED_ON_PATCH = ['externalId', 'kind', 'timezone', 'locale'] as const;

@Injectable()
export class CustomersService {
  constructor(
    @InjectRepository(CustomerEntity) private readonly customers: Repository<CustomerEntity>,
    private readonly repo: CustomersRepository,
    private readonly dataSource: DataSource,
    private readonly audit: AuditService,
    private readonly auditContent: AuditContentService,
    private readonly suppressions: SuppressionService,
    private readonly clock: Clock,
    @Inject(SETTINGS) private readonly settings: Settings,
  ) {}

  async upsert(dto: UpsertCustomerDto) {
    const input = normalizeCustomer(dto, this.settings.defaultPhoneRegion);
    if (!input.ok) throw new BadRequestException(input.errors.map((e) => e.message));
    const [outcome] = await this.repo.upsertBatch([input.row]);
    return { created: outcome.inserted, customer: await this.get(outcome.id) };
  }

  async get(id: string) {
    const c = await this.customers.findOne({ where: { id } });
    if (!c) throw new NotFoundException(`customer ${id} not found`);
    const suppressions = c.erasedAt ? [] : await this.suppressions.find(c);
    return { ...toCustomerResponse(c, this.clock.now()), suppressions };
  }

  async patch(id: string, dto: PatchCustomerDto) {
    // The DTO's optional fields let null through; only the optional parts of a customer may be cleared.
    const notNullable = REQUIRED_ON_PATCH.filter((f) => dto[f] === null);
    if (notNullable.length)
      throw new BadRequestException(notNullable.map((f) => `${f} must not be null`));
    await this.dataSource.transaction(async (m) => {
      const c = await m.findOne(CustomerEntity, {
        where: { id },
        lock: { mode: 'pessimistic_write' },
      });
      if (!c) throw new NotFoundException(`customer ${id} not found`);
      if (c.erasedAt) throw new BadRequestException('customer was erased and cannot be changed');
      const region = this.settings.defaultPhoneRegion;
      const errors: string[] = [];
      if (dto.externalId !== undefined && dto.externalId !== c.externalId) {
        const taken = await m.findOne(CustomerEntity, { where: { externalId: dto.externalId } });
        if (taken) errors.push('externalId is already used by another customer');
        c.externalId = dto.externalId;
      }
      if (dto.kind !== undefined) c.kind = dto.kind;
      if (dto.name !== undefined) c.name = dto.name;
      if (dto.email !== undefined)
        c.email = dto.email === null ? null : dto.email.trim().toLowerCase();
      if (dto.phone !== undefined) {
        c.phone = dto.phone === null ? null : toE164(dto.phone, region);
        if (dto.phone !== null && !c.phone) errors.push('phone must be a valid phone number');
      }
      if (dto.timezone !== undefined) c.timezone = dto.timezone;
      if (dto.locale !== undefined) c.locale = dto.locale;
      if (dto.company !== undefined) c.company = dto.company;
      if (dto.accountManager !== undefined) {
        c.accountManagerName = dto.accountManager?.name ?? null;
        c.accountManagerPhone = dto.accountManager
          ? toE164(dto.accountManager.phone, region)
          : null;
        if (dto.accountManager && !c.accountManagerPhone) {
          errors.push('accountManager.phone must be a valid phone number');
        }
      }
      if (dto.attributes !== undefined) c.attributes = dto.attributes ?? {};
      if (c.kind === 'business' && !c.company)
        errors.push('company is required for business customers');
      if (errors.length) throw new BadRequestException(errors);
      c.updatedAt = this.clock.now();
      await m.save(c);
    });
    return this.get(id);
  }

  async list(q: ListCustomersQuery) {
    const limit = Math.min(Number(q.limit ?? PAGE) || PAGE, 500);
    const qb = this.customers
      .createQueryBuilder('c')
      .orderBy('c.id', 'ASC')
      .take(limit + 1);
    if (q.email) qb.andWhere('lower(c.email) = lower(:email)', { email: q.email.trim() });
    if (q.phone) {
      const phone = toE164(q.phone, this.settings.defaultPhoneRegion);
      if (!phone) throw new BadRequestException(['phone must be a valid phone number']);
      qb.andWhere('c.phone = :phone', { phone });
    }
    if (q.externalId) qb.andWhere('c.externalId = :externalId', { externalId: q.externalId });
    if (q.cursor) {
      const after = Buffer.from(q.cursor, 'base64url').toString();
      if (!/^[0-9a-f-]{36}$/.test(after)) throw new BadRequestException(['cursor is not valid']);
      qb.andWhere('c.id > :after', { after });
    }
    const rows = await qb.getMany();
    const page = rows.slice(0, limit);
    const now = this.clock.now();
    return {
      items: page.map((c) => toCustomerResponse(c, now)),
      nextCursor:
        rows.length > limit ? Buffer.from(page[page.length - 1].id).toString('base64url') : null,
    };
  }

  /** Erasure: personal data goes, hashed suppressions and pseudonymous history stay. */
  async erase(id: string, actor: Actor): Promise<void> {
    await this.dataSource.transaction(async (m: EntityManager) => {
      const c = await m.findOne(CustomerEntity, {
        where: { id },
        lock: { mode: 'pessimistic_write' },
      });
      if (!c) throw new NotFoundException(`customer ${id} not found`);
      if (c.erasedAt) return;
      // A planner batch in flight either commits first (its deliveries are cancelled below) or
      // waits and then reads the customer as erased.
      await lockContacts(m, [id]);
      const who = actorRef(actor);
      if (c.email)
        await this.suppressions.add(
          { type: 'email', value: c.email, reason: 'erasure', customerId: id },
          who,
          m,
        );
      if (c.phone)
        await this.suppressions.add(
          { type: 'phone', value: c.phone, reason: 'erasure', customerId: id },
          who,
          m,
        );
      await m.query(
        `UPDATE customers SET external_id = 'erased:' || id, name = NULL, email = NULL, phone = NULL,
           company = NULL, account_manager_name = NULL, account_manager_phone = NULL,
           attributes = '{}'::jsonb, erased_at = now(), updated_at = now()
         WHERE id = $1`,
        [id],
      );
      // The consent ledger stays (proof of what was agreed); its IP and user agent go.
      await blankConsentEvidence(m, id);
      // Rendered messages hold the name and address: only their hashes stay. Double opt-in
      // requests go (the address hash lives on in the suppression). Nothing planned is sent.
      await this.auditContent.forgetCustomer(id, m);
      await m.query(`DELETE FROM subscription_requests WHERE customer_id = $1`, [id]);
      // A pending request for the address holds it (and IP, user agent) before any customer
      // is attached: it goes too, found by the address hash.
      if (c.email)
        await m.query(`DELETE FROM subscription_requests WHERE address_hash = $1`, [
          addressHash('email', c.email),
        ]);
      await cancelAllPendingDeliveries(m, id, who);
      await this.audit.record({ type: 'admin.customer_erased', customerId: id, actor: who }, m);
    });
  }
}
