import type { ServerResponse } from "node:http";
import { stringifyJson } from "./json";

/** A complete HTTP answer, built before anything is written to the socket. */
export interface Answer {
  status: number;
  headers: Record<string, string>;
  body: string;
  /** The envelope's code, for the request log (null when there is no envelope). */
  code: number | null;
  /** The fault that produced the answer, for the request log. */
  fault: string | null;
}

/** The `{message, code, data: null}` envelope of a failure. */
export function envelope(status: number, code: number, message: string): Answer {
  return {
    status,
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ message, code, data: null }),
    code,
    fault: null,
  };
}

/** Plain JSON (the admin API); bigints in logged bodies are written as bare integers. */
export function json(status: number, value: unknown): Answer {
  return {
    status,
    headers: { "content-type": "application/json" },
    body: stringifyJson(value ?? null),
    code: null,
    fault: null,
  };
}

export function send(res: ServerResponse, answer: Answer): void {
  res.writeHead(answer.status, {
    ...answer.headers,
    "content-length": Buffer.byteLength(answer.body),
  });
  res.end(answer.body);
}
