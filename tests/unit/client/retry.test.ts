import fc from "fast-check";
import {
  ConnectionError,
  DEFAULT_RETRY_POLICY,
  errorFromResponse,
  RETRY_AFTER_JITTER,
  parseRetryAfter,
  planRetry,
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

/** A draw of the jitter source: [0, 1). */
const unit = fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true });

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

  it("does not count rate limits against maxRetries; 0 turns every retry off", () => {
    expect(shouldRetry(errors.rateLimited, 10, "read", 3)).toBe(true);
    expect(shouldRetry(errors.rateLimited, 10, "create", 3)).toBe(true);
    expect(shouldRetry(errors.rateLimited, 1, "read", 0)).toBe(false);
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

  it("honours Retry-After (capped at maxRetryAfterMs) plus at most 20% jitter, whatever the backoff would say", () => {
    fc.assert(
      fc.property(
        policy,
        fc.integer({ min: 1, max: 10 }),
        fc.integer({ min: 0, max: 600_000 }),
        unit,
        (p, attempt, after, r) => {
          const delay = retryDelayMs(attempt, { ...p, retryAfterMs: after, random: () => r });
          const asked = Math.min(after, p.maxRetryAfterMs);
          return delay >= asked && delay <= Math.ceil(asked * (1 + RETRY_AFTER_JITTER));
        },
      ),
    );
  });

  it("spreads calls told the same Retry-After: different draws give different delays", () => {
    const at = (r: number) =>
      retryDelayMs(1, { ...DEFAULT_RETRY_POLICY, retryAfterMs: 1_000, random: () => r });
    expect(at(0)).toBe(1_000);
    expect(at(0.5)).toBe(1_100);
    expect(at(0.999)).toBe(1_200);
    const twelve = Array.from({ length: 12 }, (_, i) => at(i / 12));
    expect(new Set(twelve).size).toBe(12);
    expect(Math.max(...twelve) - Math.min(...twelve)).toBeGreaterThan(150);
  });

  it("spreads clients out: different draws give different delays", () => {
    const at = (r: number) => retryDelayMs(3, { ...DEFAULT_RETRY_POLICY, random: () => r });
    expect(at(0)).toBe(1000);
    expect(at(0.999)).toBeGreaterThan(1990);
  });
});

describe("planRetry", () => {
  const policy = { ...DEFAULT_RETRY_POLICY, maxRetries: 3 };
  const limited = (retryAfterMs?: number) =>
    errorFromResponse({ ...request, status: 429, code: 429, retryAfterMs });
  const start = 1_000_000;

  it("retries a rate limit while the next attempt starts before the deadline", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 40_000 }),
        fc.integer({ min: 0, max: 120_000 }),
        fc.integer({ min: 1, max: 50 }),
        unit,
        (after, left, rateLimits, r) => {
          const now = start + 5_000;
          const plan = planRetry(
            limited(after),
            {
              kind: "read",
              failures: 0,
              rateLimits,
              startedMs: start,
              nowMs: now,
              deadlineMs: now + left,
            },
            policy,
            () => r,
          );
          const delay = retryDelayMs(rateLimits, {
            ...policy,
            retryAfterMs: after,
            random: () => r,
          });
          return plan.retry
            ? plan.delayMs === delay && delay < left
            : plan.pastDeadline && delay >= left;
        },
      ),
    );
  });

  it("without a deadline, gives a rate limit rateLimitBudgetMs from the call's start", () => {
    const state = { kind: "create" as const, failures: 0, rateLimits: 9, startedMs: start };
    const at = (nowMs: number) => planRetry(limited(1_000), { ...state, nowMs }, policy, () => 0);
    expect(at(start + policy.rateLimitBudgetMs - 1_001)).toEqual({ retry: true, delayMs: 1_000 });
    expect(at(start + policy.rateLimitBudgetMs - 1_000)).toEqual({
      retry: false,
      pastDeadline: true,
    });
  });

  it("keeps maxRetries for other failures, however far the deadline", () => {
    const state = { kind: "read" as const, rateLimits: 0, startedMs: start, nowMs: start };
    const far = { ...state, deadlineMs: start + 86_400_000 };
    expect(planRetry(errors.server, { ...far, failures: 3 }, policy, () => 0).retry).toBe(true);
    expect(planRetry(errors.server, { ...far, failures: 4 }, policy, () => 0)).toEqual({
      retry: false,
      pastDeadline: false,
    });
    // ... and, given a deadline, starts no retry after it.
    const near = { ...state, failures: 1, deadlineMs: start + 100 };
    expect(planRetry(errors.server, near, policy, () => 0)).toEqual({
      retry: false,
      pastDeadline: true,
    });
  });

  it("never retries a create after an ambiguous failure, even with time left", () => {
    const state = {
      kind: "create" as const,
      failures: 1,
      rateLimits: 0,
      startedMs: start,
      nowMs: start,
    };
    for (const error of [errors.server, errors.connection]) {
      expect(planRetry(error, state, policy, () => 0).retry).toBe(false);
    }
  });

  it("a 429 storm: far more than maxRetries retries fit in a deadline, then it stops", () => {
    let now = start;
    let retries = 0;
    for (;;) {
      const plan = planRetry(
        limited(1_000),
        {
          kind: "read",
          failures: 0,
          rateLimits: retries + 1,
          startedMs: start,
          nowMs: now,
          deadlineMs: start + 60_000,
        },
        policy,
        () => 0.5,
      );
      if (!plan.retry) break;
      retries++;
      now += plan.delayMs;
    }
    expect(retries).toBe(54); // 1.1 s apart: the 55th would start at 60.5 s
    expect(retries).toBeGreaterThan(policy.maxRetries);
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
