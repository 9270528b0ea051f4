import fc from "fast-check";
import {
  ConnectionError,
  DEFAULT_RETRY_POLICY,
  errorFromResponse,
  parseRetryAfter,
  retryDelayMs,
  shouldRetry,
  type CallKind,
} from "../../../client";

const request = { call: "x", request: "GET /x" };
const errors = {
  server: errorFromResponse({ ...request, status: 500 }),
  rateLimited: errorFromResponse({ ...request, status: 429 }),
  busy: errorFromResponse({ ...request, status: 200, code: 12001 }),
  notFound: errorFromResponse({ ...request, status: 200, code: 13000 }),
  invalid: errorFromResponse({ ...request, status: 200, code: 10001 }),
  connection: new ConnectionError("reset"),
};

describe("shouldRetry", () => {
  test.each<{ error: keyof typeof errors; kind: CallKind; expected: boolean }>([
    { error: "server", kind: "read", expected: true },
    { error: "server", kind: "delete", expected: true },
    { error: "server", kind: "action", expected: true },
    { error: "server", kind: "update", expected: true },
    { error: "server", kind: "create", expected: false },
    { error: "connection", kind: "read", expected: true },
    { error: "connection", kind: "create", expected: false },
    { error: "rateLimited", kind: "read", expected: true },
    // A 429 says the request was turned away unprocessed: even a create may go again.
    { error: "rateLimited", kind: "create", expected: true },
    { error: "busy", kind: "action", expected: false },
    { error: "notFound", kind: "read", expected: false },
    { error: "invalid", kind: "update", expected: false },
  ])("$error on a $kind → $expected", ({ error, kind, expected }) => {
    expect(shouldRetry(errors[error], 1, kind, 3)).toBe(expected);
  });

  it("stops after maxRetries retries", () => {
    expect(shouldRetry(errors.server, 3, "read", 3)).toBe(true);
    expect(shouldRetry(errors.server, 4, "read", 3)).toBe(false);
    expect(shouldRetry(errors.server, 1, "read", 0)).toBe(false);
  });

  it("never retries what is not a client error", () => {
    expect(shouldRetry(new Error("ECONNRESET"), 1, "read", 3)).toBe(false);
  });
});

describe("retryDelayMs", () => {
  const policy = fc.record({
    baseDelayMs: fc.integer({ min: 1, max: 5_000 }),
    maxDelayMs: fc.integer({ min: 1, max: 60_000 }),
    maxRetryAfterMs: fc.integer({ min: 0, max: 120_000 }),
  });
  const unit = fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true });

  it("stays within [ceiling/2, ceiling], the ceiling doubling up to maxDelayMs", () => {
    fc.assert(
      fc.property(policy, fc.integer({ min: 1, max: 40 }), unit, (p, attempt, r) => {
        const delay = retryDelayMs(attempt, { ...p, random: () => r });
        const ceiling = Math.min(p.maxDelayMs, p.baseDelayMs * 2 ** (attempt - 1));
        return (
          delay >= Math.floor(ceiling / 2) && delay <= Math.ceil(ceiling) && delay <= p.maxDelayMs
        );
      }),
    );
  });

  it("does not shrink from one attempt to the next with the same draw", () => {
    fc.assert(
      fc.property(policy, fc.integer({ min: 1, max: 30 }), unit, (p, attempt, r) => {
        const now = retryDelayMs(attempt, { ...p, random: () => r });
        const next = retryDelayMs(attempt + 1, { ...p, random: () => r });
        return next >= now;
      }),
    );
  });

  it("honours Retry-After, capped at maxRetryAfterMs, whatever the backoff would say", () => {
    fc.assert(
      fc.property(
        policy,
        fc.integer({ min: 1, max: 10 }),
        fc.integer({ min: 0, max: 600_000 }),
        unit,
        (p, attempt, after, r) => {
          const delay = retryDelayMs(attempt, { ...p, retryAfterMs: after, random: () => r });
          return delay === Math.min(after, p.maxRetryAfterMs);
        },
      ),
    );
  });

  it("spreads clients out: different draws give different delays", () => {
    const at = (r: number) => retryDelayMs(3, { ...DEFAULT_RETRY_POLICY, random: () => r });
    expect(at(0)).toBe(1000);
    expect(at(0.999)).toBeGreaterThan(1990);
  });
});

describe("parseRetryAfter", () => {
  const now = Date.parse("2026-01-01T00:00:00Z");
  test.each([
    { header: "2", expected: 2000 },
    { header: "0", expected: 0 },
    { header: " 1.5 ", expected: 1500 },
    { header: "Thu, 01 Jan 2026 00:00:03 GMT", expected: 3000 },
    { header: "Wed, 31 Dec 2025 23:59:00 GMT", expected: 0 },
    { header: "soon", expected: undefined },
    { header: "", expected: undefined },
    { header: undefined, expected: undefined },
  ])("$header → $expected", ({ header, expected }) => {
    expect(parseRetryAfter(header, now)).toBe(expected);
  });
});
