import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { plainToInstance, Transform } from 'class-transformer';
import {
  IsBoolean,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
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
  @IsInt({ message: 'PUBLIC_RATE_LIMIT must be a whole number' })
  @Min(1)
  PUBLIC_RATE_LIMIT?: number;

  @IsOptional()
  @Transform(({ value }) => (value === undefined || value === '' ? undefined : value === 'true'))
  @IsBoolean()
  TRUST_PROXY?: boolean;
}

export interface Settings {
  port: number;
  publicUrl: string;
  databaseUrl?: string;
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
  publicRateLimit: number;
  trustProxy: boolean;
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
  const dataDir = resolve(parsed.TACTFUL_DATA_DIR ?? './var');
  const roles = (parsed.TACTFUL_ROLES ?? 'api,worker,scheduler')
    .split(',')
    .map((r) => r.trim() as InstanceRole);
  return {
    port,
    publicUrl: (parsed.PUBLIC_URL ?? `http://localhost:${port}`).replace(/\/+$/, ''),
    databaseUrl: parsed.DATABASE_URL,
    secret: parsed.TACTFUL_SECRET ?? readOrCreateSecret(dataDir),
    previousSecrets: (parsed.TACTFUL_SECRET_PREVIOUS ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean),
    adminKey: parsed.TACTFUL_ADMIN_KEY,
    smtpUrl: parsed.SMTP_URL,
    mailFrom: parsed.MAIL_FROM ?? 'Tactful <no-reply@localhost>',
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
    publicRateLimit: parsed.PUBLIC_RATE_LIMIT ?? 60,
    trustProxy: parsed.TRUST_PROXY ?? false,
  };
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
