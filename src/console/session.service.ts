import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { Role } from '../auth/api-key.entity';
import { ApiKeysService } from '../auth/api-keys.service';
import { Clock } from '../common/clock';
import { SETTINGS } from '../common/tokens';
import type { Settings } from '../config/settings';

/** Console sessions last a working day; signing in again is cheap. */
export const SESSION_TTL_MS = 12 * 3_600_000;
export const SESSION_COOKIE = 'tactful_console';
/** Before sign-in: a random value the sign-in form's CSRF token is bound to. */
export const PRE_SESSION_COOKIE = 'tactful_console_pre';
export const LANG_COOKIE = 'tactful_console_lang';

/** Roles that may use the console; integration keys belong to machines. */
export const CONSOLE_ROLES: readonly Role[] = ['admin', 'marketer', 'auditor'];

export interface ConsoleSession {
  idHash: string;
  keyId: string;
  role: Role;
  expiresAt: Date;
  csrf: string;
}

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

/** Parses a Cookie header (RFC 6265 pairs); later duplicates do not override earlier ones. */
export function parseCookies(header: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of (header ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    const name = part.slice(0, eq).trim();
    if (!name || name in out) continue;
    let value = part.slice(eq + 1).trim();
    if (value.startsWith('"') && value.endsWith('"')) value = value.slice(1, -1);
    try {
      out[name] = decodeURIComponent(value);
    } catch {
      out[name] = value;
    }
  }
  return out;
}

export function safeEqual(a: string, b: unknown): boolean {
  if (typeof b !== 'string' || b.length === 0 || b.length > 200) return false;
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/**
 * API key → session cookie exchange. The cookie carries 256 random bits; the table keeps only
 * their hash, so a database dump cannot be replayed as a cookie. Every request re-reads the key
 * row, so revoking a key ends its sessions at once.
 */
@Injectable()
export class ConsoleSessionService {
  private readonly logger = new Logger(ConsoleSessionService.name);

  constructor(
    private readonly dataSource: DataSource,
    private readonly keys: ApiKeysService,
    private readonly clock: Clock,
    @Inject(SETTINGS) private readonly settings: Settings,
  ) {}

  // Failed sign-ins per client address in the current minute: keys cannot be guessed at speed
  // through the form either (the API-key guard does the same for /v1). Per instance, in memory.
  private readonly failures = new Map<string, { count: number; until: number }>();

  /** True while an address has used up its failed sign-ins (PUBLIC_RATE_LIMIT a minute). */
  blocked(ip: string): boolean {
    const f = this.failures.get(ip);
    if (!f) return false;
    if (f.until <= this.clock.now().getTime()) {
      this.failures.delete(ip);
      return false;
    }
    return f.count >= this.settings.publicRateLimit;
  }

  countFailure(ip: string): void {
    const now = this.clock.now().getTime();
    const f = this.failures.get(ip);
    if (!f || f.until <= now) this.failures.set(ip, { count: 1, until: now + 60_000 });
    else f.count++;
    if (this.failures.size > 10_000) this.failures.clear(); // bounded memory under a spray
  }

  /** The CSRF token of a session (or of a pre-session value): an HMAC no other site can compute. */
  csrfFor(binding: string): string {
    return createHmac('sha256', this.settings.secret)
      .update(`console-csrf:v1:${binding}`)
      .digest('base64url');
  }

  newPreSession(): string {
    return randomBytes(24).toString('base64url');
  }

  /** Signs in: null when the key is unknown, revoked or of a role the console does not serve. */
  async signIn(
    apiKey: string,
  ): Promise<{ cookie: string; session: ConsoleSession } | 'unknown' | 'role'> {
    const key = await this.keys.authenticate(apiKey.trim());
    if (!key) return 'unknown';
    if (!CONSOLE_ROLES.includes(key.role)) return 'role';
    const raw = randomBytes(32).toString('base64url');
    const idHash = sha256(raw);
    const now = this.clock.now();
    const expiresAt = new Date(now.getTime() + SESSION_TTL_MS);
    await this.dataSource.query(
      `INSERT INTO console_sessions (id_hash, key_id, role, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)`,
      [idHash, key.id, key.role, now, expiresAt],
    );
    // Expired rows are swept here rather than by a timer: sign-ins are rare and cheap.
    await this.dataSource.query(`DELETE FROM console_sessions WHERE expires_at < $1`, [now]);
    this.logger.log({ keyId: key.id }, 'console sign-in');
    return {
      cookie: raw,
      session: { idHash, keyId: key.id, role: key.role, expiresAt, csrf: this.csrfFor(idHash) },
    };
  }

  /** The live session of a cookie value: not expired, and its key not revoked. */
  async resolve(raw: string | undefined): Promise<ConsoleSession | null> {
    if (!raw || raw.length > 100) return null;
    const idHash = sha256(raw);
    const rows: { key_id: string; role: Role; expires_at: Date; revoked_at: Date | null }[] =
      await this.dataSource.query(
        `SELECT s.key_id, k.role, s.expires_at, k.revoked_at
           FROM console_sessions s JOIN api_keys k ON k.id = s.key_id
          WHERE s.id_hash = $1`,
        [idHash],
      );
    const row = rows[0];
    if (!row) return null;
    if (row.revoked_at !== null) {
      await this.dataSource.query(`DELETE FROM console_sessions WHERE key_id = $1`, [row.key_id]);
      return null;
    }
    if (row.expires_at.getTime() <= this.clock.now().getTime()) return null;
    return {
      idHash,
      keyId: row.key_id,
      role: row.role,
      expiresAt: row.expires_at,
      csrf: this.csrfFor(idHash),
    };
  }

  async signOut(session: ConsoleSession): Promise<void> {
    await this.dataSource.query(`DELETE FROM console_sessions WHERE id_hash = $1`, [
      session.idHash,
    ]);
  }

  /** Ends every session of a key (after revoking it from the console). */
  async endSessionsOf(keyId: string): Promise<void> {
    await this.dataSource.query(`DELETE FROM console_sessions WHERE key_id = $1`, [keyId]);
  }

  get secureCookies(): boolean {
    return this.settings.publicUrl.startsWith('https:');
  }
}
