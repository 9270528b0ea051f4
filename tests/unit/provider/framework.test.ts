import fc from "fast-check";
import { z } from "zod";
import { checkInputs, PROVIDER_KEY, propertyPath, UNKNOWN } from "../../../provider/check";
import { diffByTable, mismatches, sameValue, type FieldTable } from "../../../provider/diff";
import {
  autoName,
  keepsExplicitName,
  LONG_NAMES,
  SHORT_NAMES,
  STRICT_NAME,
  withName,
} from "../../../provider/naming";
import { deadlineFor, deleteDeadline, durationMs, Timeouts } from "../../../provider/timeouts";
import { ResourceInitError } from "../../../provider/init-error";
import { plain } from "../../../provider/plain";
import { KINDS, type Kind } from "../../../client";
import * as credential from "../../../provider/credential";
import * as endpoint from "../../../provider/endpoint";
import * as pod from "../../../provider/pod";
import * as vm from "../../../provider/vm";
import * as volume from "../../../provider/volume";

const MODULES = { pod, endpoint, volume, credential, vm };

const Sample = z.object({
  name: z.string().min(1),
  gpuCount: z
    .number()
    .int()
    .refine((n) => n > 0 && (n & (n - 1)) === 0, "must be a power of two"),
  resources: z.array(z.object({ region: z.string().min(1) })).default([]),
  mode: z.enum(["ALB", "QUEUE"]).default("ALB"),
});

describe("checkInputs", () => {
  test("fills defaults and keeps the serialized provider", () => {
    const result = checkInputs(Sample, { name: "a", gpuCount: 2, [PROVIDER_KEY]: "code" });
    expect(result.failures).toEqual([]);
    expect(result.inputs).toEqual({
      name: "a",
      gpuCount: 2,
      resources: [],
      mode: "ALB",
      [PROVIDER_KEY]: "code",
    });
  });

  test.each([
    { name: "missing field", news: { gpuCount: 1 }, property: "name" },
    { name: "rule on a number", news: { name: "a", gpuCount: 3 }, property: "gpuCount" },
    {
      name: "nested field",
      news: { name: "a", gpuCount: 1, resources: [{ region: "" }] },
      property: "resources[0].region",
    },
    { name: "enum", news: { name: "a", gpuCount: 1, mode: "X" }, property: "mode" },
  ])("names the property: $name", ({ news, property }) => {
    const { failures } = checkInputs(Sample, news);
    expect(failures.map((f) => f.property)).toEqual([property]);
    expect(failures[0]?.reason).toBeTruthy();
  });

  test("says which rule failed", () => {
    const { failures } = checkInputs(Sample, { name: "a", gpuCount: 6 });
    expect(failures).toEqual([{ property: "gpuCount", reason: "must be a power of two" }]);
  });

  test("tolerates unknown values during preview, top-level and nested", () => {
    const news = { name: UNKNOWN, gpuCount: 1, resources: [{ region: UNKNOWN }] };
    const result = checkInputs(Sample, news);
    expect(result.failures).toEqual([]);
    expect(result.inputs).toBe(news);
  });

  test("still reports known bad values next to unknown ones", () => {
    const { failures } = checkInputs(Sample, { name: UNKNOWN, gpuCount: 5 });
    expect(failures.map((f) => f.property)).toEqual(["gpuCount"]);
  });

  test("propertyPath", () => {
    expect(propertyPath(["a", 0, "b"])).toBe("a[0].b");
    expect(propertyPath([])).toBe("");
  });
});

interface Res {
  name: string;
  image: string;
  size: number;
  env: Record<string, string>;
}

const table: FieldTable<Res> = {
  name: "update",
  image: "replace",
  size: (olds, news) => ((news.size ?? 0) < (olds.size ?? 0) ? "replace" : "update"),
  env: "update",
};

describe("diffByTable", () => {
  const base: Res = { name: "a", image: "img:1", size: 10, env: { A: "1" } };

  test.each([
    { name: "no change", news: {}, changed: [], replaces: [] },
    { name: "update field", news: { name: "b" }, changed: ["name"], replaces: [] },
    { name: "replace field", news: { image: "img:2" }, changed: ["image"], replaces: ["image"] },
    { name: "rule function: grow", news: { size: 20 }, changed: ["size"], replaces: [] },
    { name: "rule function: shrink", news: { size: 5 }, changed: ["size"], replaces: ["size"] },
    { name: "nested map", news: { env: { A: "2" } }, changed: ["env"], replaces: [] },
    { name: "unknown value", news: { image: UNKNOWN }, changed: ["image"], replaces: ["image"] },
  ])("$name", ({ news, changed, replaces }) => {
    const result = diffByTable(table, base, { ...base, ...news } as Partial<Res>);
    expect(result).toEqual({ changed, replaces });
  });

  test("fields outside the table never count", () => {
    const olds = { ...base, status: "RUNNING", [PROVIDER_KEY]: "a" } as Partial<Res>;
    const news = { ...base, status: "PAUSED", [PROVIDER_KEY]: "b" } as Partial<Res>;
    expect(diffByTable(table, olds, news).changed).toEqual([]);
  });

  const json = fc.jsonValue();
  test("property: a value never differs from itself or its copy", () => {
    fc.assert(
      fc.property(json, (value) => {
        expect(sameValue(value, value)).toBe(true);
        expect(sameValue(value, JSON.parse(JSON.stringify(value)))).toBe(true);
      }),
    );
  });

  test("property: diff(x, x) reports no change", () => {
    const record = fc.record({
      name: fc.string(),
      image: fc.string(),
      size: fc.integer(),
      env: fc.dictionary(fc.string(), fc.string()),
    });
    fc.assert(fc.property(record, (r) => expect(diffByTable(table, r, r).changed).toEqual([])));
  });

  test("missing, undefined and null are the same; key order is not a difference", () => {
    expect(sameValue({ a: 1, b: undefined }, { a: 1 })).toBe(true);
    expect(sameValue(null, undefined)).toBe(true);
    expect(sameValue({ a: 1, b: 2 }, { b: 2, a: 1 })).toBe(true);
    expect(sameValue([1, 2], [2, 1])).toBe(false);
    expect(sameValue(0, null)).toBe(false);
    expect(sameValue("", undefined)).toBe(false);
  });
});

describe("mismatches", () => {
  const declared: Res = { name: "a", image: "img:1", size: 10, env: { B: "2", A: "1" } };

  test.each([
    { name: "all the same", reported: declared, out: [] },
    { name: "key order is no difference", reported: { env: { A: "1", B: "2" } }, out: [] },
    { name: "reported leaves a field out", reported: { name: "a" }, out: [] },
    { name: "reported null", reported: { size: null }, out: [] },
    {
      name: "a different value",
      reported: { image: "img:2", size: 20 },
      out: ['image is "img:2", declared "img:1"', "size is 20, declared 10"],
    },
    {
      name: "a different map",
      reported: { env: { A: "1" } },
      out: ['env is {"A":"1"}, declared {"B":"2","A":"1"}'],
    },
  ])("$name", ({ reported, out }) => {
    const fields = ["name", "image", "size", "env"] as const;
    expect(mismatches(reported as Partial<Res>, declared, fields)).toEqual(out);
  });

  test("a field the inputs leave out accepts any reported value", () => {
    expect(mismatches<Res>({ size: 20 }, { name: "a" }, ["name", "size"])).toEqual([]);
  });

  test("only the listed fields are compared", () => {
    expect(mismatches<Res>({ image: "img:2" }, declared, ["name"])).toEqual([]);
  });
});

describe("naming", () => {
  test.each([
    { logical: "trainer", rule: LONG_NAMES, expected: "trainer-abcdef1" },
    { logical: "9-lives", rule: SHORT_NAMES, expected: "y9-lives-abcdef1" },
    { logical: "my endpoint/v2", rule: SHORT_NAMES, expected: "my-endpoint-abcdef1" },
    {
      logical: "a-very-long-serverless-endpoint-name",
      rule: SHORT_NAMES,
      expected: "a-very-long-abcdef1",
    },
  ])("autoName($logical)", ({ logical, rule, expected }) => {
    const name = autoName(logical, rule, () => "abcdef1");
    expect(name).toBe(expected);
    expect(name.length).toBeLessThanOrEqual(rule.maxLength);
  });

  test("property: strict auto-names always satisfy the API's name rule", () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 80 }), (logical) => {
        expect(autoName(logical, SHORT_NAMES)).toMatch(STRICT_NAME);
      }),
    );
  });

  test("explicit name wins, then the previous name, then a new one", () => {
    const rule = LONG_NAMES;
    expect(withName({ name: "old" }, { name: "mine", autonamePrefix: "x" }, rule)).toEqual({
      name: "mine",
    });
    expect(withName({ name: "old" }, { autonamePrefix: "x" }, rule)).toEqual({
      name: "old",
      autonamePrefix: "x",
    });
    expect(withName({}, { autonamePrefix: "x" }, rule).name).toMatch(/^x-[0-9a-f]{7}$/);
    expect(withName({}, {}, rule)).toEqual({});
  });

  test.each([
    { name: "explicit name kept", olds: { name: "a" }, news: { name: "a" }, keeps: true },
    { name: "explicit name changed", olds: { name: "a" }, news: { name: "b" }, keeps: false },
    {
      name: "derived name",
      olds: { name: "a" },
      news: { name: "a", autonamePrefix: "x" },
      keeps: false,
    },
  ])("keepsExplicitName: $name", ({ olds, news, keeps }) => {
    expect(keepsExplicitName(olds, news)).toBe(keeps);
  });
});

describe("timeouts", () => {
  test.each([
    ["90s", 90_000],
    ["20m", 1_200_000],
    ["1h30m", 5_400_000],
    ["1h", 3_600_000],
  ])("durationMs(%s)", (text, ms) => expect(durationMs(text)).toBe(ms));

  test.each(["", "0s", "5", "10 m", "1d", "-1m"])("rejects %j", (text) => {
    expect(Timeouts.safeParse({ create: text }).success).toBe(false);
  });

  test("rejects unknown operations", () => {
    expect(Timeouts.safeParse({ read: "1m" }).success).toBe(false);
  });

  test("deadline uses the resource's timeout, else the default", () => {
    const defaults = { create: "20m", update: "10m", delete: "5m" };
    expect(deadlineFor("create", { create: "1m" }, defaults, 1000)).toBe(61_000);
    expect(deadlineFor("delete", undefined, defaults, 0)).toBe(300_000);
  });

  test.each([
    { name: "the stored delete timeout", timeouts: { delete: "1m" }, ms: 60_000 },
    { name: "no timeouts: the default", timeouts: undefined, ms: 300_000 },
    { name: "unparsable (older state): the default", timeouts: "soon", ms: 300_000 },
    { name: "an unknown operation: the default", timeouts: { read: "1m" }, ms: 300_000 },
  ])("deleteDeadline: $name", ({ timeouts, ms }) => {
    const defaults = { create: "20m", update: "10m", delete: "5m" };
    expect(deleteDeadline({ timeouts }, defaults, 0)).toBe(ms);
  });
});

describe("ResourceInitError", () => {
  test("carries id, outputs with the serialized provider, and the reason", () => {
    const err = new ResourceInitError(
      "pod went FAILED",
      "378888638324150969",
      { status: "FAILED" },
      { [PROVIDER_KEY]: "code", image: "x" },
    );
    expect(err.id).toBe("378888638324150969");
    expect(err.properties).toEqual({ status: "FAILED", [PROVIDER_KEY]: "code" });
    expect(err.reasons).toEqual(["pod went FAILED"]);
    expect(err.message).toBe("pod went FAILED");
  });
});

describe("plain", () => {
  test("drops undefined at every depth; null stays; arrays keep their length", () => {
    expect(
      plain({ a: undefined, b: { c: undefined, d: 1 }, e: [undefined, { f: undefined }], g: null }),
    ).toEqual({
      b: { d: 1 },
      e: [null, {}],
      g: null,
    });
    expect(Object.keys(plain({ a: undefined }))).toEqual([]);
  });
});

describe("a record whose inputs today's rules refuse (written by an older release)", () => {
  const GPU = "NVIDIA_RTX_4090_24G";
  const RECORDS: Record<Kind, { props: Record<string, unknown>; says: string }> = {
    pod: {
      props: { name: "trainer", image: "pytorch pytorch", gpuType: GPU, gpuCount: 1 },
      says: "pod trainer: the recorded image must not contain spaces or control characters",
    },
    endpoint: {
      props: {
        name: "llm",
        image: "vllm/vllm-openai:latest",
        resources: [{ region: "us-east-1", gpuType: GPU, gpuCount: 3 }],
        workers: 1,
        serviceMode: "ALB",
      },
      says: "endpoint llm: the recorded resources[0].gpuCount must be a power of two",
    },
    volume: {
      props: { name: "   ", storageType: "CEPH", region: "us-east-1", sizeInGb: 100 },
      says: "volume    : the recorded name must not be blank",
    },
    credential: {
      props: { name: "9lives", username: "me", password: "pw-secret" },
      says: "credential 9lives: the recorded name must start with a letter",
    },
    vm: {
      props: { name: "box", gpuType: GPU, region: "us-east-1", volumeMountPaths: { "1": "data" } },
      says: "vm box: the recorded volumeMountPaths.1 must",
    },
  };

  test.each(KINDS)(
    "%s: fails naming the input and the rule, and says how to move on",
    async (kind) => {
      const { props, says } = RECORDS[kind];
      const record = { ...props, id: "1", status: "RUNNING" };
      // `update` parses the inputs before any call; so do `read` and `create`.
      const parse = MODULES[kind].update("1", record, record);
      await expect(parse).rejects.toThrow(says);
      await expect(parse).rejects.toThrow(
        "which this release refuses; set a valid value in the program",
      );
    },
  );

  test.each(KINDS)(
    "%s: its ownership is still found, by the recorded name, and proves nothing by spec",
    (kind) => {
      const { props } = RECORDS[kind];
      // A pending record of an older release must never be stuck on its inputs (issue 19, item 5).
      const ownership = MODULES[kind].ownership({ ...props, status: "RUNNING" });
      expect(ownership.name).toBe(props.name);
      expect(ownership.matches({ id: "1", ...props } as never)).toBe(false);
    },
  );
});
