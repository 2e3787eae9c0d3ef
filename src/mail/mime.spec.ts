import { simpleParser, type ParsedMail } from 'mailparser';
import { createTransport } from 'nodemailer';
import { composeMime, encodeTextPart, type MimeInput } from './mime';

const date = new Date('2026-11-23T10:00:00.000Z');
const base: MimeInput = {
  from: 'Shop <news@shop.example>',
  to: 'anna@mail.example',
  subject: 'Spring tips for Anna',
  html: '<p>Hello Anna,</p>',
  text: 'Hello Anna,',
  headers: {
    'List-Unsubscribe': `<https://shop.example/u/${'t'.repeat(120)}>, <mailto:unsubscribe@shop.example?subject=unsubscribe-${'t'.repeat(120)}>`,
    'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
    'Feedback-ID': 'c1:tips:shop',
  },
  messageId: '<d1@shop.example>',
  date,
};

/** What nodemailer's own composer makes of the same message. */
async function viaNodemailer(m: MimeInput): Promise<ParsedMail> {
  const transport = createTransport({ streamTransport: true, buffer: true, newline: 'windows' });
  const info = await transport.sendMail({
    from: m.from,
    to: m.to,
    subject: m.subject,
    html: m.html,
    text: m.text,
    headers: m.headers,
    replyTo: m.replyTo,
    messageId: m.messageId,
    date: m.date,
  });
  return simpleParser(info.message as Buffer);
}

function composed(m: MimeInput): Buffer {
  const c = composeMime(m);
  if (!c) throw new Error('not composed');
  return c.raw;
}

const headerLines = (p: ParsedMail) =>
  p.headerLines
    .filter((h) => h.key !== 'content-type')
    .map((h) => `${h.key}: ${h.line.slice(h.line.indexOf(':') + 1).replace(/\r?\n\s+/g, ' ')}`);

const cases: [string, Partial<MimeInput>][] = [
  ['plain ASCII (7bit)', {}],
  [
    'Latin text with long lines, "=", trailing whitespace and dots (quoted-printable)',
    {
      subject: 'Tips “for” you = 100% ',
      text: `Line with trailing space \nTab at end\t\r\n.starts with a dot\r\n${'word '.repeat(40)}\n= and =3D stay\nend `,
      html: `<p style="a:b">${'x'.repeat(200)}</p>\n<p>naïve café · ${'é'.repeat(30)} 😀😀</p>`,
    },
  ],
  [
    'Russian text (base64) and a Russian sender name',
    {
      from: 'Магазин «Обувь» <news@shop.example>',
      subject: 'Весенние советы для Анны',
      text: 'Здравствуйте, Анна!\nВот три способа ухаживать за обувью весной.',
      html: '<p>Здравствуйте, Анна!</p><p>Вот три способа ухаживать за обувью весной.</p>',
    },
  ],
  ['a quoted sender name with a comma', { from: '"Shop, Inc." <news@shop.example>' }],
  ['a Reply-To', { replyTo: 'Support <support@shop.example>' }],
  ['a Russian Reply-To name', { replyTo: 'Поддержка магазина «Обувь» <support@shop.example>' }],
  ['no HTML part', { html: '' }],
  ['no text part', { text: '' }],
  ['mixed line breaks', { text: 'a\r\nb\nc', html: 'a\r\n\r\nb\n' }],
];

describe('composeMime', () => {
  it.each(cases)('reads back as nodemailer would have written it: %s', async (_name, change) => {
    const m = { ...base, ...change };
    const raw = composed(m);
    const ours = await simpleParser(raw);
    const theirs = await viaNodemailer(m);
    expect(ours.subject).toBe(theirs.subject);
    expect(ours.from?.text).toBe(theirs.from?.text);
    expect(ours.to && 'text' in ours.to ? ours.to.text : null).toBe(
      theirs.to && 'text' in theirs.to ? theirs.to.text : null,
    );
    expect(ours.messageId).toBe(m.messageId);
    expect(ours.date?.toISOString()).toBe(date.toISOString());
    expect(ours.text).toBe(theirs.text);
    expect(ours.html).toBe(theirs.html);
    expect(headerLines(ours)).toEqual(headerLines(theirs));
    // Every line fits the 78-character recommendation except unbreakable header tokens.
    const [head, ...body] = raw.toString('latin1').split('\r\n\r\n');
    for (const line of body.join('\r\n\r\n').split('\r\n'))
      expect(line.length).toBeLessThanOrEqual(76);
    expect(head).not.toMatch(/[^\r]\n|\r[^\n]/);
    expect(raw.toString('latin1')).not.toMatch(/[^\r]\n|\r(?!\n)/);
  });

  it('writes a bare CR as a line break, as SMTP would', async () => {
    const parsed = await simpleParser(composed({ ...base, text: 'a\rb\r\nc', html: 'ab\ré' }));
    expect(parsed.text).toBe('a\nb\nc');
    expect(parsed.html).toBe('ab\né');
  });

  it('puts the plain addresses in the envelope', () => {
    const c = composeMime({ ...base, from: 'Магазин <news@shop.example>' })!;
    expect(c.envelope).toEqual({ from: 'news@shop.example', to: ['anna@mail.example'] });
  });

  it('leaves to nodemailer what it does not compose itself', () => {
    expect(composeMime({ ...base, to: 'анна@пример.рф' })).toBeNull();
    expect(composeMime({ ...base, to: 'Anna <anna@mail.example>' })).toBeNull();
    expect(composeMime({ ...base, headers: { 'Content-Type': 'text/plain' } })).toBeNull();
    expect(composeMime({ ...base, headers: { 'Bad Key': 'x' } })).toBeNull();
  });

  it('never uses a boundary that occurs in the content', async () => {
    const first = composed(base).toString();
    const [, prefix, counter] = /boundary="(--_Tactful-[0-9a-f]+-)([0-9a-z]+)"/.exec(first)!;
    const predicted = `${prefix}${(parseInt(counter, 36) + 1).toString(36)}`;
    const html = `<p>--${predicted}</p>`;
    const raw = composed({ ...base, html, text: `--${predicted}\n--${predicted}--` });
    expect(raw.toString()).not.toContain(`boundary="${predicted}"`);
    const parsed = await simpleParser(raw);
    expect(parsed.html).toBe(html);
  });
});

describe('encodeTextPart', () => {
  it('chooses 7bit, quoted-printable or base64 as nodemailer does', () => {
    expect(encodeTextPart('short ASCII\nlines').encoding).toBe('7bit');
    expect(encodeTextPart('x'.repeat(77)).encoding).toBe('quoted-printable');
    expect(encodeTextPart('Hello “you”').encoding).toBe('quoted-printable');
    expect(encodeTextPart('Привет, Anna').encoding).toBe('base64');
    // Characters outside the BMP count twice, as UTF-16 units do.
    expect(encodeTextPart('abcd😀😀').encoding).toBe('base64');
    expect(encodeTextPart('abcde😀😀').encoding).toBe('quoted-printable');
    expect(encodeTextPart('Привет').body.toString()).toBe(Buffer.from('Привет').toString('base64'));
  });

  it('encodes "=", non-ASCII and line-final whitespace, and never splits a character', () => {
    expect(encodeTextPart('a=b é \nc\t').body.toString()).toBe('a=3Db =C3=A9=20\r\nc=09');
    const long = encodeTextPart('abcdefghijklmnopqrstuvwxyzabcdefghijklmno' + 'é'.repeat(40))
      .body.toString()
      .slice(41);
    const lines = long.split('=\r\n');
    expect(lines.length).toBeGreaterThan(1);
    expect(lines.every((l) => l.length <= 75 && /^(=C3=A9)+$/.test(l))).toBe(true);
  });
});
