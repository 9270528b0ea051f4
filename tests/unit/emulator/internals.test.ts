import fc from "fast-check";
import { parseJson, RawNumber, stringifyJson } from "../../../emulator/json";
import { IdGenerator, SeededRandom } from "../../../emulator/random";
import { Store } from "../../../emulator/store";
import type { CredentialRecord, Step } from "../../../emulator/model";

// An integral double beyond 2^53 is written as an integer literal and read back as bigint, so the
// doubles here stay within the safe range or have a fraction.
const finiteDouble = fc
  .double({ noNaN: true, noDefaultInfinity: true })
  .filter((d) => !Object.is(d, -0) && !(Number.isInteger(d) && !Number.isSafeInteger(d)));

/** JSON values whose integers may exceed 2^53 (as bigint, the way the parser returns them). */
const jsonValue = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: "small" },
    fc.constant(null),
    fc.boolean(),
    fc.string(),
    finiteDouble,
    fc
      .bigInt({ min: -(2n ** 63n), max: 2n ** 63n })
      .map((n) => (Number.isSafeInteger(Number(n)) ? Number(n) : n)),
    fc.array(tie("value"), { maxLength: 4 }),
    fc.dictionary(fc.string(), tie("value"), { maxKeys: 4 }),
  ),
})).value;

describe("lossless JSON", () => {
  test("stringify then parse gives back the value, big integers exact", () => {
    fc.assert(
      fc.property(jsonValue, (value) => expect(parseJson(stringifyJson(value))).toEqual(value)),
    );
  });

  test("without big integers it agrees with JSON.stringify", () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) =>
        expect(stringifyJson(value)).toBe(JSON.stringify(value)),
      ),
    );
  });

  test("an unsafe integer becomes a bigint; the same digits in a string stay a string", () => {
    expect(parseJson('{"id":378888638324150969,"s":"378888638324150969","f":1.5e3}')).toEqual({
      id: 378888638324150969n,
      s: "378888638324150969",
      f: 1500,
    });
    expect(parseJson('{"__proto__":{"x":1234567890123456789}}')).toHaveProperty(
      ["__proto__", "x"],
      1234567890123456789n,
    );
  });

  test("RawNumber is written bare; numbersAsStrings quotes every number", () => {
    expect(stringifyJson({ id: new RawNumber("378888638324150969"), n: 2 })).toBe(
      '{"id":378888638324150969,"n":2}',
    );
    expect(stringifyJson({ n: 2, a: [1.5], ok: true }, { numbersAsStrings: true })).toBe(
      '{"n":"2","a":["1.5"],"ok":true}',
    );
    expect(() => new RawNumber("1e5")).toThrow();
  });

  test.each(["{", '{"a":1,}', "[1 2]", '"open', "01", '{"a":1} x', "1234567890123456789 ."])(
    "%s is rejected",
    (text) => {
      expect(() => parseJson(text)).toThrow(SyntaxError);
    },
  );
});

describe("ids", () => {
  test("beyond 2^53, 18-19 digits, never exact as a double, increasing even if the clock goes back", () => {
    const ids = new IdGenerator();
    const issued = [
      ids.next(1_700_000_000_000),
      ids.next(1_700_000_000_000),
      ids.next(1_600_000_000_000),
    ];
    for (const id of issued) {
      expect(id).toMatch(/^\d{18,19}$/);
      expect(BigInt(id) > 2n ** 53n).toBe(true);
      expect(BigInt(Number(id))).not.toBe(BigInt(id));
    }
    expect(BigInt(issued[1] as string) > BigInt(issued[0] as string)).toBe(true);
    expect(BigInt(issued[2] as string) > BigInt(issued[1] as string)).toBe(true);
    expect(new IdGenerator(BigInt(ids.lastIssued)).next(1_600_000_000_000) > ids.lastIssued).toBe(
      true,
    );
  });

  test("the seeded generator repeats its sequence", () => {
    const draw = (seed: number) =>
      Array.from(
        { length: 5 },
        (
          (r) => () =>
            r.next()
        )(new SeededRandom(seed)),
      );
    expect(draw(3)).toEqual(draw(3));
    expect(draw(3)).not.toEqual(draw(4));
  });
});

describe("store schedule", () => {
  function record(id: string): CredentialRecord {
    return {
      kind: "credential",
      id,
      name: id,
      type: "PRIVATE",
      username: "u",
      password: "p",
      createdAt: 0,
      updatedAt: 0,
      pending: [],
    };
  }

  test("applies every due step once, in time order per record, whatever the tick times", () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 0, max: 4 }), fc.integer({ min: 0, max: 1000 })), {
          maxLength: 40,
        }),
        fc.array(fc.integer({ min: 0, max: 300 }), { maxLength: 8 }),
        (steps, advances) => {
          const store = new Store();
          store.freeze();
          const start = store.now();
          const applied: Array<{ id: string; at: number; appliedAt: number }> = [];
          store.onStep("credential", (r, step: Step) =>
            applied.push({ id: r.id, at: step.at, appliedAt: store.now() }),
          );
          const records = [0, 1, 2, 3, 4].map((i) => record(String(i + 1)));
          records.forEach((r) => store.insert(r));
          steps.forEach(([i, at], n) =>
            store.schedule(records[i] as CredentialRecord, [{ at: start + at, action: `s${n}` }]),
          );
          for (const ms of advances) store.advance(ms);
          store.tick(); // as the server does before each request
          const now = store.now();
          const due = steps.filter(([, at]) => start + at <= now);
          expect(applied).toHaveLength(due.length);
          for (const a of applied) expect(a.at).toBeLessThanOrEqual(a.appliedAt);
          for (const r of records) {
            const times = applied.filter((a) => a.id === r.id).map((a) => a.at);
            expect([...times].sort((x, y) => x - y)).toEqual(times);
            expect(r.pending.every((s) => s.at > now)).toBe(true);
          }
        },
      ),
    );
  });
});
