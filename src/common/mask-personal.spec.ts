import { maskDiagnostic, maskJson, maskPersonal } from './mask-personal';

const maria = {
  names: ['Мария Иванова'],
  emails: ['erase.me@example.ru'],
  phones: ['+79161112233'],
};

describe('maskPersonal', () => {
  it('masks the recipient in a DSN diagnostic and keeps the status codes', () => {
    const out = maskPersonal(
      'smtp; 550 5.1.1 <Erase.Me@Example.RU>: Recipient address rejected: User unknown',
      maria,
    );
    expect(out).toBe('smtp; 550 5.1.1 <[email]>: Recipient address rejected: User unknown');
  });

  it('masks any e-mail address, not only the known one', () => {
    expect(maskPersonal('forwarded to other.person+tag@mail.example.com, then lost')).toBe(
      'forwarded to [email], then lost',
    );
    expect(maskPersonal('пользователь иван@почта.рф не найден')).toBe(
      'пользователь [email] не найден',
    );
  });

  it('masks phone numbers in E.164, local and formatted forms', () => {
    for (const form of [
      '+79161112233',
      '79161112233',
      '89161112233',
      '9161112233',
      '+7 (916) 111-22-33',
      '8 916 111 22 33',
      '+44 20 7946 0958',
    ]) {
      expect(maskPersonal(`The 'To' number ${form} is not a valid phone number.`)).toBe(
        `The 'To' number [phone] is not a valid phone number.`,
      );
    }
  });

  it('keeps status codes, Twilio error codes, dates and uuids', () => {
    const text =
      '421 4.7.0 try again; see https://www.twilio.com/docs/errors/21610 at 2026-12-07 delivery 0190f3a2-1234-7abc-8def-123456789012';
    expect(maskPersonal(text)).toBe(text);
  });

  it('masks the known name, its words and the e-mail local part in any letter case', () => {
    expect(
      maskPersonal('Dear МАРИЯ ИВАНОВА (мария), mailbox ERASE.ME is full; иванова left', maria),
    ).toBe('Dear [name] ([name]), mailbox [email] is full; [name] left');
    expect(maskPersonal('Hello Anna Smith', { names: ['Anna Smith'] })).toBe('Hello [name]');
  });

  it('masks the last seven digits of a known phone glued to other text', () => {
    expect(maskPersonal('id:1112233x', maria)).toBe('id:[phone]x');
  });

  it('removes NUL and other control characters', () => {
    expect(maskPersonal('a\u0000b\u0007c\nd')).toBe('a b c\nd');
  });

  it('treats regular-expression characters in known values literally', () => {
    expect(maskPersonal('a (b) c.d+e', { names: ['(b) c.d+e'] })).toBe('a [name]');
    expect(maskPersonal('abc', { names: ['.*'] })).toBe('abc');
  });

  it('is fast on huge input', () => {
    const huge = `${'x'.repeat(500_000)} ${'1 '.repeat(100_000)} a@b.c`;
    const started = Date.now();
    const out = maskPersonal(huge, maria);
    expect(out.endsWith('[email]')).toBe(true);
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('masks 100 different addresses and numbers in one text', () => {
    const text = Array.from(
      { length: 100 },
      (_, i) => `u${i}@x${i}.org +7916${String(i).padStart(7, '0')}`,
    ).join(' ');
    const out = maskPersonal(text);
    expect(out).not.toMatch(/@|\d{7}/);
    expect(out.split('[email]')).toHaveLength(101);
    expect(out.split('[phone]')).toHaveLength(101);
  });
});

describe('maskDiagnostic and maskJson', () => {
  it('cuts after masking and keeps null', () => {
    expect(maskDiagnostic(null, maria)).toBeNull();
    expect(maskDiagnostic(`${'y'.repeat(295)} erase.me@example.ru`, maria)).toBe(
      `${'y'.repeat(295)} [ema`,
    );
  });

  it('walks objects and arrays', () => {
    expect(maskJson({ a: 'to +79161112233', b: [{ c: 'Мария' }], n: 3, z: null }, maria)).toEqual({
      a: 'to [phone]',
      b: [{ c: '[name]' }],
      n: 3,
      z: null,
    });
  });
});
