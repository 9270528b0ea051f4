import type * as pulumi from "@pulumi/pulumi";
import {
  DEFAULT_BASE_URL,
  DEFAULT_POLL_INTERVAL,
  YottaClient,
  type PollInterval,
  type WatcherOptions,
} from "../client";
import { warning } from "./progress";

interface Settings {
  apiKey?: string;
  apiUrl?: string;
}

// Module state of the provider process, shared by every resource it serves: the settings from
// `configure` and one client (one keep-alive connection pool, one retry policy). Nothing here is
// ever serialized into the state.
let settings: Settings = {};
let client: YottaClient | undefined;

/**
 * Called once per serialized provider by the dynamic-provider host, with the stack's `yotta:*`
 * configuration (secrets arrive decrypted). `destroy` and a refresh that does not run the program
 * get the configuration saved by the last `up`.
 */
export async function configure(req: pulumi.dynamic.ConfigureRequest): Promise<void> {
  const apiKey = nonEmpty(req.config.get("yotta:apiKey"));
  const apiUrl = nonEmpty(req.config.get("yotta:apiUrl"));
  if (apiKey !== settings.apiKey || apiUrl !== settings.apiUrl) {
    settings = { apiKey, apiUrl };
    client = undefined;
  }
}

/** The provider process's client, made on first use from the configuration or the environment. */
export function yotta(): YottaClient {
  if (client) return client;
  const apiKey = settings.apiKey ?? nonEmpty(process.env.YOTTA_API_KEY);
  if (apiKey === undefined) {
    throw new Error(
      "No Yotta API key: run `pulumi config set yotta:apiKey --secret` or set YOTTA_API_KEY.",
    );
  }
  // The emulator or a staging URL from `yotta:apiUrl` / `YOTTA_API_URL`, else the real service.
  const baseUrl = settings.apiUrl ?? nonEmpty(process.env.YOTTA_API_URL) ?? DEFAULT_BASE_URL;
  client = new YottaClient({
    apiKey,
    baseUrl,
    timeoutMs: requestTimeoutMs(),
    watch: watchOptions(),
    onWarning: warning,
  });
  return client;
}

/**
 * The per-request timeout: the client's default (30 s) unless `YOTTA_REQUEST_TIMEOUT_MS` sets
 * another, which tests use to make a slow answer outlast the client without waiting 30 s.
 */
function requestTimeoutMs(): number | undefined {
  return positiveMs("YOTTA_REQUEST_TIMEOUT_MS");
}

/**
 * The pause between status polls. The client's default (1 s growing to 10 s) suits the real
 * service, where a pod takes minutes; `YOTTA_POLL_INTERVAL_MS` shortens it against the emulator,
 * whose transitions take milliseconds.
 */
export function pollInterval(): PollInterval | undefined {
  const ms = positiveMs("YOTTA_POLL_INTERVAL_MS");
  if (ms === undefined) return undefined;
  return { initialMs: ms, maxMs: Math.max(ms, 10 * ms), factor: 1.5 };
}

/** The first pause of a wait whose start is known not to be settled (a delete just sent). */
export function firstPollMs(): number {
  return (pollInterval() ?? DEFAULT_POLL_INTERVAL).initialMs;
}

/**
 * How the watchers share calls: the client's defaults (rounds at least 500 ms apart) against the
 * real service; with `YOTTA_POLL_INTERVAL_MS`, rounds as close as half that interval, so the
 * shortened polls against the emulator stay short.
 */
function watchOptions(): WatcherOptions | undefined {
  const ms = positiveMs("YOTTA_POLL_INTERVAL_MS");
  if (ms === undefined) return undefined;
  return { gatherMs: Math.min(20, ms), minGapMs: ms / 2 };
}

/**
 * How long after an ambiguous create a resource it made could still appear (see
 * provider/create.ts): `YOTTA_LOOK_WINDOW_MS`, else the given default. Tests shorten it, as they
 * shorten the poll interval, because the emulator's late answers come within milliseconds.
 */
export function lookWindowMs(fallback: number): number {
  return positiveMs("YOTTA_LOOK_WINDOW_MS") ?? fallback;
}

function positiveMs(variable: string): number | undefined {
  const raw = nonEmpty(process.env[variable]);
  if (raw === undefined) return undefined;
  const ms = Number(raw);
  if (!Number.isFinite(ms) || ms <= 0) {
    throw new Error(`${variable} must be a positive number of milliseconds, not "${raw}"`);
  }
  return ms;
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === "" ? undefined : value;
}
