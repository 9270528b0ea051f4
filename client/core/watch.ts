/**
 * One watcher per kind of resource and client: every caller of the process that waits for a
 * status, reads a resource or looks its name up is served by shared rounds of calls instead of
 * calls of its own, so a fleet costs the API about what one resource does.
 *
 * - **What a round calls.** A round serves every request pending when it starts. One id alone
 *   is read with a GET; two or more, or any request for the whole list, with one list call. An
 *   id the list lacks is read with a GET before anyone is told it is gone (lists may lag behind
 *   creates), and so is every id when the list call fails: each caller then gets the outcome of
 *   its own GET, as it would without the watcher.
 * - **Fresh, never cached.** A request is served only by a round that starts after it was made,
 *   so what it gets is as fresh as a call of its own; nothing is kept between rounds.
 * - **When rounds run.** A read or a list request is due `gatherMs` after it was made, so the
 *   reads of one deployment step that arrive together share a round. A waiter asks for its next
 *   record after its own pause (see `waitFor`'s `next`). A round starts when the earliest request
 *   is due, but never sooner than `minGapMs` after the last one started, and serves the others
 *   early, so waiters end up observed together, at the pace of the one that polls most often:
 *   N pods waiting for a status cost one list per interval, not N GETs. One round runs at a time.
 */
import { AbortedError, isNotFound } from "./errors";
import type { RequestOptions } from "./http";
import type { Polled } from "./wait";

/**
 * The calls of one kind the watcher makes. Each gets the latest deadline of the requests it
 * serves, so a rate-limited call is retried as long as one of them may still wait.
 */
export interface WatchSource<T> {
  /** Every resource of the kind the list call returns. */
  list(options?: RequestOptions): Promise<T[]>;
  /** One resource by id; rejects as the client does (a not-found error when it is gone). */
  get(id: string, options?: RequestOptions): Promise<T>;
  idOf(resource: T): string;
}

export interface WatcherOptions {
  /** How long a read waits for others to share its round; default 20 ms. */
  gatherMs?: number;
  /**
   * The shortest time between the starts of two rounds; default 500 ms. Requests due sooner
   * wait for it, so a burst of creates, reads or deletes arriving one after another over a
   * second or two shares a few rounds instead of making one each.
   */
  minGapMs?: number;
}

interface Request<T> {
  /** Absent: the whole list. */
  id?: string;
  dueAt: number;
  /** The caller's own deadline (epoch ms), if it has one. */
  deadline?: number;
  resolve: (value: T | T[]) => void;
  reject: (error: unknown) => void;
  signal?: AbortSignal;
  onAbort?: () => void;
}

/** What the watcher has done, for tests and the benchmark. */
export interface WatcherStats {
  rounds: number;
  lists: number;
  gets: number;
}

export const DEFAULT_GATHER_MS = 20;
export const DEFAULT_MIN_GAP_MS = 500;

/** How a wait on one resource starts (see {@link Watcher.of}). */
export interface WatchStart<T> {
  known?: T;
  firstAfterMs?: number;
}

/** What a caller of the watcher may pass. */
export interface WatchOptions {
  signal?: AbortSignal;
  /** The caller's deadline (epoch ms): the calls serving it are retried through 429s until then. */
  deadline?: number;
}

export class Watcher<T> {
  readonly #source: WatchSource<T>;
  readonly #gatherMs: number;
  readonly #minGapMs: number;
  #lastRoundAt = Number.NEGATIVE_INFINITY;
  #pending: Request<T>[] = [];
  #running = false;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #timerDueAt = Number.POSITIVE_INFINITY;
  readonly #stats: WatcherStats = { rounds: 0, lists: 0, gets: 0 };

  constructor(source: WatchSource<T>, options: WatcherOptions = {}) {
    this.#source = source;
    this.#gatherMs = options.gatherMs ?? DEFAULT_GATHER_MS;
    this.#minGapMs = options.minGapMs ?? DEFAULT_MIN_GAP_MS;
  }

  /** The resource as it is now, from the next round; rejects like the client's `get`. */
  get(id: string, options: WatchOptions = {}): Promise<T> {
    return this.#request<T>(id, this.#gatherMs, options);
  }

  /**
   * The resource from a round at most `afterMs` from now (sooner when another caller's round
   * comes first): for a waiter, in place of a pause and a `get`.
   */
  next(id: string, afterMs: number, options: WatchOptions = {}): Promise<T> {
    return this.#request<T>(id, Math.max(0, afterMs), options);
  }

  /** Every resource of the kind, from a list call made after this one was asked for. */
  list(options: WatchOptions = {}): Promise<T[]> {
    return this.#request<T[]>(undefined, this.#gatherMs, options);
  }

  /**
   * One resource as `waitFor`'s source: waiting on it shares the watcher's rounds. With
   * `known` (what a create just answered), the first poll is that value, without a call; with
   * `firstAfterMs` (a delete or an action just sent: nothing has settled yet), the first poll
   * waits that long, like any later one.
   */
  of(id: string, start: WatchStart<T> = {}): Polled<T> {
    let first: WatchStart<T> | undefined = start;
    const initial = (options?: WatchOptions): Promise<T> => {
      const { known, firstAfterMs } = first ?? {};
      first = undefined;
      if (known !== undefined) return Promise.resolve(known);
      if (firstAfterMs !== undefined) return this.next(id, firstAfterMs, options);
      return this.get(id, options);
    };
    return {
      get: (options) => initial(options),
      next: (afterMs, options) => this.next(id, afterMs, options),
    };
  }

  /** The same, with `undefined` once the resource is gone (a GET answered not found). */
  ofOrGone(id: string, start: WatchStart<T> = {}): Polled<T | undefined> {
    const polled = this.of(id, start);
    const unlessGone = (read: Promise<T>): Promise<T | undefined> =>
      read.catch((error: unknown) => {
        if (isNotFound(error)) return undefined;
        throw error;
      });
    return {
      get: (options) => unlessGone(polled.get(options)),
      next: (afterMs, options) => unlessGone(polled.next(afterMs, options)),
    };
  }

  get stats(): Readonly<WatcherStats> {
    return { ...this.#stats };
  }

  #request<R>(id: string | undefined, afterMs: number, options: WatchOptions): Promise<R> {
    const { signal, deadline } = options;
    return new Promise<R>((resolve, reject) => {
      if (signal?.aborted) return reject(aborted(id));
      const request: Request<T> = {
        id,
        dueAt: Date.now() + afterMs,
        deadline: deadline !== undefined && Number.isFinite(deadline) ? deadline : undefined,
        resolve: resolve as (value: T | T[]) => void,
        reject,
        signal,
      };
      if (signal) {
        request.onAbort = () => {
          this.#pending = this.#pending.filter((r) => r !== request);
          reject(aborted(id));
          this.#schedule();
        };
        signal.addEventListener("abort", request.onAbort, { once: true });
      }
      this.#pending.push(request);
      this.#schedule();
    });
  }

  /** Arms the timer for the earliest pending request, unless a round is running. */
  #schedule(): void {
    if (this.#running) return;
    if (this.#pending.length === 0) {
      this.#clearTimer();
      return;
    }
    const dueAt = Math.max(
      Math.min(...this.#pending.map((r) => r.dueAt)),
      this.#lastRoundAt + this.#minGapMs,
    );
    if (this.#timer !== undefined && this.#timerDueAt <= dueAt) return;
    this.#clearTimer();
    this.#timerDueAt = dueAt;
    this.#timer = setTimeout(
      () => {
        this.#timer = undefined;
        this.#timerDueAt = Number.POSITIVE_INFINITY;
        void this.#round();
      },
      Math.max(0, dueAt - Date.now()),
    );
  }

  #clearTimer(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#timerDueAt = Number.POSITIVE_INFINITY;
  }

  async #round(): Promise<void> {
    this.#running = true;
    this.#lastRoundAt = Date.now();
    const batch = this.#pending;
    this.#pending = [];
    for (const request of batch) {
      if (request.onAbort) request.signal?.removeEventListener("abort", request.onAbort);
    }
    this.#stats.rounds++;
    try {
      await this.#serve(batch);
    } finally {
      this.#running = false;
      this.#schedule();
    }
  }

  async #serve(batch: Request<T>[]): Promise<void> {
    const ids = [...new Set(batch.flatMap((r) => (r.id === undefined ? [] : [r.id])))];
    const wholeList = batch.some((r) => r.id === undefined);
    let listed: Map<string, T> | undefined;
    if (wholeList || ids.length > 1) {
      this.#stats.lists++;
      try {
        const resources = await this.#source.list(callOptions(batch));
        listed = new Map(resources.map((r) => [this.#source.idOf(r), r]));
        for (const r of batch) if (r.id === undefined) r.resolve(resources);
      } catch (error) {
        for (const r of batch) if (r.id === undefined) r.reject(error);
      }
    }
    await Promise.all(
      ids.map(async (id) => {
        const waiting = batch.filter((r) => r.id === id);
        const found = listed?.get(id);
        if (found !== undefined) {
          for (const r of waiting) r.resolve(found);
          return;
        }
        this.#stats.gets++;
        try {
          const resource = await this.#source.get(id, callOptions(waiting));
          for (const r of waiting) r.resolve(resource);
        } catch (error) {
          for (const r of waiting) r.reject(error);
        }
      }),
    );
  }
}

/**
 * The options of a call serving `requests`: the latest of their deadlines, or none (the client's
 * own budget) when one of them has no deadline.
 */
function callOptions<T>(requests: Request<T>[]): RequestOptions | undefined {
  const deadlines = requests.map((r) => r.deadline);
  if (deadlines.some((d) => d === undefined)) return undefined;
  return { deadline: Math.max(...(deadlines as number[])) };
}

function aborted(id: string | undefined): AbortedError {
  return new AbortedError(`stopped waiting for ${id === undefined ? "the list" : id}: aborted`);
}
