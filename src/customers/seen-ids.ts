/**
 * The externalIds of one import and the line each first appeared on, kept outside the JS heap:
 * their UTF-16 code units (lossless, unlike UTF-8 for lone surrogates) in one growing Buffer, an open-addressing hash table in typed arrays. A
 * Map<string, number> of a million ids is ~80 MB of small heap objects that every full garbage
 * collection walks again; this is ~30 MB the collector never looks into.
 */
export class SeenIds {
  private bytes = Buffer.allocUnsafe(1 << 20);
  private used = 0;
  // Per entry: where its bytes start, how many, its hash and its line.
  private starts = new Uint32Array(1 << 14);
  private lengths = new Uint32Array(1 << 14);
  private hashes = new Uint32Array(1 << 14);
  private lines = new Uint32Array(1 << 14);
  private count = 0;
  /** Entry index + 1 per slot, 0 when empty; size a power of two, at most half full. */
  private slots = new Uint32Array(1 << 15);

  get size(): number {
    return this.count;
  }

  /** The line `id` was first seen on; or, the first time, remembers `line` and returns undefined. */
  firstLine(id: string, line: number): number | undefined {
    // The candidate's bytes go after the last entry; they stay there only if the id is new.
    this.reserve(id.length * 2);
    const start = this.used;
    const length = this.bytes.write(id, start, 'utf16le');
    const hash = fnv1a(this.bytes, start, start + length);
    const mask = this.slots.length - 1;
    for (let slot = hash & mask; ; slot = (slot + 1) & mask) {
      const entry = this.slots[slot];
      if (entry === 0) {
        this.add(slot, start, length, hash, line);
        return undefined;
      }
      const e = entry - 1;
      if (this.hashes[e] === hash && this.lengths[e] === length && this.same(e, start, length)) {
        return this.lines[e];
      }
    }
  }

  private same(e: number, start: number, length: number): boolean {
    const other = this.starts[e];
    for (let i = 0; i < length; i++) {
      if (this.bytes[other + i] !== this.bytes[start + i]) return false;
    }
    return true;
  }

  private add(slot: number, start: number, length: number, hash: number, line: number): void {
    if (this.count === this.starts.length) {
      this.starts = grow(this.starts);
      this.lengths = grow(this.lengths);
      this.hashes = grow(this.hashes);
      this.lines = grow(this.lines);
    }
    const e = this.count++;
    this.starts[e] = start;
    this.lengths[e] = length;
    this.hashes[e] = hash;
    this.lines[e] = line;
    this.used += length;
    this.slots[slot] = e + 1;
    if (this.count * 2 > this.slots.length) this.rehash();
  }

  private reserve(extra: number): void {
    if (this.used + extra <= this.bytes.length) return;
    const bigger = Buffer.allocUnsafe(Math.max(this.bytes.length * 2, this.used + extra));
    this.bytes.copy(bigger, 0, 0, this.used);
    this.bytes = bigger;
  }

  private rehash(): void {
    const slots = new Uint32Array(this.slots.length * 2);
    const mask = slots.length - 1;
    for (let e = 0; e < this.count; e++) {
      let slot = this.hashes[e] & mask;
      while (slots[slot] !== 0) slot = (slot + 1) & mask;
      slots[slot] = e + 1;
    }
    this.slots = slots;
  }
}

function grow(a: Uint32Array<ArrayBuffer>): Uint32Array<ArrayBuffer> {
  const b = new Uint32Array(a.length * 2);
  b.set(a);
  return b;
}

/** 32-bit FNV-1a of bytes [from, to). */
function fnv1a(bytes: Buffer, from: number, to: number): number {
  let h = 0x811c9dc5;
  for (let i = from; i < to; i++) h = Math.imul(h ^ bytes[i], 0x01000193);
  return h >>> 0;
}
