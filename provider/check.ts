import type { z } from "zod";

/**
 * The value the engine sends in place of an input that is not known yet (during preview, when it
 * depends on another resource's output). `check` must accept it wherever a real value would go.
 */
export const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

/** Key under which the engine stores the serialized provider; it is never ours to validate. */
export const PROVIDER_KEY = "__provider";

export interface CheckFailure {
  property: string;
  reason: string;
}

export interface CheckResult {
  inputs: Record<string, unknown>;
  failures: CheckFailure[];
}

/**
 * `resources[0].gpuCount`, the form Pulumi prints next to a failed property. An empty map key
 * (an environment variable without a name) is `environment[""]`, not a dangling `environment.`.
 */
export function propertyPath(path: readonly PropertyKey[]): string {
  let out = "";
  for (const part of path) {
    if (typeof part === "number") out += `[${part}]`;
    else if (part === "") out += '[""]';
    else out += out === "" ? String(part) : `.${String(part)}`;
  }
  return out;
}

export function containsUnknown(value: unknown): boolean {
  if (value === UNKNOWN) return true;
  if (Array.isArray(value)) return value.some(containsUnknown);
  if (value !== null && typeof value === "object") {
    return Object.values(value).some(containsUnknown);
  }
  return false;
}

/** True when `path` runs through a value the engine does not know yet. */
function throughUnknown(root: unknown, path: readonly PropertyKey[]): boolean {
  let value: unknown = root;
  for (const part of path) {
    if (value === UNKNOWN) return true;
    if (value === null || typeof value !== "object") return false;
    value = (value as Record<PropertyKey, unknown>)[part];
  }
  return containsUnknown(value);
}

/**
 * Validates provider inputs against a resource's zod schema. On success the inputs come back
 * normalized (defaults filled, canonical order), so `diff` compares like with like. Failures name
 * the property and the rule. While some inputs are unknown (preview), failures caused by them are
 * dropped and the raw inputs pass through unnormalized: they are validated again once known.
 */
export function checkInputs(schema: z.ZodType, news: Record<string, unknown>): CheckResult {
  const { [PROVIDER_KEY]: provider, ...raw } = news;
  const parsed = schema.safeParse(raw);
  // A normalizing schema could rewrite the unknown marker (case, trimming) and make it a real
  // value, so inputs with unknowns go through as they came.
  if (parsed.success && !containsUnknown(raw)) {
    return { inputs: withProvider(parsed.data as Record<string, unknown>, provider), failures: [] };
  }
  const issues = parsed.success ? [] : parsed.error.issues.flatMap(located);
  const failures = issues
    .filter((issue) => !throughUnknown(raw, issue.path))
    .map((issue) => ({ property: propertyPath(issue.path), reason: issue.message }));
  // A refinement over several fields reports at the root; say so rather than print an empty name.
  for (const failure of failures) if (failure.property === "") failure.property = "args";
  return { inputs: news, failures };
}

/**
 * An issue with the path of the value it is about. zod reports unknown keys on the object that
 * holds them; each becomes a failure on the key itself, so the misspelled input is what is named.
 */
function located(issue: z.core.$ZodIssue): { path: PropertyKey[]; message: string }[] {
  if (issue.code !== "unrecognized_keys") return [{ path: issue.path, message: issue.message }];
  const where = issue.path.length === 0 ? "input" : `field of ${propertyPath(issue.path)}`;
  return issue.keys.map((key) => ({
    path: [...issue.path, key],
    message: `"${key}" is not a known ${where}; is it misspelled?`,
  }));
}

function withProvider(inputs: Record<string, unknown>, provider: unknown): Record<string, unknown> {
  return provider === undefined ? inputs : { ...inputs, [PROVIDER_KEY]: provider };
}

/**
 * The inputs among what the engine hands a provider method: `create` gets the checked inputs plus
 * `__provider`; `read`, `update` and `delete` get stored outputs, which also carry what the cloud
 * reported. Parsing these with a strict input schema needs only the schema's own keys.
 */
export function pickInputs(
  shape: z.ZodObject,
  props: Record<string, unknown>,
): Record<string, unknown> {
  const keys = new Set(Object.keys(shape.shape));
  return Object.fromEntries(Object.entries(props).filter(([key]) => keys.has(key)));
}
