/**
 * The Yotta Labs API client. Knows HTTP and the API, nothing of Pulumi: the providers, the
 * lookups, the drift tooling and users' own scripts all use it.
 *
 * ```ts
 * const yotta = new YottaClient({ apiKey: process.env.YOTTA_API_KEY });
 * const pod = await yotta.pods.create({ name: "train", image: "pytorch/pytorch", gpuType: "NVIDIA_RTX_4090_24G", gpuCount: 1 });
 * await waitFor(() => yotta.pods.get(pod.id), { done: (p) => p.status === "RUNNING", timeoutMs: 600_000 });
 * ```
 */
export {
  YottaClient,
  DEFAULT_BASE_URL,
  DEFAULT_TIMEOUT_MS,
  DEFAULT_MAX_RESPONSE_BYTES,
  isLoopback,
} from "./client";
export type { YottaClientOptions } from "./client";

export {
  YottaError,
  NotFoundError,
  InvalidParamsError,
  BusyError,
  NotAllowedError,
  RateLimitedError,
  ServerError,
  AuthError,
  ConnectionError,
  TimeoutError,
  AbortedError,
  ResponseValidationError,
  ConfigError,
  WaitTimeoutError,
  WaitFailedError,
  ResponseCode,
  errorFromResponse,
  isNotFound,
  isBusy,
  isNotAllowed,
  isInvalidParams,
  isRateLimited,
  isRetryable,
} from "./core/errors";
export type { ErrorKind, FailedResponse, YottaErrorDetails } from "./core/errors";

export { waitFor, DEFAULT_POLL_INTERVAL } from "./core/wait";
export type { WaitOptions, PollInterval, Polled, PollOptions } from "./core/wait";
export { Watcher, DEFAULT_GATHER_MS, DEFAULT_MIN_GAP_MS } from "./core/watch";
export type {
  WatchSource,
  WatcherOptions,
  WatcherStats,
  WatchOptions,
  WatchStart,
} from "./core/watch";

export {
  shouldRetry,
  planRetry,
  retryDelayMs,
  parseRetryAfter,
  DEFAULT_RETRY_POLICY,
  RETRY_AFTER_JITTER,
} from "./core/retry";
export type { CallKind, RetryPolicy, RetryState, RetryPlan, DelayOptions } from "./core/retry";

export { Paginated, DEFAULT_PAGE_SIZE } from "./core/paginate";
export type { Page } from "./core/paginate";
export type { RequestOptions } from "./core/http";
export { redact } from "./core/logging";
export type { DebugSink } from "./core/logging";
export { parseJson } from "./core/json";

// Each kind's collection class, records, requests and enums (client/kinds.ts).
export * from "./kinds";
