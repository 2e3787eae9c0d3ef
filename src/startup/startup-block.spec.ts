import { loadSettings } from '../config/settings';
import { startupBlock } from './startup-block';

describe('the start-up block', () => {
  const base = {
    TACTFUL_SECRET: 'x'.repeat(32),
    TACTFUL_DATA_DIR: '/srv/tactful',
    PUBLIC_URL: 'https://mail.shop.example',
  };

  it('says where the service is and what it talks to, in a few lines', () => {
    const text = startupBlock(loadSettings(base), { embeddedDatabase: true, adminKey: 'tk_abc' });
    expect(text).toContain('Tactful is listening on https://mail.shop.example');
    expect(text).toContain('https://mail.shop.example/console');
    expect(text).toContain('embedded PostgreSQL in /srv/tactful/pg');
    expect(text).toContain('outbox folder /srv/tactful/outbox');
    expect(text).toContain('SMS        not configured');
    expect(text).toContain('tk_abc');
    expect(text.trim().split('\n').length).toBeLessThanOrEqual(9);
  });

  it('never prints a password from DATABASE_URL or SMTP_URL, nor a key on later starts', () => {
    const text = startupBlock(
      loadSettings({
        ...base,
        DATABASE_URL: 'postgres://tactful:db-secret@db.internal:5432/tactful',
        SMTP_URL: 'smtps://mailer:smtp-secret@smtp.example:465',
      }),
      { embeddedDatabase: false, adminKey: null },
    );
    expect(text).toContain('PostgreSQL at db.internal:5432');
    expect(text).toContain('SMTP smtp.example:465');
    expect(text).not.toMatch(/secret|mailer|Admin key/);
  });
});
