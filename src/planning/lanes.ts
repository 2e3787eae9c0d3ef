// A step's customer id space (uuids) is cut into lanes planned side by side, one connection each.

const hex8 = (n: number) => n.toString(16).padStart(8, '0');
const laneBoundary = (lane: number, lanes: number) => Math.floor((lane * 0x1_0000_0000) / lanes);

/** Where each lane's keyset starts (exclusive): null, then the uuid just below each boundary. */
export function laneStarts(lanes: number): (string | null)[] {
  return Array.from({ length: lanes }, (_, lane) =>
    lane === 0 ? null : `${hex8(laneBoundary(lane, lanes) - 1)}-ffff-ffff-ffff-ffffffffffff`,
  );
}

/** The first uuid past a lane (exclusive end), or null for the last lane. */
export function laneEnd(lane: number, lanes: number): string | null {
  return lane === lanes - 1
    ? null
    : `${hex8(laneBoundary(lane + 1, lanes))}-0000-0000-0000-000000000000`;
}
