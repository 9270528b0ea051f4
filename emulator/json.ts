/**
 * JSON text in and out without losing int64 precision.
 *
 * Yotta ids are int64 values beyond 2^53. Clients may send them as bare JSON numbers, and the
 * `numericIds` quirk makes the emulator answer with bare numbers, so neither direction can go
 * through `JSON.parse`/`JSON.stringify` alone: parsing turns unsafe integers into `bigint`, and
 * writing emits a {@link RawNumber} unquoted.
 */

/** A number written verbatim into JSON text (an int64 id that must not pass through a double). */
export class RawNumber {
  constructor(readonly text: string) {
    if (!/^-?\d+$/.test(text)) throw new Error(`not an integer literal: ${text}`);
  }
}

/** Parses JSON; integers outside the safe range come back as `bigint`, everything else as usual. */
export function parseJson(text: string): unknown {
  // Fast path: without a run of 16 digits no integer literal can exceed 2^53.
  if (!/\d{16}/.test(text)) return JSON.parse(text);
  return new LosslessParser(text).parseDocument();
}

const NUMBER = /-?(?:0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/y;
const WHITESPACE = /[ \t\n\r]*/y;

class LosslessParser {
  private pos = 0;

  constructor(private readonly text: string) {}

  parseDocument(): unknown {
    const value = this.value();
    this.skipWhitespace();
    if (this.pos !== this.text.length) this.fail("unexpected trailing characters");
    return value;
  }

  private value(): unknown {
    this.skipWhitespace();
    const c = this.text[this.pos];
    if (c === "{") return this.object();
    if (c === "[") return this.array();
    if (c === '"') return this.string();
    if (c === "-" || (c !== undefined && c >= "0" && c <= "9")) return this.number();
    for (const [word, value] of [
      ["true", true],
      ["false", false],
      ["null", null],
    ] as const) {
      if (this.text.startsWith(word, this.pos)) {
        this.pos += word.length;
        return value;
      }
    }
    return this.fail("unexpected token");
  }

  private object(): Record<string, unknown> {
    const result: Record<string, unknown> = {};
    this.pos++;
    this.skipWhitespace();
    if (this.text[this.pos] === "}") {
      this.pos++;
      return result;
    }
    for (;;) {
      this.skipWhitespace();
      if (this.text[this.pos] !== '"') this.fail("expected a property name");
      const key = this.string();
      this.skipWhitespace();
      if (this.text[this.pos] !== ":") this.fail("expected ':'");
      this.pos++;
      // defineProperty so that a "__proto__" key is data, as JSON.parse treats it.
      Object.defineProperty(result, key, {
        value: this.value(),
        enumerable: true,
        writable: true,
        configurable: true,
      });
      this.skipWhitespace();
      const c = this.text[this.pos++];
      if (c === "}") return result;
      if (c !== ",") this.fail("expected ',' or '}'");
    }
  }

  private array(): unknown[] {
    const result: unknown[] = [];
    this.pos++;
    this.skipWhitespace();
    if (this.text[this.pos] === "]") {
      this.pos++;
      return result;
    }
    for (;;) {
      result.push(this.value());
      this.skipWhitespace();
      const c = this.text[this.pos++];
      if (c === "]") return result;
      if (c !== ",") this.fail("expected ',' or ']'");
    }
  }

  private string(): string {
    const start = this.pos;
    let i = start + 1;
    for (;;) {
      const c = this.text[i];
      if (c === undefined) this.fail("unterminated string");
      if (c === "\\") i += 2;
      else if (c === '"') break;
      else i++;
    }
    this.pos = i + 1;
    // The slice is a complete JSON string literal; JSON.parse applies the escape rules.
    return JSON.parse(this.text.slice(start, this.pos)) as string;
  }

  private number(): number | bigint {
    NUMBER.lastIndex = this.pos;
    const match = NUMBER.exec(this.text);
    if (!match) return this.fail("malformed number");
    this.pos = NUMBER.lastIndex;
    const literal = match[0];
    const isInteger = match[1] === undefined && match[2] === undefined;
    const value = Number(literal);
    return isInteger && !Number.isSafeInteger(value) ? BigInt(literal) : value;
  }

  private skipWhitespace(): void {
    WHITESPACE.lastIndex = this.pos;
    WHITESPACE.exec(this.text);
    this.pos = WHITESPACE.lastIndex;
  }

  private fail(reason: string): never {
    throw new SyntaxError(`${reason} at position ${this.pos}`);
  }
}

export interface StringifyOptions {
  /** Write every number as a JSON string (the "numbers as strings" quirk). */
  numbersAsStrings?: boolean;
}

/**
 * Serializes like `JSON.stringify`, plus: {@link RawNumber} and `bigint` are written as bare
 * integer literals, and numbers can be written as strings.
 */
export function stringifyJson(value: unknown, options: StringifyOptions = {}): string {
  const out: string[] = [];
  write(value, out, options.numbersAsStrings === true);
  return out.join("");
}

function write(value: unknown, out: string[], numbersAsStrings: boolean): void {
  if (value === null || value === undefined) {
    out.push("null");
  } else if (typeof value === "string") {
    out.push(JSON.stringify(value));
  } else if (typeof value === "number") {
    const text = Number.isFinite(value) ? String(value) : "null";
    out.push(numbersAsStrings && text !== "null" ? `"${text}"` : text);
  } else if (typeof value === "boolean") {
    out.push(value ? "true" : "false");
  } else if (typeof value === "bigint") {
    out.push(value.toString());
  } else if (value instanceof RawNumber) {
    out.push(value.text);
  } else if (Array.isArray(value)) {
    out.push("[");
    value.forEach((item, i) => {
      if (i > 0) out.push(",");
      write(item, out, numbersAsStrings);
    });
    out.push("]");
  } else if (typeof value === "object") {
    out.push("{");
    let first = true;
    for (const [key, item] of Object.entries(value)) {
      if (item === undefined) continue;
      if (!first) out.push(",");
      first = false;
      out.push(JSON.stringify(key), ":");
      write(item, out, numbersAsStrings);
    }
    out.push("}");
  } else {
    throw new TypeError(`cannot serialize a ${typeof value}`);
  }
}
