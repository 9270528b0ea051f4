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
  /** The longest `Retry-After` honoured; a server asking for more gets this much. */
  maxRetryAfterMs: number;
}

export const DEFAULT_RETRY_POLICY: Readonly<RetryPolicy> = {
  maxRetries: 3,
  baseDelayMs: 500,
  maxDelayMs: 8_000,
  maxRetryAfterMs: 30_000,
};

/**
 * Whether to send the request again after attempt number `attempt` (1-based) failed with
 * `error`.
 */
export function shouldRetry(
  error: unknown,
  attempt: number,
  kind: CallKind,
  maxRetries: number,
): boolean {
  if (attempt > maxRetries) return false;
  if (!YottaError.isInstance(error) || !error.retryable) return false;
  if (kind === "create") return error.kind === "rate_limited";
  return true;
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
 * A `Retry-After` from the server wins, capped at `maxRetryAfterMs`. Otherwise the delay is
 * exponential backoff with "equal jitter": a ceiling of `baseDelayMs * 2^(attempt-1)` (at most
 * `maxDelayMs`), and a delay drawn from its upper half, so clients that failed together spread
 * out while each still waits at least half the ceiling.
 */
export function retryDelayMs(attempt: number, options: DelayOptions): number {
  if (options.retryAfterMs !== undefined && Number.isFinite(options.retryAfterMs)) {
    return Math.min(Math.max(0, options.retryAfterMs), options.maxRetryAfterMs);
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
