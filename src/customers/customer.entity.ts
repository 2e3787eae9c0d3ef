import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

export type CustomerKind = 'consumer' | 'business';

@Entity({ name: 'customers' })
export class CustomerEntity {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column('text', { name: 'external_id' })
  externalId!: string;

  @Column('text')
  kind!: CustomerKind;

  @Column('text', { nullable: true })
  name!: string | null;

  @Column('text', { nullable: true })
  email!: string | null;

  @Column('text', { nullable: true })
  phone!: string | null;

  @Column('text')
  timezone!: string;

  @Column('text')
  locale!: string;

  @Column('text', { nullable: true })
  company!: string | null;

  @Column('text', { name: 'account_manager_name', nullable: true })
  accountManagerName!: string | null;

  @Column('text', { name: 'account_manager_phone', nullable: true })
  accountManagerPhone!: string | null;

  @Column('text', { name: 'account_manager_email', nullable: true })
  accountManagerEmail!: string | null;

  @Column('jsonb')
  attributes!: Record<string, unknown>;

  @Column('timestamptz', { name: 'first_purchase_at', nullable: true })
  firstPurchaseAt!: Date | null;

  @Column('timestamptz', { name: 'last_purchase_at', nullable: true })
  lastPurchaseAt!: Date | null;

  @Column('integer', { name: 'purchase_count' })
  purchaseCount!: number;

  @Column('smallint', { name: 'last_satisfaction_score', nullable: true })
  lastSatisfactionScore!: number | null;

  @Column('timestamptz', { name: 'last_satisfaction_at', nullable: true })
  lastSatisfactionAt!: Date | null;

  @Column('timestamptz', { name: 'last_engagement_at', nullable: true })
  lastEngagementAt!: Date | null;

  @Column('timestamptz', { name: 'last_review_at', nullable: true })
  lastReviewAt!: Date | null;

  @Column('timestamptz', { name: 'last_complaint_at', nullable: true })
  lastComplaintAt!: Date | null;

  @Column('timestamptz', { name: 'erased_at', nullable: true })
  erasedAt!: Date | null;

  @Column('timestamptz', { name: 'created_at' })
  createdAt!: Date;

  @Column('timestamptz', { name: 'updated_at' })
  updatedAt!: Date;
}
