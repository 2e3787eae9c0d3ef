import { DomainError } from '../common/domain-error';
import { HTTP_STATUS_OF } from '../common/http-status-of';
import { decodeCursor, encodeCursor } from './audit-filter';

describe('audit cursors', () => {
  it.each(['1', '9', '10', '99', '100', '1000', '9223372036854775807'])(
    'round-trips id %s as the same number',
    (id) => {
      expect(decodeCursor(encodeCursor(id))).toBe(id);
    },
  );

  it.each([
    ['past the largest bigint', encodeCursor('9223372036854775808')],
    ['far past it', encodeCursor('9999999999999999999')],
    ['zero', encodeCursor('0')],
    ['leading zeros', encodeCursor('0010')],
    ['negative', encodeCursor('-1')],
    ['NUL byte', encodeCursor('1\u0000')],
    ['not ours', 'garbage'],
  ])('refuses a cursor %s with a 400 naming the field', (_, cursor) => {
    expect(() => decodeCursor(cursor, 'cursor')).toThrow(DomainError);
    try {
      decodeCursor(cursor, 'cursor');
    } catch (e) {
      expect(HTTP_STATUS_OF[(e as DomainError).kind].status).toBe(400);
      expect((e as DomainError).messages).toEqual(['cursor is not valid']);
    }
  });
});
