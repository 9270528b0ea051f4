/**
 * Generators for the property tests of `check` against the client and the emulator
 * (`*.property.test.ts`): inputs that are mostly good with now and then a bad value, and good
 * inputs within the emulator's catalogue.
 */
import fc from "fast-check";
import type { z } from "zod";
import { YottaClient } from "../../../client";
import { parseRequest } from "../../../client/core/validation";
import type { CheckFailure, CheckResult } from "../../../provider/check";
import { GPU_TYPES, REGIONS, startEmulator, type RunningEmulator } from "../../../emulator";

type Inputs = Record<string, unknown>;
type Check = (olds: Inputs, news: Inputs) => Promise<CheckResult>;

/** Runs kept small so the suite stays quick on two cores. */
export const OFFLINE_RUNS = { numRuns: 150 };
export const EMULATOR_RUNS = { numRuns: 20 };

/** Mostly `good`, now and then one of `bad`: a run sees inputs `check` passes and refuses. */
export function mostly<T>(good: fc.Arbitrary<T>, ...bad: unknown[]): fc.Arbitrary<unknown> {
  return fc.oneof(
    { arbitrary: good as fc.Arbitrary<unknown>, weight: 25 },
    { arbitrary: fc.constantFrom(...bad), weight: 1 },
  );
}

export function maybe<T>(arbitrary: fc.Arbitrary<T>): fc.Arbitrary<T | undefined> {
  return fc.option(arbitrary, { nil: undefined });
}

/** Why the client would not send `body`, or undefined when it would. */
export function clientRefusal(schema: z.ZodType, body: unknown): string | undefined {
  try {
    parseRequest(schema, body, "request");
    return undefined;
  } catch (error) {
    return (error as Error).message;
  }
}

/** Fails, saying who said what, unless `check` and the client agree on `inputs`. */
function expectAgreement(
  inputs: unknown,
  failures: readonly CheckFailure[],
  refusal: string | undefined,
): void {
  if ((failures.length === 0) === (refusal === undefined)) return;
  throw new Error(
    `check ${failures.length === 0 ? "passed" : `refused: ${JSON.stringify(failures)}`}, ` +
      `the client ${refusal === undefined ? "would send it" : `refused: ${refusal}`}, ` +
      `for ${JSON.stringify(inputs)}`,
  );
}

/**
 * The property that `check` passes exactly when the client would send the request `build` makes
 * of the inputs: of the checked inputs when `check` passed (defaults filled), else of the inputs
 * as given.
 */
export function agreesWithClient(check: Check, schema: z.ZodType, build: (i: Inputs) => unknown) {
  return async (raw: Inputs): Promise<void> => {
    const { inputs, failures } = await check({}, raw);
    const body = build(failures.length === 0 ? inputs : raw);
    expectAgreement(raw, failures, clientRefusal(schema, body));
  };
}

/** Sends what `send` makes of the checked inputs when `check` passed them; nothing otherwise. */
export async function sendIfChecked<T>(
  check: Check,
  raw: Inputs,
  send: (checked: Inputs) => Promise<T>,
  olds: Inputs = {},
): Promise<{ inputs: Inputs; sent: T } | undefined> {
  const { inputs, failures } = await check(olds, raw);
  if (failures.length > 0) return undefined;
  return { inputs, sent: await send(inputs) };
}

/** A frozen-clock emulator and a client of it, for the tests of one `describe` block. */
export function emulatorAndClient(): { cloud: RunningEmulator; client: YottaClient } {
  const env: { cloud?: RunningEmulator; client?: YottaClient } = {};
  beforeAll(async () => {
    env.cloud = await startEmulator({ frozenClock: true });
    env.client = new YottaClient({ apiKey: env.cloud.apiKey, baseUrl: env.cloud.url });
  });
  afterAll(async () => {
    await env.client?.close();
    await env.cloud?.close();
  });
  return {
    get cloud() {
      return env.cloud!;
    },
    get client() {
      return env.client!;
    },
  };
}

// ---- values ----

export const BAD_NAMES = ["", " ", "tab\there", "a\nb", "nul\u0000", "x".repeat(256)];
export const BAD_IMAGES = ["", "my image", "img\n", "i".repeat(256)];
export const BAD_COUNTS = [0, -1, 1.5, 2 ** 31, 1e300, "1"];
export const BAD_GPU_COUNTS = [0, 3, 6, 1.5, 2 ** 31, 3 * 2 ** 32, 1e300, "1"];
export const BAD_IDS = [
  "",
  "0",
  "0042",
  "abc",
  "12345678901234567890",
  "9223372036854775808",
  378888638324150969,
  0,
  -4,
  1.5,
];

/** Printable, no leading or trailing space. */
export const goodName = fc.stringMatching(/^[\x21-\x7e]([\x20-\x7e]{0,28}[\x21-\x7e])?$/);
export const shortName = fc.stringMatching(/^[A-Za-z][A-Za-z0-9@._-]{0,19}$/);
export const goodImage = fc.stringMatching(/^[a-z0-9][a-z0-9./:_-]{0,40}$/);
/** A few paths, so that repeats come up. */
export const goodPath = fc.constantFrom("/data", "/models", "/cache", "/mnt/a", "/workspace");
/** Ids as strings and safe numbers, a few of them small so that repeats come up. */
export const goodId: fc.Arbitrary<string | number> = fc.oneof(
  fc.constantFrom("5", "6", "7"),
  fc.bigInt({ min: 1n, max: 2n ** 63n - 1n }).map(String),
  fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }),
);
export const envKey = fc.stringMatching(/^[A-Za-z_][A-Za-z0-9_]{0,8}$/);
export const envValue = fc.string({ minLength: 1, maxLength: 12 });

/** Environment names, now and then a bad one. */
export const roughEnvKey = fc.oneof(
  { arbitrary: envKey, weight: 10 },
  { arbitrary: fc.constantFrom("", "A=B", "X\nY"), weight: 1 },
);

// ---- the catalogue (what the emulator sells) ----

export const GPU_CODES = GPU_TYPES.map((g) => g.code);
export const REGION_CODES = REGIONS.map((r) => r.code);
export const gpu = fc.constantFrom(...GPU_TYPES);
export const gpuCode = fc.constantFrom(...GPU_CODES);
export const regionCode = fc.constantFrom(...REGION_CODES);
/** At most 8 GPUs on one host in the emulator. */
export const gpuCount = fc.constantFrom(1, 2, 4, 8);
