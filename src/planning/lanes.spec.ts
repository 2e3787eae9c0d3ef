import { laneEnd, laneStarts } from './lanes';

describe('planner lanes', () => {
  it('cut the uuid space into contiguous ranges', () => {
    expect(laneStarts(1)).toEqual([null]);
    expect(laneEnd(0, 1)).toBeNull();
    expect(laneStarts(2)).toEqual([null, '7fffffff-ffff-ffff-ffff-ffffffffffff']);
    expect(laneEnd(0, 2)).toBe('80000000-0000-0000-0000-000000000000');
    expect(laneEnd(1, 2)).toBeNull();
    const starts = laneStarts(3);
    for (let lane = 0; lane < 2; lane++) {
      // The next lane starts (exclusive) just below where this one ends.
      expect(starts[lane + 1]! < laneEnd(lane, 3)!).toBe(true);
      expect(laneEnd(lane, 3)!.slice(0, 8)).toBe(
        (parseInt(starts[lane + 1]!.slice(0, 8), 16) + 1).toString(16).padStart(8, '0'),
      );
    }
  });
});
