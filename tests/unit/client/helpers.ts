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

export interface StubRequest {
  method: string;
  url: string;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

export interface Stub {
  url: string;
  requests: StubRequest[];
  close(): Promise<void>;
}

export interface StubReply {
  status?: number;
  headers?: Record<string, string>;
  /** Sent verbatim, so a test controls every byte (bare int64 numbers, broken JSON). */
  body?: string;
}

/**
 * A bare loopback HTTP server answering whatever `reply` says, for what the emulator has no switch
 * for: every response code, raw bodies, redirects.
 */
export async function stubServer(reply: (request: StubRequest) => StubReply): Promise<Stub> {
  const { createServer } = await import("node:http");
  const requests: StubRequest[] = [];
  const server = createServer((req, res) => {
    let body = "";
    req.setEncoding("utf8");
    req.on("data", (chunk: string) => (body += chunk));
    req.on("end", () => {
      const request = { method: req.method ?? "", url: req.url ?? "", headers: req.headers, body };
      requests.push(request);
      const answer = reply(request);
      res.writeHead(answer.status ?? 200, {
        "content-type": "application/json",
        ...answer.headers,
      });
      res.end(answer.body ?? "");
    });
  });
  return { ...(await listening(server)), requests };
}

/** Starts `server` on a free loopback port; `close` also ends its open connections. */
export async function listening(
  server: import("node:http").Server,
): Promise<{ url: string; close(): Promise<void> }> {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("no port");
  return {
    url: `http://127.0.0.1:${address.port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A `{message, code, data}` body. */
export function envelope(
  code: number,
  data: unknown = null,
  message = code === 10000 ? "success" : "failed",
): string {
  return JSON.stringify({ message, code, data });
}

/** Runs `body` with a stub server and a client pointed at it, closing both whatever happens. */
export async function withStub<T>(
  reply: (request: StubRequest) => StubReply,
  body: (stub: Stub, client: YottaClient) => Promise<T>,
  options: Partial<YottaClientOptions> = {},
): Promise<T> {
  const stub = await stubServer(reply);
  const client = new YottaClient({ apiKey: "k", baseUrl: stub.url, ...options });
  try {
    return await body(stub, client);
  } finally {
    await client.close();
    await stub.close();
  }
}
