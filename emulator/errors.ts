/** The response codes of the Yotta API (yotta-api.md §1). */
export const Code = {
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
  UNAUTHORIZED: 401,
  NOT_FOUND: 404,
  METHOD_NOT_ALLOWED: 405,
} as const;

/**
 * A failure answered with the `{message, code, data: null}` envelope. Business errors use HTTP
 * 200 like the real service; malformed requests (bad JSON, wrong types) use HTTP 400, the way a
 * Java backend answers when it cannot even bind the body.
 */
export class ApiError extends Error {
  constructor(
    readonly code: number,
    message: string,
    readonly httpStatus = 200,
    readonly headers: Readonly<Record<string, string>> = {},
  ) {
    super(message);
    this.name = "ApiError";
  }
}

/** A documented rule was broken: HTTP 200, code 10001. */
export function invalid(message: string): ApiError {
  return new ApiError(Code.INVALID_PARAMS, message);
}

/** The request could not be bound at all (syntax or type): HTTP 400, code 10001. */
export function badRequest(message: string): ApiError {
  return new ApiError(Code.INVALID_PARAMS, message, 400);
}

/** The resource exists but its status does not allow the action: code 12001. */
export function statusInvalid(message: string): ApiError {
  return new ApiError(Code.STATUS_INVALID, message);
}
