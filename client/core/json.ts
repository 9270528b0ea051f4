/**
 * JSON in and out without losing int64 precision.
 *
 * Yotta ids are int64 values beyond 2^53 and some responses carry them as bare JSON numbers,
 * which `JSON.parse` silently rounds (378888638324150969 becomes 378888638324150980). Bodies are
 * parsed with lossless-json instead: an integer literal that a double cannot hold comes back as
 * its decimal text, every other number as a plain `number`. The schemas then turn ids into
 * strings whichever way they arrived.
 */
import { LosslessNumber, isInteger, isSafeNumber, parse, stringify } from "lossless-json";

/** Parses a response body; unsafe integer literals become their exact decimal string. */
export function parseJson(text: string): unknown {
  return parse(text, null, parseNumber);
}

function parseNumber(literal: string): number | string {
  // Only integers are kept as text: a long decimal fraction losing its last digits is harmless
  // (prices, speeds), and turning it into a string would only make the schemas work harder.
  if (isInteger(literal) && !isSafeNumber(literal)) return literal;
  return Number(literal);
}

/**
 * An int64 written into a request body as a bare JSON number, digit for digit. The request
 * schemas produce it for the id references the server binds as `int64`
 * (`containerRegistryAuthId`, `vmTypeId`, ...).
 */
export function int64(decimal: string): LosslessNumber {
  return new LosslessNumber(decimal);
}

/** Serializes a request body; {@link int64} values are written as unquoted numbers. */
export function stringifyJson(value: unknown): string {
  const text = stringify(value);
  if (text === undefined) throw new TypeError("request body is not serializable as JSON");
  return text;
}
