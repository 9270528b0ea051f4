import { startEmulator, type EmulatorOptions, type RunningEmulator } from "../../../emulator";
import { YottaClient, type YottaClientOptions } from "../../../client";

export interface Harness {
  cloud: RunningEmulator;
  client: YottaClient;
  /** Every debug line the client wrote. */
  lines: string[];
  /** A second client on the same emulator with other options. */
  clientWith(options: Partial<YottaClientOptions>): YottaClient;
  close(): Promise<void>;
}

/** Retries in milliseconds, so fault tests do not sleep for real backoff. */
export const FAST_RETRY = { baseDelayMs: 2, maxDelayMs: 10, maxRetryAfterMs: 20 };

/** An emulator on a random loopback port and a client pointed at it over real HTTP. */
export async function harness(
  options: { emulator?: EmulatorOptions; client?: Partial<YottaClientOptions> } = {},
): Promise<Harness> {
  const cloud = await startEmulator(options.emulator);
  const lines: string[] = [];
  const clients: YottaClient[] = [];
  const clientWith = (extra: Partial<YottaClientOptions>): YottaClient => {
    const client = new YottaClient({
      apiKey: cloud.apiKey,
      baseUrl: cloud.url,
      retry: FAST_RETRY,
      debug: (line) => lines.push(line),
      ...options.client,
      ...extra,
    });
    clients.push(client);
    return client;
  };
  const client = clientWith({});
  return {
    cloud,
    client,
    lines,
    clientWith,
    close: async () => {
      await Promise.all(clients.map((c) => c.close()));
      await cloud.close();
    },
  };
}

/** Quick polling for the emulator's fast lifecycles. */
export const POLL = { interval: 5, timeoutMs: 5_000 };
