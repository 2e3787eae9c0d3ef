import type { CustomerEntity } from './customer.entity';
import { lifecycleStage } from './lifecycle';

export function toCustomerResponse(c: CustomerEntity, now: Date) {
  return {
    id: c.id,
    externalId: c.externalId,
    kind: c.kind,
    name: c.name,
    email: c.email,
    phone: c.phone,
    timezone: c.timezone,
    locale: c.locale,
    company: c.company,
    accountManager:
      c.accountManagerName || c.accountManagerPhone
        ? {
            name: c.accountManagerName,
            phone: c.accountManagerPhone,
            email: c.accountManagerEmail,
          }
        : null,
    attributes: c.attributes,
    lifecycleStage: lifecycleStage(c, now),
    lifecycle: {
      firstPurchaseAt: c.firstPurchaseAt,
      lastPurchaseAt: c.lastPurchaseAt,
      purchaseCount: c.purchaseCount,
      lastSatisfactionScore: c.lastSatisfactionScore,
      lastSatisfactionAt: c.lastSatisfactionAt,
      lastEngagementAt: c.lastEngagementAt,
      lastReviewAt: c.lastReviewAt,
      lastComplaintAt: c.lastComplaintAt,
    },
    erasedAt: c.erasedAt,
    createdAt: c.createdAt,
    updatedAt: c.updatedAt,
  };
}

export type CustomerResponse = ReturnType<typeof toCustomerResponse>;
