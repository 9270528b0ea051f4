/** A small seeded generator (mulberry32): the same seed gives the same fault decisions. */
export class SeededRandom {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** A float in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** True with the given probability. */
  chance(rate: number): boolean {
    if (rate >= 1) return true;
    if (rate <= 0) return false;
    return this.next() < rate;
  }

  /** An integer in [min, max]. */
  between(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }
}

// Snowflake-style: milliseconds since this epoch, shifted left, plus a sequence. With a 2020
// epoch the ids have 18-19 digits, like the real ones (e.g. 378888638324150969).
const EPOCH_MS = 1_577_836_800_000n;
const SEQUENCE_BITS = 22n;

/**
 * Issues int64 ids as decimal strings: increasing, unique across restarts (the last id is
 * persisted), always above 2^53, and never exactly representable as a double, so a client that
 * parses them with `JSON.parse` gets a visibly wrong value instead of a lucky right one.
 */
export class IdGenerator {
  constructor(private last = 0n) {}

  next(nowMs: number = Date.now()): string {
    let id = (BigInt(nowMs) - EPOCH_MS) << SEQUENCE_BITS;
    if (id <= this.last) id = this.last + 1n;
    while (BigInt(Number(id)) === id) id++;
    this.last = id;
    return id.toString();
  }

  get lastIssued(): string {
    return this.last.toString();
  }
}

/** A stable small number derived from an id, for addresses and ports that must not drift. */
export function idHash(id: string, modulo: number): number {
  return Number(BigInt(id) % BigInt(modulo));
}
