import { Inject, Injectable } from '@nestjs/common';
import { isUuid } from '../common/strict-values';
import { InjectRepository } from '@nestjs/typeorm';
import { DataSource, EntityManager, Repository } from 'typeorm';
import { AuditContentWriter } from '../audit-log/audit-content';
import { AuditWriter } from '../audit-log/audit-writer';
import { actorRef, type Actor } from '../auth/actor';
import { Clock } from '../common/clock';
import { lockContacts } from '../common/contact-lock';
import { SETTINGS } from '../common/tokens';
import type { Settings } from '../config/settings';
import type { PersonalValues } from '../common/mask-personal';
import { blankConsentEvidence } from '../consent/consent-erasure';
import { forgetWordings } from '../consent/consent-wordings';
import { cancelPlanned } from '../planned-deliveries/cancel-planned';
import { addressHash, SuppressionService } from '../suppression/suppression.service';
import {
  changedFields,
  valuesOfCustomer,
  valuesOfRow,
  type CustomerField,
} from './customer-changes';
import { normalizeCustomer } from './customer-input';
import { mayChangeCustomers } from './customer-roles';
import { ListCustomersQuery, PatchCustomerDto, UpsertCustomerDto } from './customer.dto';
import { CustomerEntity } from './customer.entity';
import { toCustomerResponse } from './customer.mapper';
import { CustomersRepository } from './customers.repository';
import { scrubCustomerHistory } from './erasure-scrub';
import { toE164 } from '../common/validators';
import { forbidden, invalid, notFound } from '../common/domain-error';

const PAGE = 50;
const REQUIRED_ON_PATCH = ['externalId', 'kind', 'timezone', 'locale'] as const;

@Injectable()
export class CustomersService {
  constructor(
    @InjectRepository(CustomerEntity) private readonly customers: Repository<CustomerEntity>,
    private readonly repo: CustomersRepository,
    private readonly dataSource: DataSource,
    private readonly audit: AuditWriter,
    private readonly auditContent: AuditContentWriter,
    private readonly suppressions: SuppressionService,
    private readonly clock: Clock,
    @Inject(SETTINGS) private readonly settings: Settings,
  ) {}

  /**
   * Creates or updates by externalId, audited in the same transaction. `actor` is the API key;
   * in-process callers (the demo, a host application) act as `system` and may update.
   */
  async upsert(dto: UpsertCustomerDto, actor?: Actor) {
    const input = normalizeCustomer(dto, this.settings.defaultPhoneRegion);
    if (!input.ok) throw invalid(input.errors.map((e) => e.message));
    const row = input.row;
    const { created, id } = await this.dataSource.transaction(async (m) => {
      let existing = await this.lockByExternalId(m, row.externalId);
      if (!existing) {
        const id = await this.repo.insertIfNew(row, m);
        if (id) {
          const fields = changedFields(null, valuesOfRow(row));
          await this.auditChange(m, 'customer.created', id, fields, actor);
          return { created: true, id };
        }
        // A concurrent request created it and has committed: this one is an update.
        existing = await this.lockByExternalId(m, row.externalId);
        if (!existing) throw new Error('customer vanished between insert and read');
      }
      if (actor && !mayChangeCustomers(actor.role))
        throw forbidden(
          `the ${actor.role} role may create customers but not change an existing one`,
        );
      if (existing.erasedAt) throw invalid('customer was erased and cannot be changed');
      const fields = changedFields(valuesOfCustomer(existing), valuesOfRow(row));
      if (fields.length) {
        await this.repo.upsertBatch([row], m);
        await this.auditChange(m, 'customer.updated', existing.id, fields, actor);
      }
      return { created: false, id: existing.id };
    });
    return { created, customer: await this.get(id) };
  }

  private lockByExternalId(m: EntityManager, externalId: string) {
    return m.findOne(CustomerEntity, {
      where: { externalId },
      lock: { mode: 'pessimistic_write' },
    });
  }

  /** The audit names the fields and the acting key, never the values (personal data). */
  private auditChange(
    m: EntityManager,
    type: 'customer.created' | 'customer.updated',
    customerId: string,
    fields: CustomerField[],
    actor: Actor | undefined,
  ): Promise<void> {
    return this.audit.record(
      {
        type,
        customerId,
        actor: actor ? actorRef(actor) : 'system',
        data: actor ? { fields, role: actor.role } : { fields },
      },
      m,
    );
  }

  async get(id: string) {
    const c = await this.customers.findOne({ where: { id } });
    if (!c) throw notFound(`customer ${id} not found`);
    const suppressions = c.erasedAt ? [] : await this.suppressions.find(c);
    return { ...toCustomerResponse(c, this.clock.now()), suppressions };
  }

  async patch(id: string, dto: PatchCustomerDto, actor?: Actor) {
    // The DTO's optional fields let null through; only the optional parts of a customer may be cleared.
    const notNullable = REQUIRED_ON_PATCH.filter((f) => dto[f] === null);
    if (notNullable.length) throw invalid(notNullable.map((f) => `${f} must not be null`));
    await this.dataSource.transaction(async (m) => {
      const c = await m.findOne(CustomerEntity, {
        where: { id },
        lock: { mode: 'pessimistic_write' },
      });
      if (!c) throw notFound(`customer ${id} not found`);
      if (c.erasedAt) throw invalid('customer was erased and cannot be changed');
      const before = valuesOfCustomer(c);
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
        c.accountManagerEmail = dto.accountManager?.email?.trim().toLowerCase() ?? null;
        if (dto.accountManager && !c.accountManagerPhone) {
          errors.push('accountManager.phone must be a valid phone number');
        }
      }
      if (dto.attributes !== undefined) c.attributes = dto.attributes ?? {};
      if (c.kind === 'business' && !c.company)
        errors.push('company is required for business customers');
      if (errors.length) throw invalid(errors);
      const fields = changedFields(before, valuesOfCustomer(c));
      if (!fields.length) return;
      c.updatedAt = this.clock.now();
      await m.save(c);
      await this.auditChange(m, 'customer.updated', id, fields, actor);
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
      if (!phone) throw invalid(['phone must be a valid phone number']);
      qb.andWhere('c.phone = :phone', { phone });
    }
    if (q.externalId) qb.andWhere('c.externalId = :externalId', { externalId: q.externalId });
    if (q.cursor) {
      const after =
        typeof q.cursor === 'string' ? Buffer.from(q.cursor, 'base64url').toString() : '';
      if (!isUuid(after)) throw invalid(['cursor is not valid']);
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
      if (!c) throw notFound(`customer ${id} not found`);
      if (c.erasedAt) return;
      // A planner batch in flight either commits first (its deliveries are cancelled below) or
      // waits and then reads the customer as erased.
      await lockContacts(m, [id]);
      const who = actorRef(actor);
      const person: PersonalValues = {
        names: [c.name, c.company, c.accountManagerName],
        emails: [c.email, c.accountManagerEmail],
        phones: [c.phone, c.accountManagerPhone],
      };
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
           account_manager_email = NULL,
           attributes = '{}'::jsonb, erased_at = now(), updated_at = now()
         WHERE id = $1`,
        [id],
      );
      // The consent ledger stays (proof of what was agreed); its IP and user agent go, and so
      // does the text of a wording that quotes the person or was theirs alone (its hash stays).
      await blankConsentEvidence(m, id);
      await forgetWordings(m, id, person);
      // The CRM's free-form event details, provider diagnostics and send errors.
      await scrubCustomerHistory(m, id, person);
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
      await cancelPlanned(
        m,
        { customerId: id, channel: null, topic: '*', reason: 'suppressed' },
        who,
        this.clock.now(),
      );
      await this.audit.record({ type: 'admin.customer_erased', customerId: id, actor: who }, m);
    });
  }
}
