import { ucs2Culprits, smsSegments, withSmsOptOut } from './sms-segments';

describe('smsSegments', () => {
  it.each([
    ['', 'GSM-7', 0, 0],
    ['a'.repeat(160), 'GSM-7', 1, 160],
    ['a'.repeat(161), 'GSM-7', 2, 161],
    ['a'.repeat(306), 'GSM-7', 2, 306],
    ['a'.repeat(307), 'GSM-7', 3, 307],
    ['@£$¥èéùìòÇØøÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ!"#¤%&\'()*+,-./:;<=>?¡ÄÖÑÜ§¿äöñüà\n\r', 'GSM-7', 1, 64],
    ['я'.repeat(70), 'UCS-2', 1, 70],
    ['я'.repeat(71), 'UCS-2', 2, 71],
    ['я'.repeat(134), 'UCS-2', 2, 134],
    ['я'.repeat(135), 'UCS-2', 3, 135],
  ])('%j… is %s in %i segment(s), length %i', (text, encoding, segments, length) => {
    expect(smsSegments(text)).toEqual({ encoding, segments, length });
  });

  it('counts extension characters (€ [ ] { } ^ ~ | \\) as two septets', () => {
    expect(smsSegments('a'.repeat(158) + '€')).toEqual({
      encoding: 'GSM-7',
      segments: 1,
      length: 160,
    });
    expect(smsSegments('a'.repeat(159) + '€')).toEqual({
      encoding: 'GSM-7',
      segments: 2,
      length: 161,
    });
    expect(smsSegments('{}[]~|^\\€').length).toBe(18);
  });

  it('never splits an escape pair across segments', () => {
    // 306 septets would fit two segments of 153, but the "{" cannot straddle the boundary.
    expect(smsSegments('a'.repeat(152) + '{' + 'a'.repeat(152))).toEqual({
      encoding: 'GSM-7',
      segments: 3,
      length: 306,
    });
  });

  it('switches the whole message to UCS-2 for one character outside GSM-7', () => {
    expect(smsSegments('a'.repeat(100) + 'ж')).toMatchObject({ encoding: 'UCS-2', segments: 2 });
    expect(smsSegments('Price `100`')).toMatchObject({ encoding: 'UCS-2' });
    expect(smsSegments('ç')).toMatchObject({ encoding: 'UCS-2' }); // only Ç is in GSM-7
  });

  it('counts an emoji as a surrogate pair and never splits it', () => {
    expect(smsSegments('😀')).toEqual({ encoding: 'UCS-2', segments: 1, length: 2 });
    expect(smsSegments('я'.repeat(68) + '😀')).toEqual({
      encoding: 'UCS-2',
      segments: 1,
      length: 70,
    });
    expect(smsSegments('я'.repeat(69) + '😀')).toEqual({
      encoding: 'UCS-2',
      segments: 2,
      length: 71,
    });
    expect(smsSegments('я'.repeat(66) + '😀' + 'я'.repeat(66))).toEqual({
      encoding: 'UCS-2',
      segments: 3,
      length: 134,
    });
  });

  it('the opt-out line can tip a message into the next segment', () => {
    const en = (n: number) => smsSegments(withSmsOptOut('a'.repeat(n), 'en'));
    // "\nReply STOP to opt out" is 22 characters.
    expect(en(138)).toEqual({ encoding: 'GSM-7', segments: 1, length: 160 });
    expect(en(139)).toEqual({ encoding: 'GSM-7', segments: 2, length: 161 });
    const ru = (n: number) => smsSegments(withSmsOptOut('я'.repeat(n), 'ru-RU'));
    // "\nОтписаться: ответьте STOP" is 26 characters, and Cyrillic makes it UCS-2.
    expect(ru(44)).toEqual({ encoding: 'UCS-2', segments: 1, length: 70 });
    expect(ru(45)).toEqual({ encoding: 'UCS-2', segments: 2, length: 71 });
    // An English body for a Russian reader becomes UCS-2 because of the Russian opt-out line.
    expect(smsSegments(withSmsOptOut('Hello', 'ru')).encoding).toBe('UCS-2');
    expect(withSmsOptOut('  Hi  ', 'de')).toBe('Hi\nReply STOP to opt out');
  });

  it('points at the characters that forced UCS-2 and offers their GSM-7 stand-ins', () => {
    const tips = 'Shop: wash at 30° and dry away from the radiator.\nReply STOP to opt out';
    expect(smsSegments(tips).encoding).toBe('UCS-2');
    expect(ucs2Culprits(tips)).toEqual({
      culprits: [{ char: '°', position: 17, replacement: ' degrees' }],
      gsmSegments: 1,
    });
    expect(
      ucs2Culprits('A short review would mean a lot — “thanks”').culprits.map((c) => c.replacement),
    ).toEqual(['-', '"', '"']);
    // A character without a stand-in is named; the fixed count is then unknown.
    expect(ucs2Culprits('Sale 🎉 today, long enough to be mostly plain text')).toEqual({
      culprits: [{ char: '🎉', position: 6, replacement: null }],
      gsmSegments: null,
    });
    // Russian text is UCS-2 through and through: no single character to blame.
    expect(ucs2Culprits('Привет! Скидка 15% до пятницы').culprits).toEqual([]);
    expect(ucs2Culprits('plain GSM text')).toEqual({ culprits: [], gsmSegments: null });
  });
});
