import { isDomainError } from '../common/domain-error';
import { decodeCursor, encodeCursor } from './campaign-cursor';

describe('campaign list cursor', () => {
  const id = '0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b';

  it('reads back what it wrote', () => {
    const at = new Date('2026-11-23T12:00:00.000Z');
    expect(decodeCursor(encodeCursor(at, id))).toEqual([at.toISOString(), id]);
  });

  it.each(['', 'not base64 json', Buffer.from('[1, 2]').toString('base64url')])(
    'refuses %j as invalid',
    (cursor) => {
      let err: unknown;
      try {
        decodeCursor(cursor);
      } catch (e) {
        err = e;
      }
      expect(isDomainError(err, 'invalid')).toBe(true);
      expect((err as { messages: string[] }).messages).toEqual(['cursor is not valid']);
    },
  );
});
