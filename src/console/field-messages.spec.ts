import { messagesByFirstWord } from './field-messages';

describe('console messages by field', () => {
  it('places a message under the field its first word names, the rest at the top', () => {
    expect(
      messagesByFirstWord(
        [
          'name must be shorter than or equal to 100 characters',
          'property role should not exist',
          'role must be one of the following values: admin',
          'nameless must not appear under name',
          'key limit reached',
          '',
        ],
        ['role', 'name'],
      ),
    ).toEqual({
      errors: {
        name: ['name must be shorter than or equal to 100 characters'],
        role: ['property role should not exist', 'role must be one of the following values: admin'],
      },
      general: ['nameless must not appear under name', 'key limit reached', ''],
    });
  });

  it('keeps every one of many messages, in order', () => {
    const messages = Array.from({ length: 150 }, (_, i) => (i % 2 ? `to bad ${i}` : `x ${i}`));
    const { errors, general } = messagesByFirstWord(messages, ['to']);
    expect(errors.to).toHaveLength(75);
    expect(general).toHaveLength(75);
    expect([...errors.to, ...general].sort()).toEqual([...messages].sort());
  });
});
