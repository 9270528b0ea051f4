/**
 * Turning zod issues into the client's errors: a request that breaks the documented rules is
 * refused before it is sent, and a response that does not fit its schema names the call and the
 * field.
 */
import type { z } from "zod";
import { InvalidParamsError, ResponseValidationError } from "./errors";
import { skippedIn } from "./fields";

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

/**
 * The records of a collection's list that carry `name`. A record of that name that the list
 * passed over (it does not fit the schema) fails the lookup, naming it: whether it is the one a
 * create of the name made cannot be told until it reads. Records of other names never do.
 */
export function withName<T extends { name: string }>(
  all: readonly T[],
  name: string,
  call: string,
): T[] {
  const odd = skippedIn(all).find((s) => s.name === name);
  if (odd) {
    throw new ResponseValidationError(
      `${call}: the record ${odd.id ?? "without an id"} named "${name}" does not fit the API's ` +
        `schema (${odd.problem}); what it is cannot be told until it does`,
      { call },
    );
  }
  return all.filter((r) => r.name === name);
}
