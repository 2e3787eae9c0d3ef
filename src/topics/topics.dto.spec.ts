import { localeTextProblem } from './topics.dto';

describe('localeTextProblem', () => {
  it.each([{ ru: 'Советы', en: 'Tips' }, { 'pt-BR': 'Dicas' }, {}])(
    'accepts %j (requireOne false)',
    (value) => {
      expect(localeTextProblem(value, 200, false)).toBeNull();
    },
  );

  it.each([
    [null, /must be an object/],
    [['ru'], /must be an object/],
    ['Tips', /must be an object/],
    [{}, /at least one locale/],
    [{ russian: 'x' }, /"russian", which is not a locale/],
    [{ ru: '' }, /^\.ru must be a non-empty string/],
    [{ ru: '   ' }, /^\.ru must be a non-empty string/],
    [{ ru: 5 }, /^\.ru must be a non-empty string/],
    [{ ru: 'x'.repeat(201) }, /^\.ru must be at most 200 characters/],
    [
      Object.fromEntries(
        Array.from({ length: 21 }, (_, i) => [`l${'abcdefghijklmnopqrstu'[i]}`, 'x']),
      ),
      /at most 20 locales/,
    ],
  ])('refuses %j', (value, message) => {
    expect(localeTextProblem(value, 200, true)).toMatch(message);
  });
});
