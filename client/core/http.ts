/**
 * The transport: one keep-alive undici dispatcher, the `X-Api-Key` header, timeouts, the retry
 * loop, and the one place the `{message, code, data}` envelope is unwrapped.
 *
 * The API key lives in a private field and goes into exactly one header. It is never part of a
 * URL, a log line or an error: the messages here are built from the call, the status and the
 * code, and a server message is scrubbed of the key before it is used.
 */
import type { Dispatcher } from "undici";
import { z } from "zod";
import {
  AbortedError,
  ConnectionError,
  RateLimitedError,
  ResponseCode,
  ResponseValidationError,
  TimeoutError,
  YottaError,
  errorFromResponse,
} from "./errors";
import { parseJson, stringifyJson } from "./json";
import { redact, scrub, type DebugSink } from "./logging";
import { parseRetryAfter, planRetry, retryDelayMs, type CallKind, type RetryPolicy } from "./retry";
import { sleep } from "./sleep";
import { parseResponse } from "./validation";
import { Int, Str, optional, skippedIn, type SkippedEntry } from "./fields";

export type HttpMethod = "GET" | "POST" | "PUT" | "PATCH" | "DELETE";

export type QueryValue = string | number | boolean | readonly string[] | undefined;

/** Per-call options every client method accepts as its last argument. */
export interface RequestOptions {
  /** Aborts the call, including any wait between retries. */
  signal?: AbortSignal;
  /** Overrides the client's per-attempt timeout for this call. */
  timeoutMs?: number;
  /**
   * The operation's own deadline (epoch ms). No retry starts at or after it, and a rate-limited
   * call is retried until then rather than `maxRetries` times (without a deadline, for the
   * policy's `rateLimitBudgetMs` from the call's start).
   */
  deadline?: number;
}

export interface CallSpec<S extends z.ZodType> {
  /** The client method, for errors and logs: `pods.get`. */
  call: string;
  kind: CallKind;
  method: HttpMethod;
  /** The path below the base URL, already encoded (use {@link path}). */
  path: string;
  query?: Record<string, QueryValue>;
  /** The request body, already validated against its request schema. */
  body?: unknown;
  /** The schema of the envelope's `data`. */
  response: S;
  options?: RequestOptions;
}

export interface TransportSettings {
  apiKey: string;
  baseUrl: URL;
  timeoutMs: number;
  retry: RetryPolicy;
  dispatcher: Dispatcher;
  userAgent: string;
  /** The largest response body read; a longer one is cut off and the call fails. */
  maxResponseBytes: number;
  debug?: DebugSink;
  /** Where a warning goes (a list entry skipped because it does not fit); default: `debug`. */
  warn?: (message: string) => void;
  /** The clock, the pause and the jitter source; tests drive retries through them. */
  now?: () => number;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  random?: () => number;
}

/**
 * Builds a path from a template, percent-encoding every interpolated value as one segment, so an
 * id like `../x` or `a/b` can never reach another route.
 */
export function path(
  strings: TemplateStringsArray,
  ...values: readonly (string | number)[]
): string {
  return strings.reduce(
    (out, literal, i) =>
      out + literal + (i < values.length ? encodeURIComponent(String(values[i])) : ""),
    "",
  );
}

// `data` may be absent: deletes and actions answer `{"code":10000,"message":"success"}`. A call
// whose schema needs data is refused below with a message that says so.
const Envelope = z.looseObject({
  code: Int,
  message: optional(Str),
  data: z.unknown().optional(),
});

/** One HTTP answer, before the envelope is judged. */
interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  /** The body; undefined when it was larger than `maxResponseBytes` and was not read further. */
  text: string | undefined;
}

/** Pacing after 429s (see `Transport`): the first spacing, the widest, how often it may widen. */
export const PACE_MIN_MS = 50;
export const PACE_MAX_MS = 1_000;
export const PACE_WINDOW_MS = 1_000;
/** What each answer that is not a 429 multiplies the spacing by. */
export const PACE_EASE = 0.95;

export class Transport {
  readonly #apiKey: string;
  readonly #settings: Omit<TransportSettings, "apiKey">;
  readonly #basePath: string;
  readonly #now: () => number;
  readonly #sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  readonly #random: () => number;
  /**
   * The gate every call of this client passes before sending: after a 429 with `Retry-After`,
   * no request goes out before this time (epoch ms), so the client slows down as a whole
   * instead of each call finding the limit on its own.
   */
  #notBefore = 0;
  /**
   * After a 429 the client also paces itself: at least this many ms between two sends. It
   * doubles (from {@link PACE_MIN_MS} up to {@link PACE_MAX_MS}) at most once per
   * {@link PACE_WINDOW_MS} of 429s, and shrinks by {@link PACE_EASE} with every answer that is
   * not one, back to 0. So a process with many calls settles just under the server's rate
   * instead of sending bursts that come back refused. 0 until the first 429.
   */
  #spacingMs = 0;
  #slowedAt = Number.NEGATIVE_INFINITY;
  #nextSlotAt = 0;
  /**
   * How far the service's clock stands from ours (ms), from the `Date` header of the latest
   * answer that had one; 0 until then. The records' `createdAt` are on the service's clock, so
   * a window of our own time is moved by this before it is compared with them (see
   * {@link Transport.serverTime}).
   */
  #serverOffsetMs = 0;
  /** The skipped list entries already warned of. */
  readonly #warned = new Set<string>();

  constructor(settings: TransportSettings) {
    const { apiKey, ...rest } = settings;
    this.#apiKey = apiKey;
    this.#settings = rest;
    this.#basePath = settings.baseUrl.pathname.replace(/\/+$/, "");
    this.#now = settings.now ?? Date.now;
    this.#sleep = settings.sleep ?? sleep;
    this.#random = settings.random ?? Math.random;
  }

  /**
   * Our time `localMs` (default now) on the service's clock, as the latest `Date` header tells
   * it. The header has whole seconds, so the value may be up to a second (plus the answer's
   * travel) early: who compares it with a record's `createdAt` leaves that much room.
   */
  serverTime(localMs: number = this.#now()): number {
    return localMs + this.#serverOffsetMs;
  }

  /** Sends the call (retrying what the policy allows) and returns the parsed `data`. */
  async send<S extends z.ZodType>(spec: CallSpec<S>): Promise<z.output<S>> {
    const { retry } = this.#settings;
    const startedMs = this.#now();
    const deadlineMs = spec.options?.deadline;
    let failures = 0;
    let rateLimits = 0;
    for (;;) {
      const sendBy = deadlineMs ?? startedMs + retry.rateLimitBudgetMs;
      await this.#passGate(spec, sendBy);
      await this.#takeSlot(spec, deadlineMs);
      try {
        const data = await this.#attempt(spec);
        this.#ease();
        return data;
      } catch (error) {
        const rateLimited = RateLimitedError.isInstance(error);
        if (rateLimited) {
          rateLimits++;
          this.#holdGate(error.retryAfterMs);
          this.#slowDown();
        } else {
          failures++;
          this.#ease();
        }
        const state = { kind: spec.kind, failures, rateLimits, startedMs, deadlineMs };
        const plan = planRetry(error, { ...state, nowMs: this.#now() }, retry, this.#random);
        if (!plan.retry) {
          if (plan.pastDeadline && rateLimited) {
            throw new RateLimitedError(
              `${error.message}; still rate limited: the next attempt would start after the call's deadline`,
              {
                call: error.call,
                code: error.code,
                status: error.status,
                retryAfterMs: error.retryAfterMs,
                cause: error,
              },
            );
          }
          throw error;
        }
        const which = rateLimited
          ? `retry ${rateLimits} (until the deadline)`
          : `retry ${failures} of ${retry.maxRetries}`;
        const kind = YottaError.isInstance(error) ? error.kind : "error";
        this.#log(`yotta ↻ ${spec.call}: ${kind}, ${which} in ${plan.delayMs} ms`);
        await this.#pause(spec, plan.delayMs, "to retry");
      }
    }
  }

  /** A 429: widen the spacing, once per window however many calls were turned away together. */
  #slowDown(): void {
    const now = this.#now();
    if (now - this.#slowedAt < PACE_WINDOW_MS) return;
    this.#slowedAt = now;
    this.#spacingMs = Math.min(PACE_MAX_MS, Math.max(PACE_MIN_MS, this.#spacingMs * 2));
  }

  /** An answer that was not a 429: narrow the spacing a little. */
  #ease(): void {
    if (this.#spacingMs === 0) return;
    const next = this.#spacingMs * PACE_EASE;
    this.#spacingMs = next < PACE_MIN_MS / 2 ? 0 : next;
  }

  /**
   * Waits for this call's turn while the client paces itself; fails, without sending, when the
   * turn would come after the caller's deadline.
   */
  async #takeSlot(spec: CallSpec<z.ZodType>, deadlineMs: number | undefined): Promise<void> {
    if (this.#spacingMs === 0) return;
    const now = this.#now();
    const slot = Math.max(now, this.#nextSlotAt);
    if (deadlineMs !== undefined && slot >= deadlineMs && slot > now) {
      throw new RateLimitedError(
        `${spec.call}: not sent: the client is pacing itself after rate limits, and its turn would come after the call's deadline`,
        { call: spec.call, retryAfterMs: slot - now },
      );
    }
    this.#nextSlotAt = slot + this.#spacingMs;
    if (slot > now) await this.#pause(spec, slot - now, "for its turn under the rate limit");
  }

  /** Closes the gate for what the server asked (capped like a retry's wait). */
  #holdGate(retryAfterMs: number | undefined): void {
    if (retryAfterMs === undefined || !Number.isFinite(retryAfterMs)) return;
    const asked = Math.min(Math.max(0, retryAfterMs), this.#settings.retry.maxRetryAfterMs);
    this.#notBefore = Math.max(this.#notBefore, this.#now() + asked);
  }

  /**
   * Waits while the client is rate limited, each call adding its own jitter so that they do not
   * all come back at once; fails, without sending, when the wait would pass `deadlineMs`.
   */
  async #passGate(spec: CallSpec<z.ZodType>, deadlineMs: number): Promise<void> {
    for (;;) {
      const now = this.#now();
      const remaining = this.#notBefore - now;
      if (remaining <= 0) return;
      const delay = retryDelayMs(1, {
        ...this.#settings.retry,
        retryAfterMs: remaining,
        random: this.#random,
      });
      if (now + delay >= deadlineMs) {
        throw new RateLimitedError(
          `${spec.call}: not sent: the client is rate limited for another ${remaining} ms, past the call's deadline`,
          { call: spec.call, retryAfterMs: remaining },
        );
      }
      this.#log(`yotta ⏸ ${spec.call}: rate limited, waiting ${delay} ms before sending`);
      await this.#pause(spec, delay, "for the rate limit");
    }
  }

  async #pause(spec: CallSpec<z.ZodType>, ms: number, why: string): Promise<void> {
    try {
      await this.#sleep(ms, spec.options?.signal);
    } catch {
      throw new AbortedError(`${spec.call}: aborted while waiting ${why}`, { call: spec.call });
    }
  }

  async #attempt<S extends z.ZodType>(spec: CallSpec<S>): Promise<z.output<S>> {
    const target = this.#target(spec);
    const request = `${spec.method} ${target}`;
    const started = Date.now();
    const body = spec.body === undefined ? undefined : stringifyJson(spec.body);
    this.#log(
      `yotta → ${request}${spec.body === undefined ? "" : ` ${stringifyJson(redact(spec.body))}`}`,
    );

    const answer = await this.#exchange(spec, target, body);
    this.#noteServerClock(header(answer.headers, "date"));
    const context = { call: spec.call, request, status: answer.status };
    const retryAfterMs = parseRetryAfter(header(answer.headers, "retry-after"), this.#now());
    const elapsed = `${Date.now() - started} ms`;

    if (answer.status >= 300 && answer.status < 400) {
      this.#log(`yotta ← ${answer.status} ${request} (${elapsed}), redirect refused`);
      throw errorFromResponse({ ...context, message: "redirect refused" });
    }
    if (answer.text === undefined) {
      const limit = this.#settings.maxResponseBytes;
      this.#log(`yotta ← ${answer.status} ${request} (${elapsed}), body over ${limit} bytes`);
      // An error status still says what went wrong (a 502 stays retryable); a success whose
      // body cannot be read is a response that does not fit.
      if (answer.status >= 400) throw errorFromResponse({ ...context, retryAfterMs });
      throw new ResponseValidationError(
        `${spec.call} (${request}): unexpected response: the body is larger than ${limit} bytes (maxResponseBytes) and was not read further`,
        { call: spec.call, status: answer.status },
      );
    }

    const envelope = this.#envelope(answer.text);
    if (envelope === undefined) {
      this.#log(`yotta ← ${answer.status} ${request} (${elapsed}), no envelope`);
      if (answer.status >= 400) throw errorFromResponse({ ...context, retryAfterMs });
      throw new ResponseValidationError(
        `${spec.call} (${request}): unexpected response: the body is not a {message, code, data} envelope`,
        { call: spec.call, status: answer.status },
      );
    }

    const message =
      envelope.message === undefined ? undefined : scrub(envelope.message, this.#apiKey);
    this.#log(
      `yotta ← ${answer.status} code ${envelope.code} ${request} (${elapsed})` +
        (envelope.code === ResponseCode.SUCCESS
          ? ` ${truncate(stringifyJson(redact(envelope.data) ?? null))}`
          : `: ${message ?? ""}`),
    );
    if (envelope.code !== ResponseCode.SUCCESS || answer.status >= 400) {
      throw errorFromResponse({
        ...context,
        code: envelope.code === ResponseCode.SUCCESS ? undefined : envelope.code,
        message,
        retryAfterMs,
      });
    }
    if (envelope.data === undefined && !spec.response.safeParse(undefined).success) {
      throw new ResponseValidationError(
        `${spec.call} (${request}): unexpected response: code 10000 without data`,
        { call: spec.call, status: answer.status, code: ResponseCode.SUCCESS },
      );
    }
    const data = parseResponse(spec.response, envelope.data, context);
    this.#warnSkipped(spec.call, skippedIn(data));
    return data;
  }

  /** One request and its whole body, or the error for getting no (complete) answer. */
  async #exchange(
    spec: CallSpec<z.ZodType>,
    target: string,
    body: string | undefined,
  ): Promise<Answer> {
    const timeoutMs = spec.options?.timeoutMs ?? this.#settings.timeoutMs;
    const timeout = AbortSignal.timeout(timeoutMs);
    const callerSignal = spec.options?.signal;
    const signal = callerSignal ? AbortSignal.any([callerSignal, timeout]) : timeout;
    const headers: Record<string, string> = {
      "x-api-key": this.#apiKey,
      accept: "application/json",
      "user-agent": this.#settings.userAgent,
    };
    if (body !== undefined) headers["content-type"] = "application/json";

    try {
      const response = await this.#settings.dispatcher.request({
        origin: this.#settings.baseUrl.origin,
        path: target,
        method: spec.method,
        headers,
        body,
        signal,
      });
      const text = await readBody(response, this.#settings.maxResponseBytes);
      return { status: response.statusCode, headers: response.headers, text };
    } catch (error) {
      const request = `${spec.method} ${target}`;
      const details = { call: spec.call, cause: error };
      if (callerSignal?.aborted)
        throw new AbortedError(`${spec.call} (${request}): aborted`, details);
      if (timeout.aborted) {
        throw new TimeoutError(
          `${spec.call} (${request}): no response within ${timeoutMs} ms`,
          details,
        );
      }
      throw new ConnectionError(
        `${spec.call} (${request}): connection failed: ${scrub(describeCause(error), this.#apiKey)}`,
        details,
      );
    }
  }

  /** Each list entry that did not fit, once per process and client: named, never fatal. */
  #warnSkipped(call: string, skipped: readonly SkippedEntry[]): void {
    const warn = this.#settings.warn ?? this.#settings.debug;
    for (const entry of skipped) {
      const which = entry.id ?? entry.name ?? "without an id";
      const key = `${call} ${which} ${entry.problem}`;
      if (this.#warned.has(key)) continue;
      this.#warned.add(key);
      const name = entry.name === undefined ? "" : ` ("${entry.name}")`;
      warn?.(
        scrub(
          `${call}: passed over the record ${which}${name}, which does not fit the API's schema ` +
            `(${entry.problem}); lookups of other records are not affected, and a read of it by ` +
            "its id fails naming the field",
          this.#apiKey,
        ),
      );
    }
  }

  #noteServerClock(date: string | undefined): void {
    const serverMs = date === undefined ? NaN : Date.parse(date);
    if (Number.isFinite(serverMs)) this.#serverOffsetMs = serverMs - this.#now();
  }

  #envelope(text: string): z.output<typeof Envelope> | undefined {
    let parsed: unknown;
    try {
      parsed = parseJson(text);
    } catch {
      return undefined;
    }
    const result = Envelope.safeParse(parsed);
    return result.success ? result.data : undefined;
  }

  #target(spec: CallSpec<z.ZodType>): string {
    const params = new URLSearchParams();
    for (const [key, value] of Object.entries(spec.query ?? {})) {
      if (value === undefined) continue;
      if (Array.isArray(value)) {
        if (value.length > 0) params.set(key, value.join(","));
      } else params.set(key, String(value));
    }
    const query = params.toString();
    return `${this.#basePath}${spec.path}${query ? `?${query}` : ""}`;
  }

  #log(line: string): void {
    this.#settings.debug?.(scrub(line, this.#apiKey));
  }
}

/**
 * The body as text, read chunk by chunk and given up (the connection closed) as soon as it passes
 * `limit` bytes, so a server that streams without end cannot fill the memory. Undefined then.
 */
async function readBody(
  response: Dispatcher.ResponseData,
  limit: number,
): Promise<string | undefined> {
  const declared = Number(header(response.headers, "content-length"));
  if (declared > limit) {
    response.body.destroy();
    return undefined;
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of response.body as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) {
      response.body.destroy();
      return undefined;
    }
    chunks.push(chunk);
  }
  return new TextDecoder().decode(Buffer.concat(chunks, size));
}

function header(headers: Answer["headers"], name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function describeCause(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return typeof code === "string" ? `${code} ${error.message}` : error.message;
  }
  return String(error);
}

function truncate(text: string, max = 2_000): string {
  return text.length > max ? `${text.slice(0, max)}… (${text.length} characters)` : text;
}
