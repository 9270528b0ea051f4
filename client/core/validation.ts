/**
 * Turning zod issues into the client's errors: a request that breaks the documented rules is
 * refused before it is sent, and a response that does not fit its schema names the call and the
 * field.
 */
import type { z } from "zod";
import { InvalidParamsError, ResponseValidationError } from "./errors";

/** `data.expose[0].port` from a zod issue path. */
export function fieldPath(root: string, path: readonly PropertyKey[]): string {
  let out = root;
  for (const key of path) {
    out += typeof key === "number" ? `[${key}]` : out === "" ? String(key) : `.${String(key)}`;
  }
  return out === "" ? "(the value)" : out;
}

function describeIssues(root: string, issues: readonly z.core.$ZodIssue[]): string {
  const lines = issues.flatMap((i) =>
    // An unknown field is named on its own path, not on the object that holds it.
    i.code === "unrecognized_keys"
      ? i.keys.map((key) => `${fieldPath(root, [...i.path, key])}: is not a known field`)
      : [`${fieldPath(root, i.path)}: ${i.message}`],
  );
  const more = lines.length > 3 ? ` (and ${lines.length - 3} more)` : "";
  return lines.slice(0, 3).join("; ") + more;
}

/** Validates a request body or query; a failure is an {@link InvalidParamsError} (not sent). */
export function parseRequest<S extends z.ZodType>(
  schema: S,
  value: unknown,
  call: string,
): z.output<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  throw new InvalidParamsError(
    `${call}: invalid request, not sent: ${describeIssues("", result.error.issues)}`,
    { call },
  );
}

export interface ResponseContext {
  call: string;
  /** `GET /v2/pods/42` */
  request: string;
  status?: number;
}

/** Validates a response's `data`; a failure is a {@link ResponseValidationError}. */
export function parseResponse<S extends z.ZodType>(
  schema: S,
  data: unknown,
  context: ResponseContext,
): z.output<S> {
  const result = schema.safeParse(data);
  if (result.success) return result.data;
  throw new ResponseValidationError(
    `${context.call} (${context.request}): unexpected response: ${describeIssues("data", result.error.issues)}`,
    { call: context.call, status: context.status, code: 10000 },
  );
}
