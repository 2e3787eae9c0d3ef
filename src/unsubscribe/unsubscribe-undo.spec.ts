import { readUndoToken, UNDO_WINDOW_MS, undoTokenFor } from './unsubscribe-undo';

describe('the signed, time-limited undo of an unsubscribe', () => {
  const secret = 's'.repeat(40);
  const at = new Date('2026-11-23T10:00:00Z');
  const claim = { previous: 'confirmed' as const, eventId: '42', at: at.getTime() / 1000 };
  const token = undoTokenFor(secret, 'link-a', claim);

  it('reads back within the window, under the current or a previous secret', () => {
    expect(readUndoToken([secret], 'link-a', token, at)).toEqual(claim);
    const later = new Date(at.getTime() + UNDO_WINDOW_MS);
    expect(readUndoToken(['other'.repeat(8), secret], 'link-a', token, later)).toEqual(claim);
  });

  it('refuses an expired, altered, foreign or malformed field', () => {
    expect(
      readUndoToken([secret], 'link-a', token, new Date(at.getTime() + UNDO_WINDOW_MS + 1000)),
    ).toBeNull();
    expect(readUndoToken([secret], 'link-b', token, at)).toBeNull();
    expect(readUndoToken(['t'.repeat(40)], 'link-a', token, at)).toBeNull();
    expect(readUndoToken([secret], 'link-a', token.replace('confirmed', 'granted'), at)).toBeNull();
    expect(readUndoToken([secret], 'link-a', token.replace('.42.', '.43.'), at)).toBeNull();
    for (const bad of [undefined, '', 'x', `${token}\u0000`, 'a'.repeat(1000), ['x']])
      expect(readUndoToken([secret], 'link-a', bad, at)).toBeNull();
  });
});
