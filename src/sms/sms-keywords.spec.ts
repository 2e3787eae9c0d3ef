import { classifySmsKeyword, normalizeSmsText } from './sms-keywords';

describe('classifySmsKeyword', () => {
  it.each([
    'STOP',
    'stop',
    'Stop.',
    '  StOp!  ',
    'STOPALL',
    'Unsubscribe',
    'cancel',
    'END',
    'quit',
    'revoke',
    'OPTOUT',
    'opt-out',
    'Opt out',
    'opt  out!',
    'СТОП',
    'стоп.',
    'Отписаться',
    'ОТПИСАТЬСЯ!',
    'отпишите меня',
    'Отпишите меня!',
  ])('%j is a stop keyword', (text) => {
    expect(classifySmsKeyword(text)).toBe('stop');
  });

  it.each(['START', 'start', 'Unstop', 'yes', 'Yes!', 'СТАРТ', 'Да', 'да.'])(
    '%j is a start keyword',
    (text) => {
      expect(classifySmsKeyword(text)).toBe('start');
    },
  );

  it.each(['HELP', 'help?', 'Info', 'ПОМОЩЬ', 'помощь!'])('%j is a help keyword', (text) => {
    expect(classifySmsKeyword(text)).toBe('help');
  });

  it.each([
    '',
    '   ',
    'hello',
    'please stop',
    "don't stop",
    'stop it',
    'stopp',
    'yes please',
    'Спасибо',
    'не отписаться',
    'stop '.repeat(40),
  ])('%j is not a keyword', (text) => {
    expect(classifySmsKeyword(text)).toBeNull();
  });

  it('ignores a missing body', () => {
    expect(classifySmsKeyword(undefined)).toBeNull();
    expect(classifySmsKeyword(null)).toBeNull();
  });

  it('normalizes case, ё, punctuation and spacing', () => {
    expect(normalizeSmsText('  Ёлки,   ПАЛКИ!! ')).toBe('елки палки');
  });
});
