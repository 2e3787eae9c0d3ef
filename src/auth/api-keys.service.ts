import { createHash, randomBytes } from 'node:crypto';
import { Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { IsNull, Repository } from 'typeorm';
import { AuditWriter } from '../audit-log/audit-writer';
import { SETTINGS } from '../common/tokens';
import type { Settings } from '../config/settings';
import { Actor, actorRef } from './actor';
import { ApiKeyEntity, Role } from './api-key.entity';
import { notFound } from '../common/domain-error';

// Keys are 256-bit random, so a fast unsalted hash is enough: there is nothing to brute-force.
export const hashKey = (key: string) => createHash('sha256').update(key).digest('hex');

export interface CreatedKey {
  id: string;
  role: Role;
  name: string;
  key: string;
  createdAt: Date;
}

@Injectable()
export class ApiKeysService implements OnApplicationBootstrap {
  private readonly logger = new Logger(ApiKeysService.name);

  constructor(
    @InjectRepository(ApiKeyEntity) private readonly keys: Repository<ApiKeyEntity>,
    private readonly audit: AuditWriter,
    @Inject(SETTINGS) private readonly settings: Settings,
  ) {}

  /** False in `npm start`, which shows the key in its start-up block; true for an embedding host. */
  static printBootstrapKey = true;
  /** The bootstrap admin key this start generated (null when it existed or came from settings). */
  firstStartKey: string | null = null;

  /** On first start with an empty key table, the bootstrap admin key is created (and shown once). */
  async onApplicationBootstrap(): Promise<void> {
    await this.keys.manager.transaction(async (m) => {
      // Serialise concurrent first starts of several instances.
      await m.query('SELECT pg_advisory_xact_lock(7461001)');
      const count = await m.count(ApiKeyEntity);
      if (count > 0) return;
      const key = this.settings.adminKey ?? `tk_${randomBytes(32).toString('base64url')}`;
      const row = await m.save(
        m.create(ApiKeyEntity, {
          name: 'bootstrap admin',
          role: 'admin',
          keyHash: hashKey(key),
          keyPrefix: key.slice(0, 7),
        }),
      );
      await this.audit.record(
        {
          type: 'admin.api_key_created',
          actor: 'system',
          data: { keyId: row.id, role: 'admin', bootstrap: true },
        },
        m,
      );
      if (!this.settings.adminKey) {
        this.firstStartKey = key;
        // Printed once to the console, deliberately not through the structured log (npm start
        // puts it in its start-up block instead).
        if (ApiKeysService.printBootstrapKey) {
          process.stdout.write(
            `\nTactful bootstrap admin API key (shown once, keep it safe):\n  ${key}\n\n`,
          );
        }
      }
      this.logger.log({ keyId: row.id }, 'bootstrap admin key created');
    });
  }

  async authenticate(key: string): Promise<ApiKeyEntity | null> {
    const row = await this.keys.findOne({ where: { keyHash: hashKey(key), revokedAt: IsNull() } });
    return row;
  }

  async create(role: Role, name: string, actor: Actor): Promise<CreatedKey> {
    const key = `tk_${randomBytes(32).toString('base64url')}`;
    return this.keys.manager.transaction(async (m) => {
      const row = await m.save(
        m.create(ApiKeyEntity, {
          name,
          role,
          keyHash: hashKey(key),
          keyPrefix: key.slice(0, 7),
          createdBy: actor.keyId,
        }),
      );
      await this.audit.record(
        {
          type: 'admin.api_key_created',
          actor: actorRef(actor),
          data: { keyId: row.id, role, name },
        },
        m,
      );
      return { id: row.id, role, name, key, createdAt: row.createdAt };
    });
  }

  async list(): Promise<ApiKeyEntity[]> {
    return this.keys.find({ order: { createdAt: 'ASC' } });
  }

  async revoke(id: string, actor: Actor): Promise<void> {
    await this.keys.manager.transaction(async (m) => {
      const row = await m.findOne(ApiKeyEntity, {
        where: { id },
        lock: { mode: 'pessimistic_write' },
      });
      if (!row) throw notFound(`api key ${id} not found`);
      if (row.revokedAt) return;
      row.revokedAt = new Date();
      await m.save(row);
      await this.audit.record(
        {
          type: 'admin.api_key_revoked',
          actor: actorRef(actor),
          data: { keyId: id, role: row.role },
        },
        m,
      );
    });
  }
}
