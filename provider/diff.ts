import { PROVIDER_KEY, UNKNOWN } from "./check";

/**
 * How a change to one input is applied: `update` in place, or `replace` the cloud resource. A
 * function decides per change (for example "growing a volume resizes it, shrinking is refused").
 */
export type FieldAction = "update" | "replace";
export type FieldRule<T> = FieldAction | ((olds: Partial<T>, news: Partial<T>) => FieldAction);

/**
 * A resource's table of desired-state fields. Fields absent from the table (status, timestamps,
 * addresses, prices, `__provider`) never count as a change, so a refresh of an unchanged resource
 * reports nothing.
 */
export type FieldTable<T> = { readonly [K in keyof T]?: FieldRule<T> };

/**
 * A resource's table as each resource declares it: every input has its rule, so an input added
 * to the schema without one is a compile error. `autonamePrefix` and `ownerKey` are left out:
 * they only say where an auto-name and a create's proof come from, and the name itself is
 * compared. (A stack that gains its key, on the first `up` after an upgrade, changes nothing.)
 */
export type InputTable<T> = {
  readonly [K in Exclude<keyof T, "autonamePrefix" | "ownerKey">]-?: FieldRule<T>;
};

export interface TableDiff {
  /** Every desired-state field whose value differs. */
  changed: string[];
  /** The subset of `changed` that replaces the resource. */
  replaces: string[];
}

export function diffByTable<T>(
  table: FieldTable<T>,
  olds: Partial<T>,
  news: Partial<T>,
): TableDiff {
  const changed: string[] = [];
  const replaces: string[] = [];
  for (const [field, rule] of Object.entries(table) as [string, FieldRule<T>][]) {
    if (field === PROVIDER_KEY) continue;
    const before = (olds as Record<string, unknown>)[field];
    const after = (news as Record<string, unknown>)[field];
    if (sameValue(before, after)) continue;
    changed.push(field);
    const action = typeof rule === "function" ? rule(olds, news) : rule;
    if (action === "replace") replaces.push(field);
  }
  return { changed, replaces };
}

/**
 * Structural equality over JSON-like values where a missing key, `undefined` and `null` are the
 * same (the engine drops undefined and the API omits empty fields), and object key order does not
 * matter. Array order does: inputs whose order carries no meaning are sorted by `check` and `read`.
 * An unknown value is never equal to anything, so a pending input shows as a change in preview.
 */
export function sameValue(a: unknown, b: unknown): boolean {
  if (a === UNKNOWN || b === UNKNOWN) return false;
  if (a === undefined || a === null) return b === undefined || b === null;
  if (b === undefined || b === null) return false;
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    return a.every((item, i) => sameValue(item, b[i]));
  }
  if (typeof a === "object" && typeof b === "object") {
    const ra = a as Record<string, unknown>;
    const rb = b as Record<string, unknown>;
    const keys = new Set([...Object.keys(ra), ...Object.keys(rb)]);
    for (const key of keys) if (!sameValue(ra[key], rb[key])) return false;
    return true;
  }
  return a === b;
}

/**
 * The rule for `adoptId` in every resource's table: pointing it at another resource replaces
 * (the program now declares that one); removing it, or keeping the adopted id, changes nothing.
 */
export function adoptIdRule<T extends { adoptId?: string }>(
  olds: Partial<T>,
  news: Partial<T>,
): FieldAction {
  const current = (olds as { id?: unknown }).id;
  return news.adoptId !== undefined && news.adoptId !== current ? "replace" : "update";
}

/**
 * The rules for the inputs every resource takes (see `CommonInputs`), spread into each table.
 * `timeouts` only bounds the provider's own waits: a change of it alone is an update that calls
 * no API (see `timeoutsOnly`) and records the new timeouts, which the delete reads from the state.
 */
export const COMMON_FIELDS = {
  adoptId: adoptIdRule,
  timeouts: "update",
} as const;

/**
 * The fields a live resource reports differently from the declared inputs, each as `name is "a",
 * declared "b"`: what refuses an adoption, and what tells that a resource found by name is not
 * the one a create made. A field either side leaves out passes, as in `read`: the API omits what
 * it does not report, and an input left unset accepts whatever the service chose.
 */
export function mismatches<T>(
  reported: Partial<T>,
  declared: Partial<T>,
  fields: readonly (keyof T)[],
): string[] {
  const out: string[] = [];
  for (const field of fields) {
    const actual = reported[field];
    const wanted = declared[field];
    if (isAbsent(actual) || isAbsent(wanted) || sameValue(actual, wanted)) continue;
    out.push(`${String(field)} is ${JSON.stringify(actual)}, declared ${JSON.stringify(wanted)}`);
  }
  return out;
}

function isAbsent(value: unknown): boolean {
  return value === undefined || value === null;
}
