import { Injectable } from '@nestjs/common';
import { plainToInstance } from 'class-transformer';
import { DataSource } from 'typeorm';
import { Clock } from '../common/clock';
import { compileValidator } from '../customers/compiled-validator';
import { stableJson } from '../common/stable-json';
import { validationMessages } from '../common/validation';
import { CustomerEventDto, type EventType } from './event.dto';
import {
  insertEventsAndFacts,
  lockEventCustomers,
  type EventRow,
  type WrittenEvent,
} from './events.repository';
import { FollowUpOpener } from '../follow-ups/follow-up-opener';
import { followUpReasonOfEvent } from '../follow-ups/follow-up-reasons';
import type { OpenedRow } from '../follow-ups/follow-ups.sql';
import { conflict, invalid } from '../common/domain-error';

export const MAX_EVENTS_PER_REQUEST = 1000;
const isValidEvent = compileValidator(CustomerEventDto);
const FUTURE_TOLERANCE_MS = 5 * 60_000;

export interface RecordedEventItem {
  id: string;
  customerId: string;
  type: EventType;
  occurredAt: Date;
  eventId: string | null;
  /** A repeat of an eventId already recorded (or earlier in the batch): nothing was written. */
  duplicate: boolean;
}

export interface RecordedEvents {
  /** Items accepted: recorded now or already recorded before. */
  accepted: number;
  recorded: number;
  duplicates: number;
  items: RecordedEventItem[];
}

const eventData = (e: CustomerEventDto): Record<string, unknown> => ({
  ...(e.data ?? {}),
  ...(e.amount !== undefined ? { amount: e.amount, currency: e.currency } : {}),
  ...(e.score !== undefined ? { score: e.score } : {}),
  ...(e.action !== undefined ? { action: e.action } : {}),
  ...(e.campaignId ? { campaignId: e.campaignId } : {}),
  ...(e.deliveryId ? { deliveryId: e.deliveryId } : {}),
});

/** Same event for a repeated eventId: same type and data, and the same time if both gave one. */
const sameEvent = (a: EventRow, b: EventRow) =>
  a.type === b.type &&
  stableJson(a.data) === stableJson(b.data) &&
  (!a.explicitTime || !b.explicitTime || a.occurredAt.getTime() === b.occurredAt.getTime());

@Injectable()
export class EventsService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly clock: Clock,
    private readonly followUps: FollowUpOpener,
  ) {}

  /**
   * Validates every event first, then records them all in one transaction (all or nothing) with a
   * fixed number of statements whatever the batch size: lock the customers, write the events and
   * their lifecycle facts. An eventId already recorded for the customer is answered as a duplicate.
   */
  async record(body: unknown): Promise<RecordedEvents> {
    const list = Array.isArray(body) ? body : [body];
    if (list.length === 0) throw invalid(['body must contain at least one event']);
    if (list.length > MAX_EVENTS_PER_REQUEST) {
      throw invalid([`body may contain at most ${MAX_EVENTS_PER_REQUEST} events`]);
    }
    const prefix = (i: number) => (Array.isArray(body) ? `[${i}].` : '');
    const now = this.clock.now();
    const errors: string[] = [];
    const events = list.map((raw, i) => {
      if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
        errors.push(`${prefix(i)}event must be a JSON object`);
        return undefined;
      }
      // Valid events (nearly all) skip class-validator's per-call cost; others get its messages.
      const valid = isValidEvent(raw as Record<string, unknown>);
      const dto = valid ? (raw as CustomerEventDto) : plainToInstance(CustomerEventDto, raw);
      const messages = valid ? [] : validationMessages(dto);
      errors.push(...messages.map((m) => `${prefix(i)}${m}`));
      if (!messages.length && dto.occurredAt) {
        if (new Date(dto.occurredAt).getTime() > now.getTime() + FUTURE_TOLERANCE_MS)
          errors.push(`${prefix(i)}occurredAt must not be in the future`);
      }
      return dto;
    }) as CustomerEventDto[];
    if (errors.length) throw invalid(errors);

    let opened: OpenedRow[] = [];
    const recorded = await this.dataSource.transaction(async (m) => {
      const byId = events.flatMap((e) => (e.customerId ? [e.customerId.toLowerCase()] : []));
      const byExternal = events.flatMap((e) => (e.customerId ? [] : [e.externalId as string]));
      const found = await lockEventCustomers(m, byId, byExternal);
      const ids = new Set(found.map((c) => c.id));
      const externals = new Map(found.map((c) => [c.external_id, c.id]));

      // Resolve customers; a repeated (customer, eventId) inside the batch points at its first.
      const rows: EventRow[] = [];
      const rowOf: number[] = [];
      const firstWith = new Map<string, number>();
      const conflicts: string[] = [];
      events.forEach((e, i) => {
        const customerId = e.customerId
          ? ids.has(e.customerId.toLowerCase())
            ? e.customerId.toLowerCase()
            : undefined
          : externals.get(e.externalId as string);
        if (!customerId) {
          errors.push(
            `${prefix(i)}${e.customerId ? 'customerId' : 'externalId'} names no known customer`,
          );
          return;
        }
        const row: EventRow = {
          customerId,
          type: e.type,
          occurredAt: e.occurredAt ? new Date(e.occurredAt) : now,
          data: eventData(e),
          eventId: e.eventId ?? null,
          explicitTime: e.occurredAt !== undefined,
        };
        const key = row.eventId === null ? null : `${customerId}\u0000${row.eventId}`;
        const earlier = key === null ? undefined : firstWith.get(key);
        if (earlier !== undefined) {
          if (!sameEvent(rows[earlier], row))
            conflicts.push(
              `${prefix(i)}eventId was already used for a different event of this customer`,
            );
          rowOf[i] = -1 - earlier; // a repeat of rows[earlier]
          return;
        }
        if (key !== null) firstWith.set(key, rows.length);
        rowOf[i] = rows.length;
        rows.push(row);
      });
      if (errors.length) throw invalid(errors);
      if (conflicts.length) throw conflict(conflicts);

      const written = await insertEventsAndFacts(m, rows, now);
      // An unhappy customer (score 1–2, a complaint) waits for a person: a follow-up, at once.
      opened = await this.followUps.open(m, followUpCauses(rows, written), now);
      const items = events.map((e, i): RecordedEventItem => {
        const repeat = rowOf[i] < 0;
        const w = written[repeat ? -1 - rowOf[i] : rowOf[i]];
        if (!w.inserted && !w.same) {
          conflicts.push(
            w.id === null
              ? `${prefix(i)}eventId is being recorded by another request; retry`
              : `${prefix(i)}eventId was already used for a different event of this customer`,
          );
        }
        return {
          id: w.id,
          customerId: w.customerId,
          type: w.type,
          occurredAt: w.occurredAt,
          eventId: e.eventId ?? null,
          duplicate: repeat || !w.inserted,
        };
      });
      if (conflicts.length) throw conflict(conflicts);
      const duplicates = items.filter((x) => x.duplicate).length;
      return {
        accepted: items.length,
        recorded: items.length - duplicates,
        duplicates,
        items,
      };
    });
    await this.followUps.tell(opened);
    return recorded;
  }
}

/** The follow-ups the newly recorded events open (a repeat of an eventId opens nothing). */
function followUpCauses(rows: readonly EventRow[], written: readonly WrittenEvent[]) {
  return written.flatMap((w, i) => {
    const reason = w.inserted ? followUpReasonOfEvent(rows[i].type, rows[i].data.score) : null;
    return reason ? [{ customerId: w.customerId, reason, eventId: w.id }] : [];
  });
}
