import { isDeepStrictEqual } from "node:util";
import { SECRET, type DriftedField } from "./report";

/**
 * How the engine marks a secret in the property maps it sends: an object carrying this signature
 * key and value, its plaintext replaced by "[secret]" (the Automation API never asks for
 * plaintext; `pulumi refresh` has no `--show-secrets`).
 */
const SECRET_SIG_KEY = "4dabf18193072939515e22adb298388d";
const SECRET_SIG_VALUE = "1b47061264138c4ac30d75fd1eb44270";

/** Inputs every dynamic resource carries that are not part of what the user declared. */
const ENGINE_KEYS = new Set(["__provider"]);

export interface FieldComparison {
  /** Paths whose values differ and are not secret on either side. */
  visible: DriftedField[];
  /** Paths holding a secret on at least one side: they cannot be compared, only named. */
  secret: string[];
}

/**
 * Compares the last applied inputs with the refreshed outputs of one resource.
 *
 * Only inputs are compared: outputs such as status, addresses or timestamps change on their own
 * and are not drift. An input the refreshed outputs do not carry is skipped too: providers keep
 * the last applied value of a field the API does not report (docs/resources.md), so its absence
 * says the provider does not know, not that the field was removed.
 *
 * Plain objects are compared key by key so a report names `environment.MODEL` rather than the
 * whole map; arrays are compared whole, since an element's index says little once items move.
 */
export function compareInputs(
  storedInputs: Record<string, unknown>,
  refreshedOutputs: Record<string, unknown>,
): FieldComparison {
  const result: FieldComparison = { visible: [], secret: [] };
  for (const key of Object.keys(storedInputs).sort()) {
    if (ENGINE_KEYS.has(key) || refreshedOutputs[key] === undefined) continue;
    compareValue(key, storedInputs[key], refreshedOutputs[key], result);
  }
  return result;
}

function compareValue(
  path: string,
  expected: unknown,
  actual: unknown,
  result: FieldComparison,
): void {
  if (
    isPlainObject(expected) &&
    isPlainObject(actual) &&
    !isSecret(expected) &&
    !isSecret(actual)
  ) {
    const keys = new Set([...Object.keys(expected), ...Object.keys(actual)]);
    for (const key of [...keys].sort()) {
      compareValue(`${path}.${key}`, expected[key], actual[key], result);
    }
    return;
  }
  // A secret anywhere inside either value hides the whole value: printing the other side, or the
  // part beside the secret, could show what the secret was set to.
  if (containsSecret(expected) || containsSecret(actual)) {
    result.secret.push(path);
    return;
  }
  if (!isDeepStrictEqual(normalize(expected), normalize(actual))) {
    result.visible.push({ path, expected, actual, secret: false });
  }
}

/** The field list for secret paths: both sides masked. */
export function maskedFields(paths: string[]): DriftedField[] {
  return paths.map((path) => ({ path, expected: SECRET, actual: SECRET, secret: true }));
}

export function isSecret(value: unknown): boolean {
  if (value === SECRET) return true;
  return isPlainObject(value) && value[SECRET_SIG_KEY] === SECRET_SIG_VALUE;
}

function containsSecret(value: unknown): boolean {
  if (isSecret(value)) return true;
  if (Array.isArray(value)) return value.some(containsSecret);
  if (isPlainObject(value)) return Object.values(value).some(containsSecret);
  return false;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** `null` and a missing key mean the same to a provider: not set. */
function normalize(value: unknown): unknown {
  return value === null ? undefined : value;
}
