/**
 * The Yotta API client: one object owning the base URL, the API key, timeouts, the retry policy
 * and one keep-alive connection pool, with the resources hanging off it.
 */
import { Agent, type Dispatcher } from "undici";
import { ConfigError } from "./core/errors";
import { Transport } from "./core/http";
import { debugSinkFromEnv, type DebugSink } from "./core/logging";
import { DEFAULT_RETRY_POLICY, type RetryPolicy } from "./core/retry";
import type { WatcherOptions } from "./core/watch";
import { makeCollections, type Collections } from "./kinds";

export const DEFAULT_BASE_URL = "https://api.yottalabs.ai";
export const DEFAULT_TIMEOUT_MS = 30_000;
/** 16 MiB: far above any answer of the API, far below what would strain a process. */
export const DEFAULT_MAX_RESPONSE_BYTES = 16 * 1024 * 1024;

export interface YottaClientOptions {
  /** The API key; default `YOTTA_API_KEY`. Sent only in the `X-Api-Key` header. */
  apiKey?: string;
  /**
   * Default `YOTTA_API_URL`, else {@link DEFAULT_BASE_URL}. Must be `https://`, except for a
   * loopback host (127.0.0.0/8, ::1, localhost), where `http://` is allowed for local testing.
   */
  baseUrl?: string;
  /** Per-attempt timeout in milliseconds; default 30 s. */
  timeoutMs?: number;
  /**
   * The largest response body read, in bytes; default 16 MiB. A longer body is cut off and the
   * call fails (`response_validation`, or the error its HTTP status says).
   */
  maxResponseBytes?: number;
  /** Retries after the first attempt for calls that may be retried; default 3. */
  maxRetries?: number;
  /** Backoff tuning; see `RetryPolicy`. */
  retry?: Partial<Omit<RetryPolicy, "maxRetries">>;
  /**
   * Debug lines (redacted): `true` writes them to stderr, a function receives them. Default: on
   * when the environment sets `YOTTA_DEBUG=1`.
   */
  debug?: boolean | DebugSink;
  /**
   * Warnings that are not errors: a list entry the client passed over because it does not fit
   * the API's schema (it names the record). Default: the debug lines.
   */
  onWarning?: (message: string) => void;
  /**
   * An undici dispatcher to send through instead of the client's own pool (a proxy agent, a mock
   * in tests). The client does not close a dispatcher it was given.
   */
  dispatcher?: Dispatcher;
  /** Extra text for the User-Agent header, e.g. `my-ci-script/1.2`. */
  userAgent?: string;
  /** How the kinds' watchers share their calls (`pods.watcher`, …; client/core/watch.ts). */
  watch?: WatcherOptions;
}

/**
 * The client's collections, one per kind of client/kinds.ts (`pods`, `endpoints`, `volumes`,
 * `credentials`, `vms`), set by the constructor.
 */
// eslint-disable-next-line @typescript-eslint/no-unsafe-declaration-merging, @typescript-eslint/no-empty-object-type -- the collections come from the kind table; the constructor sets every one
export interface YottaClient extends Collections {}

// eslint-disable-next-line @typescript-eslint/no-unsafe-declaration-merging -- see the interface above
export class YottaClient {
  /** The base URL requests go to (it never contains the key). */
  readonly baseUrl: string;

  readonly #ownDispatcher: Agent | undefined;
  readonly #transport: Transport;

  constructor(options: YottaClientOptions = {}) {
    const apiKey = checkApiKey(options.apiKey ?? process.env.YOTTA_API_KEY);
    const baseUrl = checkBaseUrl(options.baseUrl ?? process.env.YOTTA_API_URL ?? DEFAULT_BASE_URL);
    const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    if (!(timeoutMs > 0))
      throw new ConfigError("timeoutMs must be a positive number of milliseconds");
    const maxResponseBytes = options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;
    if (!Number.isSafeInteger(maxResponseBytes) || maxResponseBytes < 1) {
      throw new ConfigError("maxResponseBytes must be a whole number of bytes, 1 or more");
    }
    const maxRetries = options.maxRetries ?? DEFAULT_RETRY_POLICY.maxRetries;
    if (!Number.isInteger(maxRetries) || maxRetries < 0) {
      throw new ConfigError("maxRetries must be a whole number, 0 or more");
    }

    // undici follows no redirects unless a redirect interceptor is added, and none is: a 3xx
    // comes back to the transport, which reports it as an error.
    this.#ownDispatcher = options.dispatcher ? undefined : new Agent({ keepAliveTimeout: 30_000 });
    const dispatcher = options.dispatcher ?? (this.#ownDispatcher as Agent);

    const transport = new Transport({
      apiKey,
      baseUrl,
      timeoutMs,
      retry: { ...DEFAULT_RETRY_POLICY, ...options.retry, maxRetries },
      dispatcher,
      maxResponseBytes,
      userAgent: ["pulumi-yotta-client", options.userAgent].filter(Boolean).join(" "),
      debug: debugSink(options.debug),
      warn: options.onWarning,
    });
    this.baseUrl = baseUrl.toString().replace(/\/$/, "");
    this.#transport = transport;
    Object.assign(this, makeCollections(transport, options.watch));
  }

  /**
   * Our time `localMs` (default now) on the service's clock, which its records' `createdAt`
   * use: learnt from the `Date` header of the latest answer, accurate to about a second.
   */
  serverTime(localMs?: number): number {
    return this.#transport.serverTime(localMs);
  }

  /** Closes the client's connection pool (not a dispatcher passed in). */
  async close(): Promise<void> {
    await this.#ownDispatcher?.close();
  }
}

function debugSink(option: YottaClientOptions["debug"]): DebugSink | undefined {
  if (typeof option === "function") return option;
  if (option === true) return (line) => process.stderr.write(`${line}\n`);
  if (option === false) return undefined;
  return debugSinkFromEnv();
}

// The messages below never show the key or the URL itself, only what is wrong with them: with
// YOTTA_API_KEY and YOTTA_API_URL swapped, the "URL" is the key.
function checkApiKey(apiKey: string | undefined): string {
  if (apiKey === undefined || apiKey === "") {
    throw new ConfigError("no API key: pass apiKey or set YOTTA_API_KEY");
  }
  if (/[\0-\x1f\x7f]/.test(apiKey) || apiKey.trim() !== apiKey) {
    throw new ConfigError("the API key contains whitespace or control characters");
  }
  return apiKey;
}

function checkBaseUrl(text: string): URL {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new ConfigError(
      "baseUrl (or YOTTA_API_URL) is not a URL; expected https://host[/path] (is the API key in its place?)",
    );
  }
  if (url.username || url.password) {
    throw new ConfigError("baseUrl must not contain credentials; the API key goes in apiKey");
  }
  if (url.search || url.hash) throw new ConfigError("baseUrl must not have a query or a fragment");
  if (url.protocol === "https:") return url;
  if (url.protocol === "http:" && isLoopback(url.hostname)) return url;
  if (url.protocol === "http:") {
    throw new ConfigError(
      "baseUrl is plain HTTP to a host that is not loopback: the API key would cross the network unencrypted; use https:// (http:// is allowed only for loopback hosts)",
    );
  }
  throw new ConfigError("baseUrl must be an https:// URL");
}

/** 127.0.0.0/8, ::1 and localhost: the only hosts plain HTTP may go to. */
export function isLoopback(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, "").toLowerCase();
  if (host === "localhost" || host === "::1") return true;
  return /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}
