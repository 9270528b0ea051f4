import { RateLimiter, View, type Cloud } from "./cloud";
import {
  mergeLimits,
  mergeQuirks,
  mergeTiming,
  DEFAULT_LIMITS,
  DEFAULT_QUIRKS,
  type Limits,
  type Quirks,
  type Timing,
} from "./config";
import { FaultEngine, type Fault } from "./faults";
import { Router } from "./router";
import { TokenBuckets } from "./throttle";
import { Store, type Snapshot } from "./store";
import { KINDS, type Kind } from "./model";
import { RESOURCES } from "./resources";

/** One API request as the log keeps it. */
export interface LoggedRequest {
  seq: number;
  /** Wall-clock time the request arrived (epoch ms). */
  time: number;
  method: string;
  path: string;
  /** Query parameters; a repeated one is joined with commas. */
  query: Record<string, string>;
  /** The parsed body (integers beyond 2^53 as bigint); undefined when there was none. */
  body: unknown;
  /** The body exactly as sent, so a test can check how a value was written. */
  rawBody: string;
  /** The matched route template (`/v2/pods/{id}`), or null when none matched. */
  route: string | null;
  /** HTTP status, or null when the connection was destroyed instead of answered. */
  status: number | null;
  /** The envelope's code, or null when there was no envelope. */
  code: number | null;
  /** The fault that shaped the answer, if any. */
  fault: string | null;
}

export class RequestLog {
  private entries: LoggedRequest[] = [];
  private seq = 0;

  constructor(private readonly capacity: () => number) {}

  add(entry: Omit<LoggedRequest, "seq">): void {
    this.entries.push({ seq: ++this.seq, ...entry });
    const excess = this.entries.length - this.capacity();
    if (excess > 0) this.entries.splice(0, excess);
  }

  all(): LoggedRequest[] {
    return this.entries.map((e) => ({ ...e }));
  }

  clear(): void {
    this.entries = [];
  }
}

export interface Settings {
  timing: Timing;
  quirks: Quirks;
  limits: Limits;
  faults: Fault[];
  seed: number;
}

/** The emulated cloud: records, settings, faults and the request log, without the HTTP server. */
export class Emulator implements Cloud {
  readonly store: Store;
  readonly faults: FaultEngine;
  readonly router = new Router(KINDS.flatMap((kind) => RESOURCES[kind].routes));
  readonly limiter = new RateLimiter();
  /** The per-key limit over the whole API (`limits.requestsPerSecond`). */
  private readonly buckets = new TokenBuckets();
  /** Requests refused by `limits.requestsPerSecond` since the start or the last count reset. */
  throttled = 0;
  readonly log = new RequestLog(() => this.limits.requestLogSize);
  timing: Timing;
  quirks: Quirks;
  limits: Limits;
  /** API requests the server has started and not yet finished (answered, dropped or reset). */
  private inFlight = 0;
  private idleWaiters: Array<() => void> = [];

  constructor(
    private readonly initial: Settings,
    snapshot?: Snapshot,
  ) {
    this.timing = { ...initial.timing };
    this.quirks = { ...initial.quirks };
    this.limits = { ...initial.limits };
    this.faults = new FaultEngine(initial.seed);
    this.faults.set(initial.faults);
    this.store = new Store(snapshot);
    for (const kind of KINDS) this.registerStepsOf(kind);
  }

  private registerStepsOf<K extends Kind>(kind: K): void {
    const step = RESOURCES[kind].step;
    if (step) this.store.onStep(kind, step(this));
  }

  view(): View {
    return new View(this.quirks);
  }

  /** An empty cloud with the settings the emulator started with, and an empty log. */
  reset(): void {
    this.store.clear();
    this.timing = { ...this.initial.timing };
    this.quirks = { ...this.initial.quirks };
    this.limits = { ...this.initial.limits };
    this.faults.set(this.initial.faults);
    this.faults.reseed(this.initial.seed);
    this.buckets.clear();
    this.faults.clearCounts();
    this.throttled = 0;
    this.log.clear();
  }

  /**
   * Takes a token from the key's bucket under `limits.requestsPerSecond`; when the bucket is
   * empty, the whole seconds until the next token (for `Retry-After`), else undefined.
   */
  throttle(apiKey: string): number | undefined {
    const { requestsPerSecond, burst } = this.limits;
    if (requestsPerSecond <= 0) return undefined;
    // A bucket below one token could never admit a request.
    const size = Math.max(1, burst > 0 ? burst : requestsPerSecond);
    const taken = this.buckets.take(apiKey, this.store.now(), requestsPerSecond, size);
    if (taken.allowed) return undefined;
    this.throttled++;
    return taken.retryAfterSeconds;
  }

  /** Runs one API request, counted as in flight until it settles. */
  async track(request: () => Promise<void>): Promise<void> {
    this.inFlight++;
    try {
      await request();
    } finally {
      this.inFlight--;
      if (this.inFlight === 0) for (const wake of this.idleWaiters.splice(0)) wake();
    }
  }

  /** Resolves once no API request is in flight (at once when none is). */
  idle(): Promise<void> {
    if (this.inFlight === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  setTiming(patch: unknown): Timing {
    this.timing = mergeTiming(this.timing, patch);
    return { ...this.timing };
  }

  setQuirks(patch: unknown): Quirks {
    this.quirks = mergeQuirks(this.quirks, patch);
    return { ...this.quirks };
  }

  setLimits(patch: unknown): Limits {
    this.limits = mergeLimits(this.limits, patch);
    // New limits start every key with a full bucket.
    this.buckets.clear();
    return { ...this.limits };
  }
}

/** Settings from partial options, checked the same way the admin API checks them. */
export function settingsFrom(
  options: {
    timing?: Partial<Timing>;
    quirks?: Partial<Quirks>;
    limits?: Partial<Limits>;
    faults?: Fault[];
    seed?: number;
  },
  baseTiming: Timing,
): Settings {
  return {
    timing: mergeTiming(baseTiming, options.timing),
    quirks: mergeQuirks(DEFAULT_QUIRKS, options.quirks),
    limits: mergeLimits(DEFAULT_LIMITS, options.limits),
    faults: options.faults ?? [],
    seed: options.seed ?? 1,
  };
}
