/**
 * The client's errors: one small hierarchy, made by one factory from what came back.
 *
 * Every error carries a `kind` (a stable string), the API `code` and HTTP `status` when there was
 * a response, the `call` that failed (`pods.get`), and whether retrying could help. Callers
 * branch on `kind`/`code` or the static `isInstance` helpers, never on bare `instanceof`: the
 * provider process can load two copies of this module (the program's and the provider's), and an
 * error made by one is not an `instanceof` the other's classes.
 *
 * No error ever holds the API key: messages are built here from the call name, the status, the
 * code and the server's message, and the transport scrubs the key out of server messages before
 * they reach this module.
 */

/** The documented response codes (docs/api.md §1). */
export const ResponseCode = {
  SUCCESS: 10000,
  INVALID_PARAMS: 10001,
  SYSTEM_ERROR: 10002,
  RECORD_NOT_EXIST: 10007,
  VM_NOT_FOUND: 11000,
  VM_STATUS_INVALID: 11001,
  VM_NO_TERMINATE_PERMISSION: 11002,
  STATUS_INVALID: 12001,
  POD_NOT_FOUND: 13000,
  ENDPOINT_NOT_FOUND: 14000,
  SERVERLESS_UNAVAILABLE: 24000,
  SERVERLESS_NOT_EXIST: 24001,
  ACTION_NOT_ALLOWED: 24002,
  TASK_NOT_EXIST: 24011,
  TOO_MANY_REQUESTS: 429,
} as const;

export type ErrorKind =
  | "api"
  | "not_found"
  | "invalid_params"
  | "busy"
  | "not_allowed"
  | "rate_limited"
  | "server"
  | "auth"
  | "connection"
  | "timeout"
  | "aborted"
  | "response_validation"
  | "config"
  | "wait_timeout"
  | "wait_failed";

// A registry-wide symbol, so an error made by another copy of this module is still recognized.
const BRAND = Symbol.for("pulumi-yotta.client.YottaError");

export interface YottaErrorDetails {
  /** The client call that failed, e.g. `pods.get`. */
  call?: string;
  /** The API's `code` from the response envelope. */
  code?: number;
  /** The HTTP status, when a response arrived. */
  status?: number;
  /** How long the server asked us to wait (`Retry-After`), in milliseconds. */
  retryAfterMs?: number;
  /** For a create that succeeded but whose answer did not fit: the new resource's id. */
  createdId?: string;
  cause?: unknown;
}

/** The base of every error the client throws. `kind` tells them apart. */
export class YottaError extends Error {
  readonly kind: ErrorKind = "api";
  readonly call: string | undefined;
  readonly code: number | undefined;
  readonly status: number | undefined;
  readonly retryAfterMs: number | undefined;
  /** Whether the same request may succeed if sent again later. */
  readonly retryable: boolean = false;

  constructor(message: string, details: YottaErrorDetails = {}) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.call = details.call;
    this.code = details.code;
    this.status = details.status;
    this.retryAfterMs = details.retryAfterMs;
    Object.defineProperty(this, BRAND, { value: true });
    Object.defineProperty(this, "name", { value: new.target.name, configurable: true });
  }

  /** True for any error thrown by this client, from whichever copy of the module. */
  static isInstance(error: unknown): error is YottaError {
    return (
      typeof error === "object" &&
      error !== null &&
      (error as Record<symbol, unknown>)[BRAND] === true
    );
  }
}

function hasKind(error: unknown, kind: ErrorKind): boolean {
  return YottaError.isInstance(error) && error.kind === kind;
}

/** The record does not exist (codes 10007, 11000, 13000, 14000, 24001, 24011). */
export class NotFoundError extends YottaError {
  override readonly kind = "not_found";
  static override isInstance(error: unknown): error is NotFoundError {
    return hasKind(error, "not_found");
  }
}

/** The server rejected the parameters (code 10001), or the client did before sending. */
export class InvalidParamsError extends YottaError {
  override readonly kind = "invalid_params";
  static override isInstance(error: unknown): error is InvalidParamsError {
    return hasKind(error, "invalid_params");
  }
}

/**
 * The resource's status does not allow the action yet (12001; 11001 for VMs). The client does not
 * retry it itself: only the caller knows which status to wait for before trying again.
 */
export class BusyError extends YottaError {
  override readonly kind = "busy";
  static override isInstance(error: unknown): error is BusyError {
    return hasKind(error, "busy");
  }
}

/** The action is not allowed in the resource's state or for this account (24002, 11002). */
export class NotAllowedError extends YottaError {
  override readonly kind = "not_allowed";
  static override isInstance(error: unknown): error is NotAllowedError {
    return hasKind(error, "not_allowed");
  }
}

/** Too many requests (HTTP 429 or code 429). */
export class RateLimitedError extends YottaError {
  override readonly kind = "rate_limited";
  override readonly retryable = true;
  static override isInstance(error: unknown): error is RateLimitedError {
    return hasKind(error, "rate_limited");
  }
}

/** The service failed (10002, 24000, HTTP 5xx). */
export class ServerError extends YottaError {
  override readonly kind = "server";
  override readonly retryable = true;
  static override isInstance(error: unknown): error is ServerError {
    return hasKind(error, "server");
  }
}

/** The API key was missing or refused. */
export class AuthError extends YottaError {
  override readonly kind = "auth";
  static override isInstance(error: unknown): error is AuthError {
    return hasKind(error, "auth");
  }
}

/** No response: the connection failed or was cut. A create may or may not have happened. */
export class ConnectionError extends YottaError {
  override readonly kind = "connection";
  override readonly retryable = true;
  static override isInstance(error: unknown): error is ConnectionError {
    return hasKind(error, "connection");
  }
}

/** No complete response within the request timeout. A create may or may not have happened. */
export class TimeoutError extends YottaError {
  override readonly kind = "timeout";
  override readonly retryable = true;
  static override isInstance(error: unknown): error is TimeoutError {
    return hasKind(error, "timeout");
  }
}

/** The caller's AbortSignal fired. */
export class AbortedError extends YottaError {
  override readonly kind = "aborted";
  static override isInstance(error: unknown): error is AbortedError {
    return hasKind(error, "aborted");
  }
}

/**
 * A response did not fit its schema; the message names the call and the field.
 *
 * From a create, `createdId` tells the two outcomes apart: set, the server made the resource (it
 * answered code 10000 and named the id) but neither its answer nor a read-back by that id fits,
 * and the resource bills all the same; unset, no id could be read at all, and whether anything
 * was made is unknown (look it up by name).
 */
export class ResponseValidationError extends YottaError {
  override readonly kind = "response_validation";
  readonly createdId: string | undefined;

  constructor(message: string, details: YottaErrorDetails = {}) {
    super(message, details);
    this.createdId = details.createdId;
  }

  static override isInstance(error: unknown): error is ResponseValidationError {
    return hasKind(error, "response_validation");
  }
}

/** The client was set up wrongly (a missing key, a plain-HTTP URL to a remote host, ...). */
export class ConfigError extends YottaError {
  override readonly kind = "config";
  static override isInstance(error: unknown): error is ConfigError {
    return hasKind(error, "config");
  }
}

/** A {@link waitFor} ran out of time; `lastStatus` is what the resource said last. */
export class WaitTimeoutError extends YottaError {
  override readonly kind = "wait_timeout";
  constructor(
    message: string,
    readonly what: string,
    readonly lastStatus: string | undefined,
  ) {
    super(message);
  }
  static override isInstance(error: unknown): error is WaitTimeoutError {
    return hasKind(error, "wait_timeout");
  }
}

/** A {@link waitFor} saw a status that can no longer lead to the one wanted. */
export class WaitFailedError extends YottaError {
  override readonly kind = "wait_failed";
  constructor(
    message: string,
    readonly what: string,
    readonly lastStatus: string | undefined,
  ) {
    super(message);
  }
  static override isInstance(error: unknown): error is WaitFailedError {
    return hasKind(error, "wait_failed");
  }
}

export const isNotFound = (error: unknown): error is NotFoundError =>
  NotFoundError.isInstance(error);
export const isBusy = (error: unknown): error is BusyError => BusyError.isInstance(error);
export const isNotAllowed = (error: unknown): error is NotAllowedError =>
  NotAllowedError.isInstance(error);
export const isInvalidParams = (error: unknown): error is InvalidParamsError =>
  InvalidParamsError.isInstance(error);
export const isRateLimited = (error: unknown): error is RateLimitedError =>
  RateLimitedError.isInstance(error);
export const isRetryable = (error: unknown): boolean =>
  YottaError.isInstance(error) && error.retryable;

const NOT_FOUND_CODES: ReadonlySet<number> = new Set([
  ResponseCode.RECORD_NOT_EXIST,
  ResponseCode.VM_NOT_FOUND,
  ResponseCode.POD_NOT_FOUND,
  ResponseCode.ENDPOINT_NOT_FOUND,
  ResponseCode.SERVERLESS_NOT_EXIST,
  ResponseCode.TASK_NOT_EXIST,
]);

export interface FailedResponse {
  /** The client call, e.g. `pods.get`. */
  call: string;
  /** What was sent, e.g. `GET /v2/pods/42`, for the message. */
  request: string;
  status: number;
  /** The envelope's code, when the body was an envelope. */
  code?: number;
  /** The envelope's message, already scrubbed of secrets. */
  message?: string;
  retryAfterMs?: number;
}

/**
 * The one place a failed response becomes an error. The envelope code decides first (business
 * errors come back as HTTP 200); the HTTP status decides when the code is absent or unknown.
 */
export function errorFromResponse(failure: FailedResponse): YottaError {
  const { call, request, status, code, retryAfterMs } = failure;
  const details: YottaErrorDetails = { call, code, status, retryAfterMs };
  const said = failure.message ? `: ${failure.message}` : "";
  const message = `${call} (${request}) failed with HTTP ${status}${code === undefined ? "" : `, code ${code}`}${said}`;

  if (code !== undefined) {
    if (NOT_FOUND_CODES.has(code)) return new NotFoundError(message, details);
    switch (code) {
      case ResponseCode.INVALID_PARAMS:
        return new InvalidParamsError(message, details);
      case ResponseCode.STATUS_INVALID:
      case ResponseCode.VM_STATUS_INVALID:
        return new BusyError(message, details);
      case ResponseCode.ACTION_NOT_ALLOWED:
      case ResponseCode.VM_NO_TERMINATE_PERMISSION:
        return new NotAllowedError(message, details);
      case ResponseCode.TOO_MANY_REQUESTS:
        return new RateLimitedError(message, details);
      case ResponseCode.SYSTEM_ERROR:
      case ResponseCode.SERVERLESS_UNAVAILABLE:
        return new ServerError(message, details);
    }
  }
  if (status === 401 || status === 403 || code === 401 || code === 403) {
    return new AuthError(`${message} (check the API key)`, details);
  }
  if (status === 429) return new RateLimitedError(message, details);
  if (status >= 500) return new ServerError(message, details);
  if (status >= 300 && status < 400) {
    return new YottaError(`${message} (a redirect; the client does not follow redirects)`, details);
  }
  // Deliberately not NotFoundError for a bare HTTP 404: a wrong base URL answers 404 for every
  // path, and reporting that as "the pod is gone" would let a caller forget a live resource.
  return new YottaError(message, details);
}
