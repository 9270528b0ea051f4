/**
 * The retry policy, as pure functions the transport applies and tests drive without sleeping.
 *
 * What is retried depends on what the call does, not only on its HTTP method:
 * - reads, deletes, updates (PATCH/PUT) and actions are retried on transient failures (429,
 *   10002, 24000, 5xx, connection errors, timeouts). Actions are POSTs (pause, resume, stop,
 *   start, rename, resize), but each one names a target state, so sending it twice lands in the
 *   same place as sending it once; a second send that finds the work already under way answers
 *   12001 (busy), which is not retried here and goes back to the caller.
 * - creates are never retried after an ambiguous failure (a 5xx, a cut connection, a timeout):
 *   the first request may have made the resource, and a blind second one would make another, a
 *   second GPU billing by the hour. The caller looks the resource up by name (every resource has
 *   `findByName`) and decides. The one exception is a rate-limit answer: a 429 says the request
 *   was turned away unprocessed, so sending it again cannot duplicate anything.
 * - busy (12001) is never retried here: only the caller knows which status to wait for.
 *
 * How long: a rate limit is a refusal made before any work, so it is retried for as long as the
 * next attempt starts before the call's deadline (`RequestOptions.deadline`, else
 * `rateLimitBudgetMs` from the call's start), not `maxRetries` times. Every other failure keeps
 * the `maxRetries` bound, and, when the caller gave a deadline, no retry starts after it either.
 */
import { YottaError } from "./errors";

/** What a call does; decides whether a failed attempt may be sent again. */
export type CallKind = "read" | "create" | "action" | "update" | "delete";

export interface RetryPolicy {
  /** Retries after the first attempt; 0 disables retrying. */
  maxRetries: number;
  /** The backoff ceiling of the first retry; it doubles with each further retry. */
  baseDelayMs: number;
  /** The largest backoff ceiling. */
  maxDelayMs: number;
  /**
   * The longest `Retry-After` honoured; a server asking for more gets this much (plus the
   * jitter, see {@link retryDelayMs}).
   */
  maxRetryAfterMs: number;
  /**
   * How long, from the call's start, a rate-limited call keeps being retried when the caller
   * gave no deadline.
   */
  rateLimitBudgetMs: number;
}

export const DEFAULT_RETRY_POLICY: Readonly<RetryPolicy> = {
  maxRetries: 3,
  baseDelayMs: 500,
  maxDelayMs: 8_000,
  maxRetryAfterMs: 30_000,
  rateLimitBudgetMs: 5 * 60_000,
};

/** The share of a `Retry-After` added on top of it at random, so waiting clients spread out. */
export const RETRY_AFTER_JITTER = 0.2;

/**
 * Whether `error` may be followed by another attempt of a `kind` call, where `attempt` (1-based)
 * counts the failures that were not rate limits. A rate limit passes whatever the count (its
 * bound is the deadline, see {@link planRetry}); `maxRetries` 0 turns retrying off altogether.
 */
export function shouldRetry(
  error: unknown,
  attempt: number,
  kind: CallKind,
  maxRetries: number,
): boolean {
  if (maxRetries === 0) return false;
  if (!YottaError.isInstance(error) || !error.retryable) return false;
  if (error.kind === "rate_limited") return true;
  if (attempt > maxRetries) return false;
  return kind !== "create";
}

export interface RetryState {
  kind: CallKind;
  /** Failed attempts so far that were not rate limits. */
  failures: number;
  /** Rate-limit answers so far. */
  rateLimits: number;
  /** When the call started and what time it is now (epoch ms). */
  startedMs: number;
  nowMs: number;
  /** The caller's deadline (epoch ms): no retry starts at or after it. */
  deadlineMs?: number;
}

export type RetryPlan =
  | { retry: true; delayMs: number }
  /** `pastDeadline`: the error could be retried, but the next attempt would start too late. */
  | { retry: false; pastDeadline: boolean };

/**
 * What to do after an attempt failed with `error`, the counts in `state` already including it:
 * wait `delayMs` and send again, or give the error to the caller.
 */
export function planRetry(
  error: unknown,
  state: RetryState,
  policy: RetryPolicy,
  random: () => number,
): RetryPlan {
  const rateLimited = YottaError.isInstance(error) && error.kind === "rate_limited";
  if (!shouldRetry(error, state.failures, state.kind, policy.maxRetries)) {
    return { retry: false, pastDeadline: false };
  }
  const delayMs = retryDelayMs(rateLimited ? state.rateLimits : state.failures, {
    ...policy,
    retryAfterMs: YottaError.isInstance(error) ? error.retryAfterMs : undefined,
    random,
  });
  const deadline =
    state.deadlineMs ?? (rateLimited ? state.startedMs + policy.rateLimitBudgetMs : undefined);
  if (deadline !== undefined && state.nowMs + delayMs >= deadline) {
    return { retry: false, pastDeadline: true };
  }
  return { retry: true, delayMs };
}

export interface DelayOptions {
  baseDelayMs: number;
  maxDelayMs: number;
  maxRetryAfterMs: number;
  /** What the server asked for, parsed from `Retry-After`. */
  retryAfterMs?: number;
  /** A source of numbers in [0, 1); `Math.random` in the client, fixed in tests. */
  random: () => number;
}

/**
 * How long to wait before retry number `attempt` (1-based).
 *
 * A `Retry-After` from the server wins, capped at `maxRetryAfterMs`, and up to
 * {@link RETRY_AFTER_JITTER} of it is added at random: never sooner than the server asked, and
 * calls turned away together do not all come back in the same instant. Otherwise the delay is
 * exponential backoff with "equal jitter": a ceiling of `baseDelayMs * 2^(attempt-1)` (at most
 * `maxDelayMs`), and a delay drawn from its upper half, so clients that failed together spread
 * out while each still waits at least half the ceiling.
 */
export function retryDelayMs(attempt: number, options: DelayOptions): number {
  if (options.retryAfterMs !== undefined && Number.isFinite(options.retryAfterMs)) {
    const asked = Math.min(Math.max(0, options.retryAfterMs), options.maxRetryAfterMs);
    return Math.ceil(asked + options.random() * asked * RETRY_AFTER_JITTER);
  }
  const exponent = Math.max(0, attempt - 1);
  const ceiling = Math.min(options.maxDelayMs, options.baseDelayMs * 2 ** exponent);
  const half = ceiling / 2;
  return Math.round(half + options.random() * half);
}

/**
 * Reads a `Retry-After` header: delay-seconds (`"2"`, `"0.5"`) or an HTTP date. Returns
 * milliseconds from `nowMs`, or undefined when the header is absent or unreadable.
 */
export function parseRetryAfter(header: string | undefined, nowMs: number): number | undefined {
  if (header === undefined) return undefined;
  const text = header.trim();
  if (text === "") return undefined;
  if (/^\d+(\.\d+)?$/.test(text)) return Math.round(Number(text) * 1000);
  const date = Date.parse(text);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - nowMs);
}
