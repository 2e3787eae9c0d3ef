import { join } from 'node:path';
import type { Settings } from '../config/settings';

/** `host:port` of a URL, never its user or password. */
const hostOf = (url: string): string => {
  try {
    const u = new URL(url);
    return u.port ? `${u.hostname}:${u.port}` : u.hostname;
  } catch {
    return 'an invalid URL';
  }
};

/**
 * The few lines `npm start` prints once the service listens: where it is, what it talks to, and
 * the admin key when this start created it (shown once).
 */
export function startupBlock(
  settings: Settings,
  opts: { embeddedDatabase: boolean; adminKey: string | null },
): string {
  const url = settings.publicUrl;
  const sms = settings.twilio.accountSid
    ? `Twilio (${settings.twilio.from ?? `messaging service ${settings.twilio.messagingServiceSid}`})`
    : 'not configured (TWILIO_ACCOUNT_SID)';
  const rows: [string, string][] = [
    ['API docs', `${url}/docs`],
    ['Console', `${url}/console`],
    [
      'Database',
      opts.embeddedDatabase
        ? `embedded PostgreSQL in ${join(settings.dataDir, 'pg')}`
        : `PostgreSQL at ${hostOf(settings.databaseUrl ?? '')}`,
    ],
    [
      'Mail',
      settings.smtpUrl
        ? `SMTP ${hostOf(settings.smtpUrl)}${settings.dkim ? ' with DKIM' : ''}`
        : `outbox folder ${join(settings.dataDir, 'outbox')} (SMTP_URL unset)`,
    ],
    ['SMS', sms],
    ['Roles', settings.roles.join(', ')],
  ];
  if (opts.adminKey)
    rows.push(['Admin key', `${opts.adminKey}  (first start: shown once, keep it safe)`]);
  const width = Math.max(...rows.map(([k]) => k.length));
  return [
    '',
    `Tactful is listening on ${url}`,
    ...rows.map(([k, v]) => `  ${k.padEnd(width)}  ${v}`),
    '',
    '',
  ].join('\n');
}
