import { IdGenerator } from "./random";
import { KINDS, type AnyRecord, type Kind, type RecordOf, type Step } from "./model";

/** The step that removes a record for good; `settle` does not wait for it. */
export const PURGE = "purge";

export type StepHandler = (record: AnyRecord, step: Step) => void;

interface Due {
  at: number;
  kind: Kind;
  id: string;
}

/** The records of the cloud as the state file holds them. */
export interface Snapshot {
  clockOffsetMs: number;
  lastId: string;
  records: { [K in Kind]: RecordOf[K][] };
}

/**
 * All records, by kind in creation order, plus the emulator's clock and its schedule of
 * lifecycle steps. A min-heap of due times keeps `tick` cheap with many records: it touches only
 * records with a step that is due.
 */
export class Store {
  private maps = emptyMaps();
  private due: Due[] = [];
  private handlers: Partial<Record<Kind, StepHandler>> = {};
  private ids: IdGenerator;
  /** How far the emulator's clock runs ahead of the wall clock (moved by `advance`). */
  private clockOffsetMs = 0;
  /** While frozen, the clock moves only by `advance`. */
  private frozenAt: number | null = null;
  /** Set by every change; the server saves the state file when it is set. */
  dirty = false;

  constructor(snapshot?: Snapshot) {
    this.ids = new IdGenerator(snapshot ? BigInt(snapshot.lastId) : 0n);
    if (snapshot) {
      this.clockOffsetMs = snapshot.clockOffsetMs;
      for (const kind of KINDS) {
        for (const record of snapshot.records[kind]) this.insert(record);
      }
      this.dirty = false;
    }
  }

  onStep<K extends Kind>(kind: K, handler: (record: RecordOf[K], step: Step) => void): void {
    this.handlers[kind] = handler as StepHandler;
  }

  now(): number {
    return this.frozenAt ?? Date.now() + this.clockOffsetMs;
  }

  /** Stops the clock, so a test can step through transitions to the millisecond. */
  freeze(): void {
    this.frozenAt ??= this.now();
  }

  /** Lets the clock run again from where it stands. */
  unfreeze(): void {
    if (this.frozenAt === null) return;
    this.clockOffsetMs = this.frozenAt - Date.now();
    this.frozenAt = null;
  }

  newId(): string {
    return this.ids.next();
  }

  get<K extends Kind>(kind: K, id: string): RecordOf[K] | undefined {
    return this.maps[kind].get(id) as RecordOf[K] | undefined;
  }

  list<K extends Kind>(kind: K): RecordOf[K][] {
    return [...this.maps[kind].values()] as RecordOf[K][];
  }

  count(kind: Kind): number {
    return this.maps[kind].size;
  }

  insert(record: AnyRecord): void {
    (this.maps[record.kind] as Map<string, AnyRecord>).set(record.id, record);
    this.enqueue(record);
    this.dirty = true;
  }

  remove(kind: Kind, id: string): void {
    if (this.maps[kind].delete(id)) this.dirty = true;
  }

  /** Records that a record changed outside a step (so the state file is written). */
  touch(record: AnyRecord): void {
    record.updatedAt = this.now();
    this.dirty = true;
  }

  /**
   * Adds steps to a record's schedule. `replace` drops the steps still pending first: a new
   * action (delete during start-up, say) supersedes the old timeline.
   */
  schedule(record: AnyRecord, steps: Step[], options: { replace?: boolean } = {}): void {
    if (options.replace) record.pending = [];
    for (const step of steps) {
      let i = record.pending.length;
      while (i > 0 && (record.pending[i - 1] as Step).at > step.at) i--;
      record.pending.splice(i, 0, step);
    }
    this.enqueue(record);
    this.dirty = true;
  }

  /** Applies every step that is due by now, in time order per record. */
  tick(): void {
    const now = this.now();
    while (this.due.length > 0 && (this.due[0] as Due).at <= now) {
      const entry = this.popDue();
      const record = this.get(entry.kind, entry.id);
      if (!record) continue;
      const handler = this.handlers[record.kind];
      while (record.pending.length > 0 && (record.pending[0] as Step).at <= now) {
        const step = record.pending.shift() as Step;
        handler?.(record, step);
        this.dirty = true;
        if (this.get(record.kind, record.id) !== record) break;
      }
      if (this.get(record.kind, record.id) === record) this.enqueue(record);
    }
  }

  /** Moves the clock forward and applies what became due. */
  advance(ms: number): void {
    if (this.frozenAt !== null) this.frozenAt += ms;
    else this.clockOffsetMs += ms;
    this.dirty = true;
    this.tick();
  }

  /**
   * Moves the clock forward step by step until no lifecycle is in progress. Retention purges
   * are not waited for: settled means "every transition finished", not "history forgotten".
   * Returns the milliseconds the clock moved.
   */
  settle(): number {
    const start = this.now();
    this.tick();
    for (;;) {
      let next = Infinity;
      for (const map of Object.values(this.maps)) {
        for (const record of map.values()) {
          const first = record.pending[0];
          if (first && first.action !== PURGE && first.at < next) next = first.at;
        }
      }
      if (next === Infinity) break;
      this.advance(Math.max(0, next - this.now()));
    }
    return this.now() - start;
  }

  /** The records as they are now: live objects, to be serialized at once, not kept. */
  snapshot(): Snapshot {
    return {
      clockOffsetMs: this.now() - Date.now(),
      lastId: this.ids.lastIssued,
      records: Object.fromEntries(
        KINDS.map((kind) => [kind, this.list(kind)]),
      ) as Snapshot["records"],
    };
  }

  /** Forgets every record (the clock offset stays: time never runs backwards). */
  clear(): void {
    this.maps = emptyMaps();
    this.due = [];
    this.dirty = true;
  }

  private enqueue(record: AnyRecord): void {
    const first = record.pending[0];
    if (!first) return;
    this.due.push({ at: first.at, kind: record.kind, id: record.id });
    let i = this.due.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if ((this.due[parent] as Due).at <= (this.due[i] as Due).at) break;
      this.swap(i, parent);
      i = parent;
    }
  }

  private popDue(): Due {
    const top = this.due[0] as Due;
    const last = this.due.pop() as Due;
    if (this.due.length > 0) {
      this.due[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let smallest = i;
        if (l < this.due.length && (this.due[l] as Due).at < (this.due[smallest] as Due).at) {
          smallest = l;
        }
        if (r < this.due.length && (this.due[r] as Due).at < (this.due[smallest] as Due).at) {
          smallest = r;
        }
        if (smallest === i) break;
        this.swap(i, smallest);
        i = smallest;
      }
    }
    return top;
  }

  private swap(a: number, b: number): void {
    const t = this.due[a] as Due;
    this.due[a] = this.due[b] as Due;
    this.due[b] = t;
  }
}

function emptyMaps(): { [K in Kind]: Map<string, RecordOf[K]> } {
  return Object.fromEntries(KINDS.map((kind) => [kind, new Map()])) as {
    [K in Kind]: Map<string, RecordOf[K]>;
  };
}
