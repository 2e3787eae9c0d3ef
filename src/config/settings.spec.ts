import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadSettings, SettingsError } from './settings';

describe('loadSettings', () => {
  let dataDir: string;
  beforeEach(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'tactful-settings-'));
  });
  afterEach(() => rmSync(dataDir, { recursive: true, force: true }));

  /** Only the variables given: never the environment of the test run. */
  const load = (env: Record<string, string> = {}) =>
    loadSettings({ TACTFUL_DATA_DIR: dataDir, ...env });

  it('has the documented defaults', () => {
    const s = load();
    expect(s).toMatchObject({
      port: 3000,
      publicUrl: 'http://localhost:3000',
      databaseUrl: undefined,
      adminKey: undefined,
      smtpUrl: undefined,
      mailFrom: 'Tactful <no-reply@localhost>',
      twilio: {
        accountSid: undefined,
        authToken: undefined,
        from: undefined,
        messagingServiceSid: undefined,
        apiUrl: undefined,
      },
      roles: ['api', 'worker', 'scheduler'],
      defaultPhoneRegion: 'RU',
      dataDir,
      logLevel: 'info',
      bodyLimitKb: 1024,
      publicRateLimit: 60,
      trustProxy: false,
      smsMaxSegments: 3,
      auditContentRetentionDays: 90,
      delivery: {
        emailRatePerSecond: 1000,
        smsRatePerSecond: 100,
        maxAttempts: 5,
        leaseSeconds: 60,
      },
      dkim: undefined,
      unsubscribeMailto: 'unsubscribe@localhost',
    });
    expect(s.company.name).toBeTruthy();
    expect(s.company.address).toBeTruthy();
  });

  it('reads every variable it knows', () => {
    const s = load({
      PORT: '8080',
      PUBLIC_URL: 'https://news.shop.example/',
      DATABASE_URL: 'postgres://u:p@db:5432/tactful',
      TACTFUL_SECRET: 's'.repeat(40),
      TACTFUL_ADMIN_KEY: 'k'.repeat(20),
      SMTP_URL: 'smtp://mail.example:25',
      MAIL_FROM: 'Shop <news@shop.example>',
      TWILIO_ACCOUNT_SID: `AC${'a'.repeat(32)}`,
      TWILIO_AUTH_TOKEN: 'token-123456',
      TWILIO_FROM: '+79161234567',
      TWILIO_API_URL: 'http://localhost:4010',
      COMPANY_NAME: 'ООО Ромашка',
      COMPANY_ADDRESS: 'Москва, ул. Ленина, 1',
      DEFAULT_PHONE_REGION: 'DE',
      TRUST_PROXY: 'true',
    });
    expect(s).toMatchObject({
      port: 8080,
      publicUrl: 'https://news.shop.example',
      databaseUrl: 'postgres://u:p@db:5432/tactful',
      secret: 's'.repeat(40),
      adminKey: 'k'.repeat(20),
      smtpUrl: 'smtp://mail.example:25',
      mailFrom: 'Shop <news@shop.example>',
      twilio: {
        accountSid: `AC${'a'.repeat(32)}`,
        authToken: 'token-123456',
        from: '+79161234567',
        apiUrl: 'http://localhost:4010',
      },
      company: { name: 'ООО Ромашка', address: 'Москва, ул. Ленина, 1' },
      defaultPhoneRegion: 'DE',
      trustProxy: true,
    });
  });

  it('reads TACTFUL_SECRET_PREVIOUS as a comma-separated list of retired secrets', () => {
    expect(load().previousSecrets).toEqual([]);
    const a = 'a'.repeat(32);
    const b = 'b'.repeat(40);
    expect(load({ TACTFUL_SECRET_PREVIOUS: ` ${a} , ${b} ` }).previousSecrets).toEqual([a, b]);
    expect(() => load({ TACTFUL_SECRET_PREVIOUS: `${a},short` })).toThrow(
      /TACTFUL_SECRET_PREVIOUS must be one or more comma-separated secrets/,
    );
  });

  it('reads COMPANY_TIMEZONE, Europe/Moscow by default, and refuses a zone that is not one', () => {
    expect(load().companyTimezone).toBe('Europe/Moscow');
    expect(load({ COMPANY_TIMEZONE: 'Asia/Yekaterinburg' }).companyTimezone).toBe(
      'Asia/Yekaterinburg',
    );
    expect(() => load({ COMPANY_TIMEZONE: 'Mars/Olympus' })).toThrow(
      /COMPANY_TIMEZONE must be an IANA time zone/,
    );
  });

  it('derives PUBLIC_URL from PORT when unset', () => {
    expect(load({ PORT: '4000' }).publicUrl).toBe('http://localhost:4000');
  });

  it('uses prepared statements unless DATABASE_PREPARED_STATEMENTS=false (PgBouncer)', () => {
    expect(load({}).databasePreparedStatements).toBe(true);
    expect(load({ DATABASE_PREPARED_STATEMENTS: 'false' }).databasePreparedStatements).toBe(false);
  });

  it('treats an empty value as unset', () => {
    expect(load({ DATABASE_URL: '', SMTP_URL: '', PUBLIC_URL: '' })).toMatchObject({
      databaseUrl: undefined,
      smtpUrl: undefined,
      publicUrl: 'http://localhost:3000',
    });
  });

  describe('names the variable at fault', () => {
    it.each([
      ['PORT', 'abc'],
      ['PORT', '70000'],
      ['PORT', '3.5'],
      ['PUBLIC_URL', 'not a url'],
      ['PUBLIC_URL', 'ftp://files.example'],
      ['DATABASE_URL', 'mysql://u:p@db/x'],
      ['SMTP_URL', 'http://mail.example'],
      ['MAIL_FROM', 'nobody'],
      ['TWILIO_ACCOUNT_SID', 'AC123'],
      ['TWILIO_MESSAGING_SERVICE_SID', 'MG1'],
      ['TWILIO_FROM', '89161234567'],
      ['TACTFUL_ROLES', 'api,cron'],
      ['TACTFUL_ROLES', 'api;worker'],
      ['TACTFUL_SECRET', 'short'],
      ['TACTFUL_ADMIN_KEY', 'short'],
      ['LOG_LEVEL', 'loud'],
      ['BODY_LIMIT_KB', '0'],
      ['DEFAULT_PHONE_REGION', 'ru'],
      ['SMS_MAX_SEGMENTS', '0'],
      ['SMS_MAX_SEGMENTS', '11'],
      ['AUDIT_CONTENT_RETENTION_DAYS', 'soon'],
      ['EMAIL_RATE_PER_SECOND', '0'],
      ['SMS_RATE_PER_SECOND', '-1'],
      ['SEND_MAX_ATTEMPTS', '50'],
      ['SEND_LEASE_SECONDS', '1'],
      ['DKIM_DOMAIN', 'localhost'],
      ['DKIM_SELECTOR', 'a b'],
      ['UNSUBSCRIBE_MAILTO', 'nobody'],
      ['DATABASE_PREPARED_STATEMENTS', 'yes'],
    ])('%s=%s', (name, value) => {
      expect(() => load({ [name]: value })).toThrow(SettingsError);
      expect(() => load({ [name]: value })).toThrow(new RegExp(`^Invalid configuration: ${name} `));
    });

    it('TWILIO_AUTH_TOKEN missing while TWILIO_ACCOUNT_SID is set', () => {
      expect(() =>
        load({ TWILIO_ACCOUNT_SID: `AC${'0'.repeat(32)}`, TWILIO_FROM: '+79161234567' }),
      ).toThrow('Invalid configuration: TWILIO_AUTH_TOKEN is required with TWILIO_ACCOUNT_SID');
    });

    it('TWILIO_FROM or TWILIO_MESSAGING_SERVICE_SID missing while TWILIO_ACCOUNT_SID is set', () => {
      expect(() =>
        load({ TWILIO_ACCOUNT_SID: `AC${'0'.repeat(32)}`, TWILIO_AUTH_TOKEN: 'token-123456' }),
      ).toThrow(/TWILIO_FROM or TWILIO_MESSAGING_SERVICE_SID is required/);
      const viaService = load({
        TWILIO_ACCOUNT_SID: `AC${'0'.repeat(32)}`,
        TWILIO_AUTH_TOKEN: 'token-123456',
        TWILIO_MESSAGING_SERVICE_SID: `MG${'1'.repeat(32)}`,
      });
      expect(viaService.twilio.messagingServiceSid).toBe(`MG${'1'.repeat(32)}`);
    });

    it('DKIM settings go together, and the key is inline PEM or a readable file', () => {
      const pem = '-----BEGIN PRIVATE KEY-----\nabc\n-----END PRIVATE KEY-----\n';
      expect(() => load({ DKIM_DOMAIN: 'shop.example' })).toThrow(
        'Invalid configuration: DKIM_DOMAIN, DKIM_SELECTOR and DKIM_PRIVATE_KEY go together',
      );
      expect(() =>
        load({ DKIM_DOMAIN: 'shop.example', DKIM_SELECTOR: 's1', DKIM_PRIVATE_KEY: '/nope.pem' }),
      ).toThrow(/^Invalid configuration: DKIM_PRIVATE_KEY /);
      const file = join(dataDir, 'dkim.pem');
      writeFileSync(file, pem);
      for (const key of [pem, file]) {
        expect(
          load({ DKIM_DOMAIN: 'shop.example', DKIM_SELECTOR: 's1', DKIM_PRIVATE_KEY: key }).dkim,
        ).toEqual({ domainName: 'shop.example', keySelector: 's1', privateKey: pem });
      }
    });

    it('derives the List-Unsubscribe mailto from MAIL_FROM unless given', () => {
      expect(load({ MAIL_FROM: 'Shop <news@shop.example>' }).unsubscribeMailto).toBe(
        'unsubscribe@shop.example',
      );
      expect(load({ UNSUBSCRIBE_MAILTO: 'stop@shop.example' }).unsubscribeMailto).toBe(
        'stop@shop.example',
      );
    });

    it('every bad variable at once, on one line', () => {
      let message = '';
      try {
        load({ PORT: 'abc', SMTP_URL: 'x', TACTFUL_ROLES: 'everything' });
      } catch (e) {
        message = (e as Error).message;
      }
      expect(message).not.toContain('\n');
      expect(message).toMatch(/PORT/);
      expect(message).toMatch(/SMTP_URL/);
      expect(message).toMatch(/TACTFUL_ROLES/);
    });
  });

  describe('TACTFUL_ROLES', () => {
    it.each([
      ['api', ['api']],
      ['worker, scheduler', ['worker', 'scheduler']],
      [' api ,worker,api ', ['api', 'worker']],
    ])('%p → %p', (value, roles) => {
      expect(load({ TACTFUL_ROLES: value }).roles).toEqual(roles);
    });
  });

  describe('the generated secret', () => {
    it('is created in TACTFUL_DATA_DIR, private to the owner, and reused on the next start', () => {
      const first = load();
      expect(first.secret.length).toBeGreaterThanOrEqual(32);
      const file = join(dataDir, 'secret');
      expect(readFileSync(file, 'utf8')).toBe(first.secret);
      expect(statSync(file).mode & 0o777).toBe(0o600);
      expect(load().secret).toBe(first.secret);
    });

    it('differs between data directories', () => {
      const other = mkdtempSync(join(tmpdir(), 'tactful-settings-'));
      try {
        expect(loadSettings({ TACTFUL_DATA_DIR: other }).secret).not.toBe(load().secret);
      } finally {
        rmSync(other, { recursive: true, force: true });
      }
    });

    it('creates a data directory that does not exist yet', () => {
      const nested = join(dataDir, 'a', 'b');
      const s = loadSettings({ TACTFUL_DATA_DIR: nested });
      expect(readFileSync(join(nested, 'secret'), 'utf8')).toBe(s.secret);
    });

    it('is not written when TACTFUL_SECRET is given', () => {
      const s = load({ TACTFUL_SECRET: 'x'.repeat(32) });
      expect(s.secret).toBe('x'.repeat(32));
      expect(() => statSync(join(dataDir, 'secret'))).toThrow();
    });
  });
});
