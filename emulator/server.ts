import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { ApiError, Code, badRequest } from "./errors";
import { parseJson, stringifyJson } from "./json";
import { envelope, json, send, type Answer } from "./answer";
import { idText } from "./validate";
import { handleAdminRequest, type EmulatorAdmin } from "./admin";
import type { Emulator, LoggedRequest } from "./emulator";

export interface ServerOptions {
  /** The API keys accepted in `X-Api-Key`. */
  apiKeys: readonly string[];
  admin: EmulatorAdmin;
  /** Writes the state file when something changed (a no-op without one). */
  persist: () => void;
}

const MAX_BODY_BYTES = 1 << 20;
const ADMIN_PREFIX = "/_emulator";
/** The request log's label for a request refused by `limits.requestsPerSecond`. */
export const THROTTLED = "requestsPerSecond";

/** The HTTP face of an {@link Emulator}: the `/v2` API and the `/_emulator` admin API. */
export function createEmulatorServer(emulator: Emulator, options: ServerOptions): Server {
  const server = createServer((req, res) => {
    const handled = isAdminPath(req.url)
      ? handleAdmin(emulator, options, req, res)
      : emulator.track(() => handle(emulator, options, req, res));
    handled.catch((error: unknown) => {
      // Only a bug gets here; answer like the service's catch-all would.
      console.error("yotta emulator: unexpected error", error);
      if (!res.headersSent) send(res, envelope(500, Code.SYSTEM_ERROR, "system error"));
    });
  });
  server.keepAliveTimeout = 30_000;
  return server;
}

function isAdminPath(rawUrl: string | undefined): boolean {
  const path = new URL(rawUrl ?? "/", "http://emulator").pathname;
  return path === ADMIN_PREFIX || path.startsWith(`${ADMIN_PREFIX}/`);
}

async function handleAdmin(
  emulator: Emulator,
  options: ServerOptions,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  if (!isLoopback(req.socket.remoteAddress)) {
    send(res, json(403, { error: "the admin API answers loopback clients only" }));
    return;
  }
  const method = req.method ?? "GET";
  const url = new URL(req.url ?? "/", "http://emulator");
  const path = url.pathname.slice(ADMIN_PREFIX.length);
  const raw = await readBody(req);
  // The one admin call that waits: it answers once no API request is in flight.
  if (method === "GET" && path === "/idle") {
    await emulator.idle();
    send(res, json(200, { ok: true }));
    return;
  }
  const answer = handleAdminRequest(options.admin, method, path, url.searchParams, raw.text);
  options.persist();
  send(res, answer);
}

async function handle(
  emulator: Emulator,
  options: ServerOptions,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const method = req.method ?? "GET";
  const url = new URL(req.url ?? "/", "http://emulator");
  const path = url.pathname;
  const match = emulator.router.match(method, path);
  const template = match.kind === "found" ? match.route.template : null;
  const entry: Omit<LoggedRequest, "seq"> = {
    time: Date.now(),
    method,
    path,
    query: queryObject(url.searchParams),
    body: undefined,
    rawBody: "",
    route: template,
    status: null,
    code: null,
    fault: null,
  };
  const key = req.headers["x-api-key"];
  if (typeof key === "string" && options.apiKeys.includes(key)) {
    // The per-key limit stands in front of everything else: a refused request draws no fault.
    const retryAfterSeconds = emulator.throttle(key);
    if (retryAfterSeconds !== undefined) {
      entry.rawBody = (await readBody(req)).text;
      const answer = envelope(429, Code.TOO_MANY_REQUESTS, "too many requests");
      answer.headers["retry-after"] = String(retryAfterSeconds);
      emulator.log.add({ ...entry, status: 429, code: answer.code, fault: THROTTLED });
      send(res, dated(emulator, answer));
      return;
    }
  }
  const faults = emulator.faults.forRequest(method, template ?? path);
  if (faults.reset) {
    emulator.log.add({ ...entry, fault: "reset" });
    req.socket.destroy();
    return;
  }

  const raw = await readBody(req);
  entry.rawBody = raw.text;
  if (faults.latencyMs > 0) await new Promise((r) => setTimeout(r, faults.latencyMs));

  let answer: Answer;
  if (faults.respond) {
    const { status, headers, body, label } = faults.respond;
    answer = { status, headers, body, code: codeOf(body), fault: label };
  } else {
    answer = apiAnswer(emulator, options.apiKeys, req, method, match, url, raw, entry);
  }
  options.persist();
  if (faults.replace) {
    const { status, headers, body, label } = faults.replace;
    answer = { status, headers, body, code: codeOf(body), fault: label };
  }
  if (faults.drop) {
    emulator.log.add({ ...entry, status: null, code: null, fault: "dropResponse" });
    req.socket.destroy();
    return;
  }
  if (faults.hold) {
    // Handled and never answered; the socket closes when the caller (or the server) goes.
    emulator.log.add({ ...entry, status: null, code: null, fault: "hold" });
    return;
  }
  emulator.log.add({ ...entry, status: answer.status, code: answer.code, fault: answer.fault });
  send(res, dated(emulator, answer));
}

/**
 * Every answer of the API carries a `Date` header, as a real server's does, on the emulator's
 * clock: the clock its records' `createdAt` are on, which `advance` moves ahead of the wall's.
 */
function dated(emulator: Emulator, answer: Answer): Answer {
  const date = new Date(emulator.store.now()).toUTCString();
  return { ...answer, headers: { ...answer.headers, date } };
}

function apiAnswer(
  emulator: Emulator,
  apiKeys: readonly string[],
  req: IncomingMessage,
  method: string,
  match: ReturnType<Emulator["router"]["match"]>,
  url: URL,
  raw: { text: string; tooLarge: boolean },
  entry: Omit<LoggedRequest, "seq">,
): Answer {
  try {
    const key = req.headers["x-api-key"];
    if (key === undefined || key === "") {
      throw new ApiError(Code.UNAUTHORIZED, "missing X-Api-Key header", 401);
    }
    if (typeof key !== "string" || !apiKeys.includes(key))
      throw new ApiError(Code.UNAUTHORIZED, "invalid api key", 401);
    if (match.kind === "none") throw new ApiError(Code.NOT_FOUND, "no such route", 404);
    if (match.kind === "wrongMethod") {
      throw new ApiError(Code.METHOD_NOT_ALLOWED, `method ${method} not allowed`, 405);
    }
    if (raw.tooLarge) throw new ApiError(Code.INVALID_PARAMS, "request body too large", 413);
    let body: unknown;
    if (raw.text.trim() !== "") {
      const type = req.headers["content-type"] ?? "";
      if (!/^application\/json\b/i.test(type)) {
        throw new ApiError(Code.INVALID_PARAMS, "Content-Type must be application/json", 415);
      }
      try {
        body = parseJson(raw.text);
      } catch (error) {
        throw badRequest(`request body is not valid JSON: ${(error as Error).message}`);
      }
      entry.body = body;
    }
    const { route, params } = match;
    if (params.id !== undefined && idText(params.id) === undefined) {
      throw badRequest("id must be an integer");
    }
    emulator.store.tick();
    const data = route.handler({ method, params, query: url.searchParams, body }, emulator);
    return success(data, emulator.quirks);
  } catch (error) {
    if (!(error instanceof ApiError)) throw error;
    const answer = envelope(error.httpStatus, error.code, error.message);
    return { ...answer, headers: { ...answer.headers, ...error.headers } };
  }
}

function success(data: unknown, quirks: Emulator["quirks"]): Answer {
  let dataText: string;
  if (quirks.numericIds || quirks.stringNumbers) {
    dataText = stringifyJson(data, { numbersAsStrings: quirks.stringNumbers });
  } else {
    // JSON.stringify is faster; task inputs can hold bigints, which only the writer handles.
    try {
      dataText = JSON.stringify(data ?? null);
    } catch {
      dataText = stringifyJson(data);
    }
  }
  return {
    status: 200,
    headers: { "content-type": "application/json" },
    body: `{"message":"success","code":${Code.SUCCESS},"data":${dataText}}`,
    code: Code.SUCCESS,
    fault: null,
  };
}

function codeOf(body: string): number | null {
  try {
    const code = (JSON.parse(body) as { code?: unknown }).code;
    return typeof code === "number" ? code : null;
  } catch {
    return null;
  }
}

function readBody(req: IncomingMessage): Promise<{ text: string; tooLarge: boolean }> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_BODY_BYTES) chunks.push(chunk);
    });
    req.on("end", () =>
      resolve({ text: Buffer.concat(chunks).toString("utf8"), tooLarge: size > MAX_BODY_BYTES }),
    );
    req.on("error", reject);
  });
}

function queryObject(params: URLSearchParams): Record<string, string> {
  const result: Record<string, string> = {};
  for (const key of new Set(params.keys())) result[key] = params.getAll(key).join(",");
  return result;
}

export function isLoopback(address: string | undefined): boolean {
  return address === "127.0.0.1" || address === "::1" || address === "::ffff:127.0.0.1";
}
