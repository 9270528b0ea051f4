import {
  ResponseCode,
  YottaError,
  errorFromResponse,
  isBusy,
  isNotAllowed,
  isNotFound,
  isRetryable,
  type ErrorKind,
} from "../../../client";

const base = { call: "pods.get", request: "GET /v2/pods/1" };

describe("errorFromResponse", () => {
  test.each<{ name: string; status: number; code?: number; kind: ErrorKind; retryable: boolean }>([
    {
      name: "10007 record does not exist",
      status: 200,
      code: 10007,
      kind: "not_found",
      retryable: false,
    },
    { name: "11000 VM not found", status: 200, code: 11000, kind: "not_found", retryable: false },
    { name: "13000 pod not found", status: 200, code: 13000, kind: "not_found", retryable: false },
    {
      name: "14000 endpoint not found",
      status: 200,
      code: 14000,
      kind: "not_found",
      retryable: false,
    },
    {
      name: "24001 serverless does not exist",
      status: 200,
      code: 24001,
      kind: "not_found",
      retryable: false,
    },
    {
      name: "24011 task does not exist",
      status: 200,
      code: 24011,
      kind: "not_found",
      retryable: false,
    },
    {
      name: "10001 invalid params (HTTP 200)",
      status: 200,
      code: 10001,
      kind: "invalid_params",
      retryable: false,
    },
    {
      name: "10001 invalid params (HTTP 400)",
      status: 400,
      code: 10001,
      kind: "invalid_params",
      retryable: false,
    },
    { name: "12001 status invalid", status: 200, code: 12001, kind: "busy", retryable: false },
    { name: "11001 VM status invalid", status: 200, code: 11001, kind: "busy", retryable: false },
    {
      name: "24002 action not allowed",
      status: 200,
      code: 24002,
      kind: "not_allowed",
      retryable: false,
    },
    {
      name: "11002 no terminate permission",
      status: 200,
      code: 11002,
      kind: "not_allowed",
      retryable: false,
    },
    {
      name: "429 as a code in HTTP 200",
      status: 200,
      code: 429,
      kind: "rate_limited",
      retryable: true,
    },
    { name: "HTTP 429", status: 429, kind: "rate_limited", retryable: true },
    { name: "10002 system error", status: 200, code: 10002, kind: "server", retryable: true },
    { name: "10002 in HTTP 500", status: 500, code: 10002, kind: "server", retryable: true },
    {
      name: "24000 serverless unavailable",
      status: 200,
      code: 24000,
      kind: "server",
      retryable: true,
    },
    { name: "HTTP 502 without envelope", status: 502, kind: "server", retryable: true },
    { name: "HTTP 503 without envelope", status: 503, kind: "server", retryable: true },
    { name: "HTTP 401", status: 401, code: 401, kind: "auth", retryable: false },
    { name: "HTTP 403 without envelope", status: 403, kind: "auth", retryable: false },
    { name: "a bare HTTP 404 is not 'not found'", status: 404, kind: "api", retryable: false },
    { name: "a redirect", status: 302, kind: "api", retryable: false },
    { name: "an unknown code", status: 200, code: 99999, kind: "api", retryable: false },
  ])("$name → $kind", ({ status, code, kind, retryable }) => {
    const error = errorFromResponse({ ...base, status, code, message: "said the server" });
    expect(error.kind).toBe(kind);
    expect(error.retryable).toBe(retryable);
    expect(error.code).toBe(code);
    expect(error.status).toBe(status);
    expect(error.call).toBe("pods.get");
    expect(error.message).toContain("pods.get (GET /v2/pods/1)");
    expect(error.message).toContain("said the server");
    expect(YottaError.isInstance(error)).toBe(true);
  });

  it("keeps Retry-After on a rate-limit error", () => {
    const error = errorFromResponse({
      ...base,
      status: 429,
      code: ResponseCode.TOO_MANY_REQUESTS,
      retryAfterMs: 2000,
    });
    expect(error.retryAfterMs).toBe(2000);
  });

  it("names the class of the error", () => {
    expect(errorFromResponse({ ...base, status: 200, code: 13000 }).name).toBe("NotFoundError");
  });
});

describe("matching errors across copies of the module", () => {
  it("recognizes an error made by another copy, where instanceof fails", () => {
    let other: typeof import("../../../client/core/errors") | undefined;
    jest.isolateModules(() => {
      // A second, separate instance of the module, as a provider process can end up with.
      // eslint-disable-next-line @typescript-eslint/no-require-imports -- isolateModules needs a synchronous load
      other = require("../../../client/core/errors");
    });
    const foreign = other!.errorFromResponse({ ...base, status: 200, code: 13000 });
    expect(foreign).not.toBeInstanceOf(YottaError);
    expect(YottaError.isInstance(foreign)).toBe(true);
    expect(isNotFound(foreign)).toBe(true);
    expect(isBusy(foreign)).toBe(false);
  });

  it("does not take look-alikes for client errors", () => {
    const lookalike = Object.assign(new Error("x"), { kind: "not_found", code: 13000 });
    expect(YottaError.isInstance(lookalike)).toBe(false);
    expect(isNotFound(lookalike)).toBe(false);
    expect(isNotAllowed(undefined)).toBe(false);
    expect(isRetryable("boom")).toBe(false);
  });
});
