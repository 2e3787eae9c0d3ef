import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { plainToInstance, Transform } from 'class-transformer';
import {
  IsBoolean,
  IsIn,
  IsInt,
  IsNumber,
  IsOptional,
  IsString,
  IsTimeZone,
  IsUrl,
  Matches,
  Max,
  Min,
  MinLength,
  validateSync,
} from 'class-validator';

export const INSTANCE_ROLES = ['api', 'worker', 'scheduler'] as const;
export type InstanceRole = (typeof INSTANCE_ROLES)[number];

const toInt = ({ value }: { value: unknown }) =>
  value === undefined || value === '' ? undefined : Number(value);
const blankToUndefined = ({ value }: { value: unknown }) => (value === '' ? undefined : value);

/** The environment as DESIGN.md lists it; validated once at boot. */
export class EnvironmentVariables {
  @IsOptional()
  @Transform(toInt)
  @IsInt({ message: 'PORT must be a whole number' })
  @Min(0)
  @Max(65535)
  PORT?: number;

  @IsOptional()
  @Transform(blankToUndefined)
  @IsUrl(
    { require_tld: false, protocols: ['http', 'https'] },
    { message: 'PUBLIC_URL must be an http(s) URL' },
  )
  PUBLIC_URL?: string;

  @IsOptional()
  @Transform(blankToUndefined)
  @Matches(/^postgres(ql)?:\/\/\S+$/, { message: 'DATABASE_URL must be a postgres:// URL' })
  DATABASE_URL?: string;

  @IsOptional()
  @Transform(blankToUndefined)
  @MinLength(32, { message: 'TACTFUL_SECRET must be at least 32 characters' })
  TACTFUL_SECRET?: string;

  @IsOptional()
  @Transform(blankToUndefined)
  @Matches(/^\s*[^\s,]{32,}(\s*,\s*[^\s,]{32,})*\s*$/, {
    message:
      'TACTFUL_SECRET_PREVIOUS must be one or more comma-separated secrets of at least 32 characters',
  })
  TACTFUL_SECRET_PREVIOUS?: string;

  @IsOptional()
  @Transform(blankToUndefined)
  @MinLength(16, { message: 'TACTFUL_ADMIN_KEY must be at least 16 characters' })
  TACTFUL_ADMIN_KEY?: string;

  @IsOptional()
  @Transform(blankToUndefined)
  @Matches(/^(smtps?|direct):\/\/\S*$/, { message: 'SMTP_URL must be an smtp:// or smtps:// URL' })
  SMTP_URL?: string;

  @IsOptional()
  @Transform(blankToUndefined)
  @Matches(/^(.+<)?[^@\s<>]+@[^@\s<>]+>?$/, {
    message: 'MAIL_FROM must be an address, e.g. "Shop <news@shop.example>"',
  })
  MAIL_FROM?: string;

  @IsOptional()
  @Transform(blankToUndefined)
  @Matches(/^AC[0-9a-fA-F]{32}$/, {
    message: 'TWILIO_ACCOUNT_SID must look like AC followed by 32 hex digits',
  })
  TWILIO_ACCOUNT_SID?: string;

  @IsOptional()
  @Transform(blankToUndefined)
  @IsString()
  @MinLength(8, { message: 'TWILIO_AUTH_TOKEN is too short' })
  TWILIO_AUTH_TOKEN?: string;

  @IsOptional()
  @Transform(blankToUndefined)
  @Matches(/^\+[1-9]\d{6,14}$/, { message: 'TWILIO_FROM must be a phone number in E.164 form' })
  TWILIO_FROM?: string;

  @IsOptional()
  @Transform(blankToUndefined)
  @Matches(/^MG[0-9a-fA-F]{32}$/, {
    message: 'TWILIO_MESSAGING_SERVICE_SID must look like MG followed by 32 hex digits',
  })
  TWILIO_MESSAGING_SERVICE_SID?: string;

  @IsOptional()
  @Transform(blankToUndefined)
  @IsUrl(
    { require_tld: false, protocols: ['http', 'https'] },
    { message: 'TWILIO_API_URL must be an http(s) URL' },
  )
  TWILIO_API_URL?: string;

  @IsOptional()
  @Transform(blankToUndefined)
  @Matches(/^\s*(api|worker|scheduler)(\s*,\s*(api|worker|scheduler))*\s*$/, {
    message: 'TACTFUL_ROLES must be a comma-separated list of api, worker, scheduler',
  })
  TACTFUL_ROLES?: string;

  @IsOptional()
  @IsString()
  COMPANY_NAME?: string;

  @IsOptional()
  @IsString()
  COMPANY_ADDRESS?: string;

  @IsOptional()
  @Transform(blankToUndefined)
  @Matches(/^[A-Z]{2}$/, {
    message: 'DEFAULT_PHONE_REGION must be a two-letter country code, e.g. RU',
  })
  DEFAULT_PHONE_REGION?: string;

  @IsOptional()
  @Transform(blankToUndefined)
  @IsString()
  TACTFUL_DATA_DIR?: string;

  @IsOptional()
  @Transform(blankToUndefined)
  @IsIn(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], {
    message: 'LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent',
  })
  LOG_LEVEL?: string;

  @IsOptional()
  @Transform(toInt)
  @IsInt({ message: 'BODY_LIMIT_KB must be a whole number' })
  @Min(1)
  @Max(102400)
  BODY_LIMIT_KB?: number;

  @IsOptional()
  @Transform(toInt)
  @IsInt({ message: 'IMPORT_MAX_LINE_KB must be a whole number' })
  @Min(1)
  @Max(102400)
  IMPORT_MAX_LINE_KB?: number;

  @IsOptional()
  @Transform(toInt)
  @IsInt({ message: 'IMPORT_STALE_SECONDS must be a whole number' })
  @Min(2)
  IMPORT_STALE_SECONDS?: number;

  @IsOptional()
  @Transform(toInt)
  @IsInt({ message: 'PUBLIC_RATE_LIMIT must be a whole number' })
  @Min(1)
  PUBLIC_RATE_LIMIT?: number;

  @IsOptional()
  @Transform(({ value }) => (value === undefined || value === '' ? undefined : value === 'true'))
  @IsBoolean()
  TRUST_PROXY?: boolean;

  @IsOptional()
  @IsIn(['true', 'false'], { message: 'DATABASE_PREPARED_STATEMENTS must be true or false' })
  DATABASE_PREPARED_STATEMENTS?: string;

  @IsOptional()
  @Transform(toInt)
  @IsInt({ message: 'SMS_MAX_SEGMENTS must be a whole number' })
  @Min(1)
  @Max(10)
  SMS_MAX_SEGMENTS?: number;

  @IsOptional()
  @Transform(toInt)
  @IsInt({ message: 'AUDIT_CONTENT_RETENTION_DAYS must be a whole number' })
  @Min(1)
  AUDIT_CONTENT_RETENTION_DAYS?: number;

  @IsOptional()
  @Transform(toInt)
  @IsInt({ message: 'EMAIL_RATE_PER_SECOND must be a whole number' })
  @Min(1)
  EMAIL_RATE_PER_SECOND?: number;

  @IsOptional()
  @Transform(toInt)
  @IsInt({ message: 'SMS_RATE_PER_SECOND must be a whole number' })
  @Min(1)
  SMS_RATE_PER_SECOND?: number;

  @IsOptional()
  @Transform(toInt)
  @IsInt({ message: 'SEND_MAX_ATTEMPTS must be a whole number' })
  @Min(1)
  @Max(20)
  SEND_MAX_ATTEMPTS?: number;

  @IsOptional()
  @Transform(toInt)
  @IsInt({ message: 'SEND_LEASE_SECONDS must be a whole number' })
  @Min(5)
  SEND_LEASE_SECONDS?: number;

  @IsOptional()
  @Transform(blankToUndefined)
  @Matches(/^[a-z0-9.-]+\.[a-z]{2,}$/i, { message: 'DKIM_DOMAIN must be a domain name' })
  DKIM_DOMAIN?: string;

  @IsOptional()
  @Transform(blankToUndefined)
  @Matches(/^[a-z0-9._-]+$/i, { message: 'DKIM_SELECTOR must be a DNS label' })
  DKIM_SELECTOR?: string;

  @IsOptional()
  @Transform(blankToUndefined)
  @IsString()
  DKIM_PRIVATE_KEY?: string;

  @IsOptional()
  @Transform(blankToUndefined)
  @Matches(/^[^@\s<>]+@[^@\s<>]+$/, { message: 'UNSUBSCRIBE_MAILTO must be an e-mail address' })
  UNSUBSCRIBE_MAILTO?: string;

  // Outcomes: click tracking, attribution and guardrails.
  @IsOptional()
  @Transform(blankToUndefined)
  @IsIn(['on', 'off'], { message: 'CLICK_TRACKING must be on or off' })
  CLICK_TRACKING?: string;

  @IsOptional()
  @Transform(toInt)
  @IsNumber({}, { message: 'GUARDRAIL_MAX_COMPLAINT_RATE must be a number' })
  @Min(0, { message: 'GUARDRAIL_MAX_COMPLAINT_RATE must be at least 0' })
  @Max(1, { message: 'GUARDRAIL_MAX_COMPLAINT_RATE must be at most 1' })
  GUARDRAIL_MAX_COMPLAINT_RATE?: number;

  @IsOptional()
  @Transform(toInt)
  @IsNumber({}, { message: 'GUARDRAIL_MAX_UNSUBSCRIBE_RATE must be a number' })
  @Min(0, { message: 'GUARDRAIL_MAX_UNSUBSCRIBE_RATE must be at least 0' })
  @Max(1, { message: 'GUARDRAIL_MAX_UNSUBSCRIBE_RATE must be at most 1' })
  GUARDRAIL_MAX_UNSUBSCRIBE_RATE?: number;

  @IsOptional()
  @Transform(toInt)
  @IsInt({ message: 'GUARDRAIL_MIN_DELIVERED must be a whole number' })
  @Min(1, { message: 'GUARDRAIL_MIN_DELIVERED must be at least 1' })
  GUARDRAIL_MIN_DELIVERED?: number;

  // The console and the public pages.
  @IsOptional()
  @Transform(blankToUndefined)
  @IsTimeZone({ message: 'COMPANY_TIMEZONE must be an IANA time zone such as Europe/Moscow' })
  COMPANY_TIMEZONE?: string;

  // Integrations: provider webhooks, metrics.
  @IsOptional()
  @IsIn(['true', 'false'], { message: 'SES_WEBHOOK_ENABLED must be true or false' })
  SES_WEBHOOK_ENABLED?: string;

  /** The SNS topics SES publishes to, comma-separated: SNS signs any topic's messages alike. */
  @IsOptional()
  @Transform(blankToUndefined)
  @Matches(/^arn:aws[a-z-]*:sns:[^,\s]+(,\s*arn:aws[a-z-]*:sns:[^,\s]+)*$/, {
    message: 'SES_WEBHOOK_TOPIC_ARNS must be SNS topic ARNs separated by commas',
  })
  SES_WEBHOOK_TOPIC_ARNS?: string;

  /** SendGrid's Event Webhook verification key: base64 DER (as the SendGrid dashboard shows it). */
  @IsOptional()
  @Transform(blankToUndefined)
  @Matches(/^[A-Za-z0-9+/=\s]{40,}$/, {
    message: 'SENDGRID_WEBHOOK_PUBLIC_KEY must be the base64 public key SendGrid shows',
  })
  SENDGRID_WEBHOOK_PUBLIC_KEY?: string;

  @IsOptional()
  @Transform(blankToUndefined)
  @MinLength(16, { message: 'MAILGUN_WEBHOOK_SIGNING_KEY is too short' })
  MAILGUN_WEBHOOK_SIGNING_KEY?: string;

  @IsOptional()
  @Transform(blankToUndefined)
  @Matches(/^[^:\s]{1,200}$/, {
    message: 'POSTMARK_WEBHOOK_USER must not contain a colon or spaces',
  })
  POSTMARK_WEBHOOK_USER?: string;

  @IsOptional()
  @Transform(blankToUndefined)
  @MinLength(12, { message: 'POSTMARK_WEBHOOK_PASSWORD is too short (12 characters at least)' })
  POSTMARK_WEBHOOK_PASSWORD?: string;

  /** Bearer token for GET /metrics; unset, the route is not served. */
  @IsOptional()
  @Transform(blankToUndefined)
  @MinLength(16, { message: 'METRICS_TOKEN is too short (16 characters at least)' })
  METRICS_TOKEN?: string;

  // Replies and follow-ups.
  @IsOptional()
  @Transform(blankToUndefined)
  @Matches(/^(.+<)?[^@\s<>]+@[^@\s<>]+>?$/, {
    message: 'REPLY_TO must be an address, e.g. "Shop support <support@shop.example>"',
  })
  REPLY_TO?: string;
}

export interface Settings {
  port: number;
  publicUrl: string;
  databaseUrl?: string;
  /**
   * Named prepared statements and session settings on the sender's long-lived connection. Off
   * behind PgBouncer in transaction mode (before 1.21), where the next transaction may run on
   * another server connection.
   */
  databasePreparedStatements: boolean;
  secret: string;
  /** Retired secrets whose signed links are still accepted (key rotation); never used to sign. */
  previousSecrets: string[];
  adminKey?: string;
  smtpUrl?: string;
  mailFrom: string;
  twilio: {
    accountSid?: string;
    authToken?: string;
    from?: string;
    messagingServiceSid?: string;
    apiUrl?: string;
  };
  roles: InstanceRole[];
  company: { name: string; address: string };
  defaultPhoneRegion: string;
  dataDir: string;
  logLevel: string;
  bodyLimitKb: number;
  import: {
    /** A line (a CSV record) longer than this is a row error, skipped without being kept. */
    maxLineBytes: number;
    /** A running import whose heartbeat is older than this died with its process: interrupted. */
    staleSeconds: number;
  };
  publicRateLimit: number;
  trustProxy: boolean;
  /** SMS bodies longer than this many segments (opt-out line included) are refused. */
  smsMaxSegments: number;
  /** Rendered message content is kept this long, then only its hash. */
  auditContentRetentionDays: number;
  delivery: {
    emailRatePerSecond: number;
    smsRatePerSecond: number;
    maxAttempts: number;
    leaseSeconds: number;
  };
  dkim?: { domainName: string; keySelector: string; privateKey: string };
  /** mailto: target of List-Unsubscribe; defaults to unsubscribe@<MAIL_FROM domain>. */
  unsubscribeMailto: string;

  // Outcomes.
  /** CLICK_TRACKING=off: no link is rewritten to /r/, whatever campaigns and customers say. */
  clickTracking: boolean;
  /** Defaults for a campaign's guardrails (each campaign may set its own). */
  guardrails: { maxComplaintRate: number; maxUnsubscribeRate: number; minDelivered: number };

  // The console and the public pages.
  /** The zone the console shows times in unless the viewer picks another (IANA). */
  companyTimezone: string;

  // Integrations.
  /** Provider event webhooks; a provider left unset answers 404 on its route. */
  emailProviders: {
    sesEnabled: boolean;
    /** Only these SNS topics are believed; empty: any topic (set it in production). */
    sesTopicArns: string[];
    sendgridPublicKey?: string;
    mailgunSigningKey?: string;
    postmark?: { user: string; password: string };
  };
  /** Bearer token of GET /metrics; unset: 404. */
  metricsToken?: string;

  // Replies and follow-ups.
  /** Where replies go: the company's support address (Reply-To), and who hears of follow-ups. */
  replyTo?: string;
}

export class SettingsError extends Error {}

/** Validates the environment; throws one SettingsError whose message names each bad variable. */
export function loadSettings(env: NodeJS.ProcessEnv = process.env): Settings {
  const parsed = plainToInstance(EnvironmentVariables, { ...env });
  const errors = validateSync(parsed, { whitelist: true });
  if (errors.length > 0) {
    const lines = errors.flatMap((e) => Object.values(e.constraints ?? {}));
    throw new SettingsError(`Invalid configuration: ${lines.join('; ')}`);
  }
  const twilioSid = parsed.TWILIO_ACCOUNT_SID;
  if (twilioSid && !parsed.TWILIO_AUTH_TOKEN) {
    throw new SettingsError(
      'Invalid configuration: TWILIO_AUTH_TOKEN is required with TWILIO_ACCOUNT_SID',
    );
  }
  if (twilioSid && !parsed.TWILIO_FROM && !parsed.TWILIO_MESSAGING_SERVICE_SID) {
    throw new SettingsError(
      'Invalid configuration: TWILIO_FROM or TWILIO_MESSAGING_SERVICE_SID is required with TWILIO_ACCOUNT_SID',
    );
  }
  const port = parsed.PORT ?? 3000;
  const mailFrom = parsed.MAIL_FROM ?? 'Tactful <no-reply@localhost>';
  const dataDir = resolve(parsed.TACTFUL_DATA_DIR ?? './var');
  const roles = (parsed.TACTFUL_ROLES ?? 'api,worker,scheduler')
    .split(',')
    .map((r) => r.trim() as InstanceRole);
  return {
    port,
    publicUrl: (parsed.PUBLIC_URL ?? `http://localhost:${port}`).replace(/\/+$/, ''),
    databaseUrl: parsed.DATABASE_URL,
    databasePreparedStatements: parsed.DATABASE_PREPARED_STATEMENTS !== 'false',
    secret: parsed.TACTFUL_SECRET ?? readOrCreateSecret(dataDir),
    previousSecrets: (parsed.TACTFUL_SECRET_PREVIOUS ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean),
    adminKey: parsed.TACTFUL_ADMIN_KEY,
    smtpUrl: parsed.SMTP_URL,
    mailFrom,
    twilio: {
      accountSid: twilioSid,
      authToken: parsed.TWILIO_AUTH_TOKEN,
      from: parsed.TWILIO_FROM,
      messagingServiceSid: parsed.TWILIO_MESSAGING_SERVICE_SID,
      apiUrl: parsed.TWILIO_API_URL,
    },
    roles: [...new Set(roles)],
    company: {
      name: parsed.COMPANY_NAME ?? 'Tactful Demo Company',
      address: parsed.COMPANY_ADDRESS ?? 'Example street 1, Example City',
    },
    defaultPhoneRegion: parsed.DEFAULT_PHONE_REGION ?? 'RU',
    dataDir,
    logLevel: parsed.LOG_LEVEL ?? 'info',
    bodyLimitKb: parsed.BODY_LIMIT_KB ?? 1024,
    import: {
      maxLineBytes: (parsed.IMPORT_MAX_LINE_KB ?? 1024) * 1024,
      staleSeconds: parsed.IMPORT_STALE_SECONDS ?? 60,
    },
    publicRateLimit: parsed.PUBLIC_RATE_LIMIT ?? 60,
    trustProxy: parsed.TRUST_PROXY ?? false,
    smsMaxSegments: parsed.SMS_MAX_SEGMENTS ?? 3,
    auditContentRetentionDays: parsed.AUDIT_CONTENT_RETENTION_DAYS ?? 90,
    delivery: {
      emailRatePerSecond: parsed.EMAIL_RATE_PER_SECOND ?? 1000,
      smsRatePerSecond: parsed.SMS_RATE_PER_SECOND ?? 100,
      maxAttempts: parsed.SEND_MAX_ATTEMPTS ?? 5,
      leaseSeconds: parsed.SEND_LEASE_SECONDS ?? 60,
    },
    dkim: dkimSettings(parsed),
    unsubscribeMailto: parsed.UNSUBSCRIBE_MAILTO ?? `unsubscribe@${mailDomain(mailFrom)}`,

    // Outcomes.
    clickTracking: parsed.CLICK_TRACKING !== 'off',
    guardrails: {
      // 0.3%: the complaint rate Gmail's bulk-sender rules treat as the limit.
      maxComplaintRate: parsed.GUARDRAIL_MAX_COMPLAINT_RATE ?? 0.003,
      maxUnsubscribeRate: parsed.GUARDRAIL_MAX_UNSUBSCRIBE_RATE ?? 0.01,
      minDelivered: parsed.GUARDRAIL_MIN_DELIVERED ?? 200,
    },

    // The console and the public pages.
    companyTimezone: parsed.COMPANY_TIMEZONE ?? 'Europe/Moscow',

    // Integrations.
    emailProviders: emailProviderSettings(parsed),
    metricsToken: parsed.METRICS_TOKEN,

    // Replies and follow-ups.
    replyTo: parsed.REPLY_TO,
  };
}

function emailProviderSettings(parsed: EnvironmentVariables): Settings['emailProviders'] {
  const { POSTMARK_WEBHOOK_USER: user, POSTMARK_WEBHOOK_PASSWORD: password } = parsed;
  if (Boolean(user) !== Boolean(password)) {
    throw new SettingsError(
      'Invalid configuration: POSTMARK_WEBHOOK_USER and POSTMARK_WEBHOOK_PASSWORD go together',
    );
  }
  return {
    sesEnabled: parsed.SES_WEBHOOK_ENABLED === 'true',
    sesTopicArns: (parsed.SES_WEBHOOK_TOPIC_ARNS ?? '')
      .split(',')
      .map((a) => a.trim())
      .filter(Boolean),
    sendgridPublicKey: parsed.SENDGRID_WEBHOOK_PUBLIC_KEY?.replace(/\s+/g, ''),
    mailgunSigningKey: parsed.MAILGUN_WEBHOOK_SIGNING_KEY,
    postmark: user && password ? { user, password } : undefined,
  };
}

function mailDomain(from: string): string {
  const match = /@([^@\s<>]+)>?\s*$/.exec(from);
  return match ? match[1] : 'localhost';
}

function dkimSettings(parsed: EnvironmentVariables): Settings['dkim'] {
  const { DKIM_DOMAIN, DKIM_SELECTOR, DKIM_PRIVATE_KEY } = parsed;
  if (!DKIM_DOMAIN && !DKIM_SELECTOR && !DKIM_PRIVATE_KEY) return undefined;
  if (!DKIM_DOMAIN || !DKIM_SELECTOR || !DKIM_PRIVATE_KEY) {
    throw new SettingsError(
      'Invalid configuration: DKIM_DOMAIN, DKIM_SELECTOR and DKIM_PRIVATE_KEY go together',
    );
  }
  // The key may be given inline (PEM) or as a path to a PEM file.
  let privateKey = DKIM_PRIVATE_KEY;
  if (!privateKey.includes('-----BEGIN')) {
    if (!existsSync(privateKey)) {
      throw new SettingsError(
        'Invalid configuration: DKIM_PRIVATE_KEY must be a PEM key or the path of a PEM file',
      );
    }
    privateKey = readFileSync(privateKey, 'utf8');
  }
  return { domainName: DKIM_DOMAIN, keySelector: DKIM_SELECTOR, privateKey };
}

// A generated secret is kept so that links signed before a restart keep working.
function readOrCreateSecret(dataDir: string): string {
  const file = join(dataDir, 'secret');
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  mkdirSync(dataDir, { recursive: true });
  const secret = randomBytes(32).toString('base64url');
  writeFileSync(file, secret, { mode: 0o600 });
  return secret;
}
