/**
 * The one poller every resource uses to wait for a status.
 *
 * It polls `get`, backs off between polls (the interval grows by `factor` up to `maxMs`, so a
 * long wait does not hammer the API), reports each change of status once, and ends in one of
 * three ways: `done` returns the value, `failed` throws {@link WaitFailedError}, and the deadline
 * or the signal throws {@link WaitTimeoutError} / {@link AbortedError}. Errors from `get` itself
 * propagate at once: the client has already retried whatever was transient.
 *
 * Waits on resources of a kind share their calls: each resource's `waitFor` keeps its own
 * deadline, progress and failure checks, while a watcher (client/core/watch.ts) (given as the source, a
 * {@link Polled}) decides when the calls happen and serves many waiters with one list.
 */
import { AbortedError, WaitFailedError, WaitTimeoutError } from "./errors";
import { sleep } from "./sleep";

export interface PollInterval {
  /** The first pause between polls. */
  initialMs: number;
  /** The longest pause between polls. */
  maxMs: number;
  /** How much the pause grows after each poll. */
  factor: number;
}

export const DEFAULT_POLL_INTERVAL: Readonly<PollInterval> = {
  initialMs: 1_000,
  maxMs: 10_000,
  factor: 1.5,
};

export interface WaitOptions<T> {
  /** The wanted state was reached; `waitFor` returns the value. */
  done: (value: T) => boolean;
  /**
   * The wanted state can no longer be reached (e.g. FAILED). Returning a string uses it as the
   * reason in the error.
   */
  failed?: (value: T) => boolean | string;
  /**
   * The states worth waiting through. When given, a value that is neither done, failed nor
   * pending fails the wait at once instead of waiting for an unexpected status to change.
   */
  pending?: (value: T) => boolean;
  /** How to name a value's status in progress and errors; default its `status` field. */
  status?: (value: T) => string;
  /** What is awaited, for messages: `pod web to start`. */
  describe?: string;
  /** Absolute deadline: epoch milliseconds or a Date. */
  deadline?: number | Date;
  /** Relative deadline, from the call. With both, the earlier one applies. */
  timeoutMs?: number;
  signal?: AbortSignal;
  /** The pause between polls: a fixed number of milliseconds, or a growing interval. */
  interval?: number | Partial<PollInterval>;
  /** Called with the value and its status on the first poll and whenever the status changes. */
  onProgress?: (value: T, status: string) => void;
}

/**
 * What a watched resource offers `waitFor` in place of a `get` function (see
 * {@link Watcher.of}): the first value, then each next one at most `afterMs` later, when the
 * watcher's shared round comes.
 */
export interface Polled<T> {
  get(options?: PollOptions): Promise<T>;
  next(afterMs: number, options?: PollOptions): Promise<T>;
}

/** What `waitFor` tells a {@link Polled} source with each call. */
export interface PollOptions {
  signal?: AbortSignal;
  /** The wait's deadline (epoch ms), for the calls made to serve it. */
  deadline?: number;
}

/** Polls `get` until `done`, `failed`, the deadline or the signal; see the module comment. */
export async function waitFor<T>(
  source: (() => Promise<T>) | Polled<T>,
  options: WaitOptions<T>,
): Promise<T> {
  const what = options.describe ?? "the resource";
  const statusOf = options.status ?? defaultStatus;
  const deadline = deadlineOf(options);
  const polled = { signal: options.signal, deadline };
  const get = typeof source === "function" ? source : () => source.get(polled);
  const next =
    typeof source === "function" ? undefined : (afterMs: number) => source.next(afterMs, polled);
  const interval = intervalOf(options.interval);
  let pause = interval.initialMs;
  let lastStatus: string | undefined;

  throwIfAborted(options.signal, what, lastStatus);
  let value = await get();
  for (;;) {
    const status = statusOf(value);
    if (status !== lastStatus) {
      lastStatus = status;
      options.onProgress?.(value, status);
    }
    if (options.done(value)) return value;

    const failure = options.failed?.(value);
    if (failure) {
      const reason = typeof failure === "string" ? `: ${failure}` : "";
      throw new WaitFailedError(
        `gave up waiting for ${what}: status ${status}${reason}`,
        what,
        status,
      );
    }
    if (options.pending && !options.pending(value)) {
      throw new WaitFailedError(
        `gave up waiting for ${what}: unexpected status ${status}`,
        what,
        status,
      );
    }

    const remaining = deadline - Date.now();
    if (remaining <= 0) {
      throw new WaitTimeoutError(
        `timed out waiting for ${what}; last status ${status}`,
        what,
        status,
      );
    }
    // The last pause is cut to the deadline, so the final poll happens right at it.
    const wait = Math.min(pause, remaining);
    const stopped = (error: unknown): never => {
      throw AbortedError.isInstance(error) || options.signal?.aborted
        ? aborted(what, lastStatus)
        : error;
    };
    if (next) {
      value = await next(wait).catch(stopped);
    } else {
      await sleep(wait, options.signal).catch(() => {
        throw aborted(what, lastStatus);
      });
      throwIfAborted(options.signal, what, lastStatus);
      value = await get();
    }
    pause = Math.min(interval.maxMs, pause * interval.factor);
  }
}

function defaultStatus(value: unknown): string {
  if (value === undefined || value === null) return "absent";
  if (typeof value === "object" && "status" in value) return String(value.status);
  return String(value);
}

function deadlineOf(options: Pick<WaitOptions<unknown>, "deadline" | "timeoutMs">): number {
  const candidates: number[] = [];
  if (options.deadline !== undefined) {
    candidates.push(
      options.deadline instanceof Date ? options.deadline.getTime() : options.deadline,
    );
  }
  if (options.timeoutMs !== undefined) candidates.push(Date.now() + options.timeoutMs);
  return candidates.length > 0 ? Math.min(...candidates) : Number.POSITIVE_INFINITY;
}

function intervalOf(interval: WaitOptions<unknown>["interval"]): PollInterval {
  if (typeof interval === "number") return { initialMs: interval, maxMs: interval, factor: 1 };
  return { ...DEFAULT_POLL_INTERVAL, ...interval };
}

function throwIfAborted(signal: AbortSignal | undefined, what: string, status?: string): void {
  if (signal?.aborted) throw aborted(what, status);
}

function aborted(what: string, status: string | undefined): AbortedError {
  const last = status === undefined ? "" : `; last status ${status}`;
  return new AbortedError(`stopped waiting for ${what}: aborted${last}`);
}
