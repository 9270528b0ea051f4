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

export {
  Pods,
  Pod,
  PodCreate,
  PodPort,
  PodVolume,
  POD_STATUSES,
  isPodPaused,
  normalizePodStatus,
} from "./resources/pods";
export type { PodStatus, PodListFilter } from "./resources/pods";

export {
  Endpoints,
  Tasks,
  Endpoint,
  EndpointCreate,
  EndpointUpdate,
  EndpointResource,
  Worker,
  WorkerLogQuery,
  WorkerLogPage,
  Task,
  TaskSubmit,
  TaskSubmitted,
  TaskCount,
  ENDPOINT_STATUSES,
  SERVICE_MODES,
  TASK_STATUSES,
} from "./resources/endpoints";
export type {
  EndpointStatus,
  ServiceMode,
  TaskStatus,
  EndpointListFilter,
  TaskListFilter,
} from "./resources/endpoints";

export {
  Volumes,
  Volume,
  VolumeCreate,
  STORAGE_TYPES,
  VENDOR_VOLUME_TYPES,
  VOLUME_STATUSES,
} from "./resources/volumes";
export type { StorageType, VolumeStatus, VolumeListFilter } from "./resources/volumes";

export {
  Credentials,
  Credential,
  CredentialCreate,
  CredentialUpdate,
  CREDENTIAL_TYPES,
} from "./resources/credentials";
export type { CredentialType } from "./resources/credentials";

export { Vms, Vm, VmCreate, VmType, VM_STATUSES } from "./resources/vms";
export type { VmStatus, VmListFilter } from "./resources/vms";
