import { badRequest, invalid } from "./errors";
import { isSupportedGpu } from "./catalog";

/**
 * Reads and checks one JSON object of a request, field by field, the way the server's bean
 * validation does: the first broken rule throws, and every message starts with the field's path
 * (`resources[1].gpuCount must be a power of 2`).
 *
 * JSON null counts as absent. Unknown fields are ignored, as a Jackson backend ignores them.
 * A value of the wrong JSON type is a binding failure (HTTP 400); a value of the right type that
 * breaks a rule is a business error (HTTP 200). Both carry code 10001.
 */
export class Fields {
  private constructor(
    private readonly obj: Readonly<Record<string, unknown>>,
    private readonly prefix: string,
  ) {}

  /** The request body; anything but a JSON object is a binding failure. */
  static body(value: unknown): Fields {
    if (!isPlainObject(value)) throw badRequest("request body must be a JSON object");
    return new Fields(value, "");
  }

  path(key: string): string {
    return this.prefix + key;
  }

  has(key: string): boolean {
    const value = this.obj[key];
    return value !== undefined && value !== null;
  }

  string(key: string, rule: StringRule = {}): string | undefined {
    const value = this.present(key, rule.required);
    if (value === undefined) return undefined;
    const name = this.path(key);
    if (typeof value !== "string") throw badRequest(`${name} must be a string`);
    const min = rule.min ?? 0;
    if (value.length < min || (rule.max !== undefined && value.length > rule.max)) {
      if (min > 0 && value.length === 0) throw invalid(`${name} must not be empty`);
      throw invalid(
        rule.max === undefined
          ? `${name} length must be at least ${min}`
          : `${name} length must be between ${min} and ${rule.max}`,
      );
    }
    if (rule.pattern && !rule.pattern.test(value)) {
      throw invalid(`${name} ${rule.patternHint ?? `must match ${rule.pattern.source}`}`);
    }
    return value;
  }

  /** A string from a fixed set; `caseInsensitive` returns the value as sent. */
  oneOf<T extends string>(
    key: string,
    values: readonly T[],
    rule: { required?: boolean; caseInsensitive?: boolean } = {},
  ): T | undefined {
    const value = this.string(key, { required: rule.required });
    if (value === undefined) return undefined;
    const matches = rule.caseInsensitive
      ? values.some((v) => v.toLowerCase() === value.toLowerCase())
      : (values as readonly string[]).includes(value);
    if (!matches) throw invalid(`${this.path(key)} must be one of ${values.join(", ")}`);
    return value as T;
  }

  /** A JSON integer within int32, checked against the rule. */
  int(key: string, rule: IntRule = {}): number | undefined {
    const value = this.present(key, rule.required);
    if (value === undefined) return undefined;
    const name = this.path(key);
    if (typeof value !== "number" || !Number.isInteger(value) || Math.abs(value) > 2 ** 31 - 1) {
      throw badRequest(`${name} must be an integer`);
    }
    checkRange(name, value, rule);
    return value;
  }

  /**
   * An int64 id. Accepted as a JSON integer (of any size) or a decimal string, as Jackson
   * coerces both into a `Long`; returned as a decimal string.
   */
  id(key: string, rule: { required?: boolean } = {}): string | undefined {
    const value = this.present(key, rule.required);
    if (value === undefined) return undefined;
    const text = idText(value);
    if (text === undefined) throw badRequest(`${this.path(key)} must be an integer id`);
    return text;
  }

  boolean(key: string): boolean | undefined {
    const value = this.present(key, false);
    if (value === undefined) return undefined;
    if (typeof value !== "boolean") throw badRequest(`${this.path(key)} must be a boolean`);
    return value;
  }

  /** A flag sent either as a boolean or as 0/1 (the VM guide and schema disagree). */
  flag(key: string): boolean | undefined {
    const value = this.present(key, false);
    if (value === undefined) return undefined;
    if (typeof value === "boolean") return value;
    if (value === 0 || value === 1) return value === 1;
    throw badRequest(`${this.path(key)} must be a boolean or 0/1`);
  }

  /** A JSON array of objects, each read with its own path prefix. */
  objects(key: string, rule: { required?: boolean; min?: number } = {}): Fields[] | undefined {
    const value = this.present(key, rule.required);
    if (value === undefined) return undefined;
    const name = this.path(key);
    if (!Array.isArray(value)) throw badRequest(`${name} must be an array`);
    if (rule.min !== undefined && value.length < rule.min) {
      throw invalid(
        rule.min === 1 ? `${name} must not be empty` : `${name} needs at least ${rule.min} items`,
      );
    }
    return value.map((item, i) => {
      if (!isPlainObject(item)) throw badRequest(`${name}[${i}] must be an object`);
      return new Fields(item, `${name}[${i}].`);
    });
  }

  object(key: string, rule: { required?: boolean } = {}): Fields | undefined {
    const value = this.present(key, rule.required);
    if (value === undefined) return undefined;
    if (!isPlainObject(value)) throw badRequest(`${this.path(key)} must be an object`);
    return new Fields(value, `${this.path(key)}.`);
  }

  strings(key: string, rule: { unique?: boolean } = {}): string[] | undefined {
    const value = this.present(key, false);
    if (value === undefined) return undefined;
    const name = this.path(key);
    if (!Array.isArray(value) || !value.every((v): v is string => typeof v === "string")) {
      throw badRequest(`${name} must be an array of strings`);
    }
    if (rule.unique && new Set(value).size !== value.length) {
      throw invalid(`${name} must not contain duplicates`);
    }
    return value;
  }

  /** An object whose values are all strings (task headers). */
  stringMap(key: string): Record<string, string> | undefined {
    const value = this.present(key, false);
    if (value === undefined) return undefined;
    if (!isPlainObject(value) || !Object.values(value).every((v) => typeof v === "string")) {
      throw badRequest(`${this.path(key)} must be an object of strings`);
    }
    return { ...(value as Record<string, string>) };
  }

  /** Any JSON value, required to be present. */
  any(key: string, rule: { required?: boolean } = {}): unknown {
    return this.present(key, rule.required);
  }

  /** A GPU code from the catalog; others get the service's own message. */
  gpuType(key: string, rule: { required?: boolean } = {}): string | undefined {
    const value = this.string(key, { required: rule.required, min: 1 });
    if (value !== undefined && !isSupportedGpu(value)) {
      throw invalid(`gpu type [${value}] not supported`);
    }
    return value;
  }

  /** Environment variables: `[{key, value}]`, both non-empty. */
  envVars(key: string): EnvVar[] | undefined {
    return this.objects(key)?.map((item) => ({
      key: item.string("key", { required: true, min: 1 }) as string,
      value: item.string("value", { required: true, min: 1 }) as string,
    }));
  }

  private present(key: string, required: boolean | undefined): unknown {
    const value = this.obj[key];
    if (value === undefined || value === null) {
      if (required) throw invalid(`${this.path(key)} is required`);
      return undefined;
    }
    return value;
  }
}

export interface EnvVar {
  key: string;
  value: string;
}

export interface StringRule {
  required?: boolean;
  min?: number;
  max?: number;
  pattern?: RegExp;
  /** Replaces "must match <regex>" in the message. */
  patternHint?: string;
}

export interface IntRule {
  required?: boolean;
  min?: number;
  max?: number;
  powerOfTwo?: boolean;
}

export function checkRange(name: string, value: number, rule: IntRule): void {
  const { min, max } = rule;
  if (min !== undefined && max !== undefined && (value < min || value > max)) {
    throw invalid(`${name} must be between ${min} and ${max}`);
  }
  if (min !== undefined && value < min) throw invalid(`${name} must be at least ${min}`);
  if (max !== undefined && value > max) throw invalid(`${name} must be at most ${max}`);
  if (rule.powerOfTwo && (value < 1 || (value & (value - 1)) !== 0)) {
    throw invalid(`${name} must be a power of 2`);
  }
}

const INT64_MAX = 2n ** 63n - 1n;

/** The decimal text of a positive int64 sent as a number, bigint or string; else undefined. */
export function idText(value: unknown): string | undefined {
  let n: bigint;
  if (typeof value === "bigint") n = value;
  else if (typeof value === "number" && Number.isSafeInteger(value)) n = BigInt(value);
  else if (typeof value === "string" && /^\d{1,19}$/.test(value)) n = BigInt(value);
  else return undefined;
  return n > 0n && n <= INT64_MAX ? n.toString() : undefined;
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** An integer query parameter (`page`, `size`, `count`); a non-integer cannot be bound (400). */
export function queryInt(
  query: URLSearchParams,
  name: string,
  rule: IntRule & { default?: number } = {},
): number | undefined {
  const text = query.get(name);
  if (text === null || text === "") {
    if (rule.required) throw invalid(`${name} is required`);
    return rule.default;
  }
  if (!/^-?\d{1,10}$/.test(text)) throw badRequest(`${name} must be an integer`);
  const value = Number(text);
  checkRange(name, value, rule);
  return value;
}

/** A list query parameter, given comma-separated (`a,b`) or repeated (`x=a&x=b`). */
export function queryList(query: URLSearchParams, name: string): string[] | undefined {
  const values = query
    .getAll(name)
    .flatMap((v) => v.split(","))
    .map((v) => v.trim())
    .filter((v) => v !== "");
  return values.length > 0 ? values : undefined;
}

/** The name rule of endpoints and credentials (yotta-api.md §3, §5). */
export const SHORT_NAME: StringRule = {
  min: 1,
  max: 20,
  pattern: /^(?=[A-Za-z])[A-Za-z0-9@._-]{1,20}$/,
  patternHint: "must start with a letter and use only letters, digits and @ . _ -",
};

/** Mount paths must be absolute (the documents only say non-empty; a real mount needs "/"). */
export const MOUNT_PATH: StringRule = {
  min: 1,
  max: 255,
  pattern: /^\//,
  patternHint: "must be an absolute path",
};
