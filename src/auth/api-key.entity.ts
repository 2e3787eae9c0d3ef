import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

export const ROLES = ['admin', 'marketer', 'auditor', 'integration'] as const;
export type Role = (typeof ROLES)[number];

@Entity({ name: 'api_keys' })
export class ApiKeyEntity {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column('text')
  name!: string;

  @Column('text')
  role!: Role;

  @Column('text', { name: 'key_hash' })
  keyHash!: string;

  @Column('text', { name: 'key_prefix' })
  keyPrefix!: string;

  @Column('uuid', { name: 'created_by', nullable: true })
  createdBy!: string | null;

  @Column('timestamptz', { name: 'created_at', default: () => 'now()' })
  createdAt!: Date;

  @Column('timestamptz', { name: 'revoked_at', nullable: true })
  revokedAt!: Date | null;

  @Column('timestamptz', { name: 'last_used_at', nullable: true })
  lastUsedAt!: Date | null;
}
