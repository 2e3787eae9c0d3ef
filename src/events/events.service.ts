import { BadRequestException, Injectable } from '@nestjs/common';
import { plainToInstance } from 'class-transformer';
import { DataSource } from 'typeorm';
import { Clock } from '../common/clock';
import { validationMessages } from '../common/validation';
import { CustomerEventDto } from './event.dto';

export const MAX_EVENTS_PER_REQUEST = 1000;

// Each event type moves the customer's lifecycle facts; out-of-order events never move them back.
const FACT_UPDATES: Record<CustomerEventDto['type'], string> = {
  purchase: `purchase_count = purchase_count + 1,
             first_purchase_at = LEAST(COALESCE(first_purchase_at, $2), $2),
             last_purchase_at = GREATEST(COALESCE(last_purchase_at, $2), $2)`,
  satisfaction: `last_satisfaction_score = CASE WHEN last_satisfaction_at IS NULL OR last_satisfaction_at <= $2
                                               THEN $3::smallint ELSE last_satisfaction_score END,
                 last_satisfaction_at = GREATEST(COALESCE(last_satisfaction_at, $2), $2)`,
  review_posted: `last_review_at = GREATEST(COALESCE(last_review_at, $2), $2)`,
  complaint: `last_complaint_at = GREATEST(COALESCE(last_complaint_at, $2), $2)`,
  engagement: `last_engagement_at = GREATEST(COALESCE(last_engagement_at, $2), $2)`,
};

@Injectable()
export class EventsService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly clock: Clock,
  ) {}

  /** Validates every event first, then records them all in one transaction: all or nothing. */
  async record(body: unknown) {
    const list = Array.isArray(body) ? body : [body];
    if (list.length === 0) throw new BadRequestException(['body must contain at least one event']);
    if (list.length > MAX_EVENTS_PER_REQUEST) {
      throw new BadRequestException([`body may contain at most ${MAX_EVENTS_PER_REQUEST} events`]);
    }
    const prefix = (i: number) => (Array.isArray(body) ? `[${i}].` : '');
    const errors: string[] = [];
    const events = list.map((raw, i) => {
      if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
        errors.push(`${prefix(i)}event must be a JSON object`);
        return undefined;
      }
      const dto = plainToInstance(CustomerEventDto, raw);
      errors.push(...validationMessages(dto).map((m) => `${prefix(i)}${m}`));
      return dto;
    });
    if (errors.length) throw new BadRequestException(errors);
    const now = this.clock.now();

    return this.dataSource.transaction(async (m) => {
      const results: { id: string; customerId: string; type: string; occurredAt: Date }[] = [];
      for (const [i, e] of (events as CustomerEventDto[]).entries()) {
        const found: { id: string }[] = e.customerId
          ? await m.query(`SELECT id FROM customers WHERE id = $1 AND erased_at IS NULL`, [
              e.customerId,
            ])
          : await m.query(`SELECT id FROM customers WHERE external_id = $1 AND erased_at IS NULL`, [
              e.externalId,
            ]);
        if (!found.length) {
          const field = e.customerId ? 'customerId' : 'externalId';
          throw new BadRequestException([`${prefix(i)}${field} names no known customer`]);
        }
        const customerId = found[0].id;
        const occurredAt = e.occurredAt ? new Date(e.occurredAt) : now;
        if (occurredAt.getTime() > now.getTime() + 5 * 60_000) {
          throw new BadRequestException([`${prefix(i)}occurredAt must not be in the future`]);
        }
        const data = {
          ...(e.data ?? {}),
          ...(e.amount !== undefined ? { amount: e.amount, currency: e.currency } : {}),
          ...(e.score !== undefined ? { score: e.score } : {}),
          ...(e.action !== undefined ? { action: e.action } : {}),
          ...(e.campaignId ? { campaignId: e.campaignId } : {}),
          ...(e.deliveryId ? { deliveryId: e.deliveryId } : {}),
        };
        const [row]: { id: string }[] = await m.query(
          // recorded_at from the same clock as a campaign's launched_at, which a trigger
          // campaign compares it with to skip the events recorded before its launch.
          `INSERT INTO customer_events (customer_id, type, occurred_at, data, recorded_at)
           VALUES ($1, $2, $3, $4, $5) RETURNING id`,
          [customerId, e.type, occurredAt, JSON.stringify(data), now],
        );
        const params: unknown[] = [customerId, occurredAt];
        if (e.type === 'satisfaction') params.push(e.score);
        await m.query(
          `UPDATE customers SET ${FACT_UPDATES[e.type]}, updated_at = now() WHERE id = $1`,
          params,
        );
        results.push({ id: String(row.id), customerId, type: e.type, occurredAt });
      }
      return { accepted: results.length, items: results };
    });
  }
}
