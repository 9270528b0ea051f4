/**
 * Field schemas shared by the resource schemas.
 *
 * Response fields are lenient on purpose (docs/api.md: "tolerant in what we read"): the sources
 * show numbers as strings, ids as numbers or strings, timestamps as epoch milliseconds, epoch
 * seconds or ISO text, and `null` for absent values. Each helper accepts every documented
 * spelling and produces one form, so the rest of the code never sees the variants. A value that
 * fits none of them is an issue naming what was expected and what came.
 *
 * Request fields are strict: they follow the documented shape exactly, with the rules of
 * `rules.ts`, which the providers' input schemas share.
 */
import { z } from "zod";
import type { LosslessNumber } from "lossless-json";
import { int64 } from "./json";
import { Id as IdRule } from "./rules";

function shown(value: unknown): string {
  if (typeof value === "string")
    return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  if (Array.isArray(value)) return "an array";
  if (typeof value === "object" && value !== null) return "an object";
  return String(value);
}

/**
 * A required response field converted by `convert`, which returns undefined for a value it
 * cannot read. `null` and a missing key are reported as missing.
 */
function lenient<T>(expected: string, convert: (value: unknown) => T | undefined) {
  return z.unknown().transform((value, ctx): T => {
    const out = value === undefined || value === null ? undefined : convert(value);
    if (out === undefined) {
      ctx.addIssue({
        code: "custom",
        message:
          value === undefined || value === null
            ? `is missing (expected ${expected})`
            : `expected ${expected}, got ${shown(value)}`,
      });
      return z.NEVER;
    }
    return out;
  });
}

/** Makes a response field optional: `null` and a missing key both become `undefined`. */
export function optional<S extends z.ZodType>(schema: S) {
  return schema.nullish().transform((value): z.output<S> | undefined => value ?? undefined);
}

const DECIMAL = /^-?\d+(\.\d+)?([eE][+-]?\d+)?$/;

function toNumber(value: unknown): number | undefined {
  if (typeof value === "number") return Number.isFinite(value) ? value : undefined;
  if (typeof value === "string" && DECIMAL.test(value.trim())) return Number(value.trim());
  return undefined;
}

/** A number, or a string holding one (v1 examples and the `stringNumbers` variant). */
export const Num = lenient("a number", toNumber);

/** A whole number, or a string holding one. */
export const Int = lenient("a whole number", (value) => {
  const n = toNumber(value);
  return n !== undefined && Number.isInteger(n) ? n : undefined;
});

/**
 * An id, exposed as its exact decimal string. Ids arrive as JSON strings or as bare numbers; the
 * body parser already turned numbers beyond 2^53 into their digits (see `json.ts`), so a
 * `number` here is exact only if it is a safe integer. Anything else would be a rounded id,
 * which must never be used.
 */
export const Id = lenient("an id (string or integer)", (value) => {
  if (typeof value === "string") return value.trim() === "" ? undefined : value.trim();
  if (typeof value === "number") return Number.isSafeInteger(value) ? String(value) : undefined;
  if (typeof value === "bigint") return value.toString();
  return undefined;
});

/** A string; numbers and booleans are accepted as their text (a lenient server may send them). */
export const Str = lenient("a string", (value) => {
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  return undefined;
});

/** A boolean, or 0/1 (the VM guide's `isSpot`), or `"true"`/`"false"`. */
export const Bool = lenient("a boolean", (value) => {
  if (typeof value === "boolean") return value;
  if (value === 0 || value === 1) return value === 1;
  if (typeof value === "string") {
    const text = value.trim().toLowerCase();
    if (text === "true" || text === "1") return true;
    if (text === "false" || text === "0") return false;
  }
  return undefined;
});

// Epoch numbers below this are seconds (v1 answered in seconds): 1e11 seconds is the year 5138,
// while 1e11 milliseconds is March 1973, before any Yotta resource existed.
const SECONDS_BELOW = 1e11;
// "2025-07-04 10:29:56", a v1 response's format: a date and time without a zone, taken as UTC.
const SPACED_DATE_TIME = /^(\d{4}-\d{2}-\d{2}) (\d{2}:\d{2}(:\d{2}(\.\d+)?)?)$/;

function toIso(value: unknown): string | undefined {
  let ms: number | undefined;
  if (typeof value === "number") ms = value;
  else if (typeof value === "string") {
    const text = value.trim();
    const spaced = SPACED_DATE_TIME.exec(text);
    if (/^\d+$/.test(text)) ms = Number(text);
    else if (spaced) ms = Date.parse(`${spaced[1]}T${spaced[2]}Z`);
    // Date.parse reads zone-less ISO date-times as local time; an API answer means UTC.
    else if (/^\d{4}-\d{2}-\d{2}T[\d:.]+$/.test(text)) ms = Date.parse(`${text}Z`);
    else if (/^\d{4}-\d{2}-\d{2}/.test(text)) ms = Date.parse(text);
  }
  if (ms === undefined || !Number.isFinite(ms)) return undefined;
  const date = new Date(ms < SECONDS_BELOW ? ms * 1000 : ms);
  return Number.isNaN(date.getTime()) ? undefined : date.toISOString();
}

/** A point in time, exposed as ISO 8601 (UTC) whatever form it arrived in. */
export const Timestamp = lenient("a timestamp (epoch milliseconds or ISO 8601)", toIso);

/**
 * A status string normalized by `normalize` (upper- or lower-casing, old spellings). The output
 * type lists the documented values but still admits others: a status added by the service must
 * not break every read of the resource.
 */
export function status<T extends string>(normalize: (raw: string) => string) {
  return lenient("a status string", (value) =>
    typeof value === "string" && value.trim() !== ""
      ? (normalize(value.trim()) as T | (string & {}))
      : undefined,
  );
}

/** An enum value compared case-insensitively and exposed in the documented case. */
export function caseless<T extends string>(values: readonly T[]) {
  const byUpper = new Map(values.map((v) => [v.toUpperCase(), v]));
  return lenient(`one of ${values.join(", ")}`, (value): T | (string & {}) | undefined => {
    if (typeof value !== "string" || value.trim() === "") return undefined;
    return byUpper.get(value.trim().toUpperCase()) ?? value.trim();
  });
}

/** A list; `null` reads as empty, since servers send `null` for "none". */
export function list<S extends z.ZodType>(item: S) {
  return z.preprocess((value) => (value === null ? [] : value), z.array(item));
}

/** An entry of a collection's list that did not fit its schema, as {@link records} keeps it. */
export interface SkippedEntry {
  /** Its id, where one can be read, else undefined. */
  id?: string;
  name?: string;
  /** The first problem: `createdAt: expected a timestamp`. */
  problem: string;
}

/** Where {@link records} leaves the entries it skipped: on the array, not enumerable. */
export const SKIPPED: unique symbol = Symbol("pulumi-yotta.skipped");

/**
 * A collection's list (every pod of the account, a page of volumes): like {@link list}, but an
 * entry that does not fit is skipped, never failing the whole answer. One odd record of someone
 * else's must not stop every lookup of the kind. What was skipped rides on the array under
 * {@link SKIPPED}, for the transport to warn of; a caller that needs such a record reads it by
 * its id, which fails naming the field.
 */
export function records<S extends z.ZodType>(item: S) {
  return z
    .preprocess((value) => (value === null ? [] : value), z.array(z.unknown()))
    .transform((entries) => {
      const kept: z.output<S>[] = [];
      const skipped: SkippedEntry[] = [];
      for (const entry of entries) {
        const parsed = item.safeParse(entry);
        if (parsed.success) {
          kept.push(parsed.data);
          continue;
        }
        const raw = (typeof entry === "object" && entry !== null ? entry : {}) as Record<
          string,
          unknown
        >;
        const id = raw.id === undefined || raw.id === null ? undefined : String(raw.id);
        const issue = parsed.error.issues[0];
        skipped.push({
          id,
          name: typeof raw.name === "string" ? raw.name : undefined,
          problem: issue ? `${issue.path.join(".") || "the entry"}: ${issue.message}` : "invalid",
        });
      }
      if (skipped.length > 0) Object.defineProperty(kept, SKIPPED, { value: skipped });
      return kept;
    });
}

/** The entries a {@link records} list skipped: on the array itself or on a page's `items`. */
export function skippedIn(data: unknown): SkippedEntry[] {
  const array = Array.isArray(data)
    ? data
    : (data as { items?: unknown } | null | undefined)?.items;
  return (Array.isArray(array) && (array as { [SKIPPED]?: SkippedEntry[] })[SKIPPED]) || [];
}

/** `{key, value}` environment entries, as pods and endpoints report them. */
export const EnvVarOut = z.looseObject({ key: Str, value: z.preprocess((v) => v ?? "", Str) });

/**
 * Renames `alias` to `name` in an object before it is parsed, when only the alias is present
 * (`envVars` → `environmentVars`, `type` → `storageType`), so the exposed type has one spelling.
 */
export function renamed(aliases: Record<string, string>) {
  return (value: unknown): unknown => {
    if (typeof value !== "object" || value === null || Array.isArray(value)) return value;
    const out: Record<string, unknown> = { ...value };
    for (const [alias, name] of Object.entries(aliases)) {
      if (out[name] === undefined && out[alias] !== undefined) {
        out[name] = out[alias];
        delete out[alias];
      }
    }
    return out;
  };
}

// ---- request fields ----

/**
 * An id reference in a request (a credential, a volume, a VM type): the shared id rule (see
 * `rules.ts`), sent as a bare JSON number, digit for digit, because the server binds it as int64.
 */
export const IdRef = IdRule.transform((id): LosslessNumber => int64(id));
