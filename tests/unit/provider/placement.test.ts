import * as pod from "../../../provider/pod";
import { UNKNOWN } from "../../../provider/check";
import {
  isNoCapacity,
  NoPlacementError,
  placeInOrder,
  type Placement,
} from "../../../provider/placement";
import { ConnectionError, InvalidParamsError, ServerError } from "../../../client";
import {
  startProviderHarness,
  withProvider,
  type ProviderHarness,
} from "../../support/provider-harness";

const H100 = "NVIDIA_H100_80G";
const A100 = "NVIDIA_A100_80G";

const BASE = {
  autonamePrefix: "worker",
  image: "pytorch/pytorch:2.4.0",
  gpuCount: 1,
  placements: [
    { gpuType: H100, regions: ["us-east-1"] },
    { gpuType: H100, regions: ["us-west-2"] },
  ],
};

function noCapacity(where: string): InvalidParamsError {
  return new InvalidParamsError(
    `pods.create (POST /v2/pods) failed with HTTP 200, code 10001: regions: no capacity for gpu type [${H100}] in [${where}]`,
    { call: "pods.create", code: 10001, status: 200 },
  );
}

describe("isNoCapacity", () => {
  test.each([
    { name: "the emulator's 10001", error: noCapacity("us-east-1"), expected: true },
    {
      name: "another code, same words",
      error: new ServerError("pods.create failed with HTTP 503: insufficient capacity", {
        status: 503,
      }),
      expected: true,
    },
    {
      name: "a GPU the region does not sell",
      error: new InvalidParamsError("regions [eu-2] offer no gpu type [X]", { status: 200 }),
      expected: false,
    },
    {
      name: "no response at all",
      error: new ConnectionError("socket hang up: no capacity"),
      expected: false,
    },
    { name: "not from the client", error: new Error("no capacity"), expected: false },
  ])("$name → $expected", ({ error, expected }) => {
    expect(isNoCapacity(error)).toBe(expected);
  });
});

describe("placeInOrder", () => {
  const placements: Placement[] = [
    { gpuType: H100, regions: ["us-east-1"] },
    { gpuType: H100, regions: ["us-west-2"] },
    { gpuType: A100 },
  ];
  const far = Date.now() + 60_000;

  beforeEach(() => {
    jest.spyOn(console, "log").mockImplementation(() => undefined);
  });

  test("the first placement with capacity wins; the ones before it are reported", async () => {
    const tried: number[] = [];
    const placed = await placeInOrder({
      kind: "pod",
      name: "w",
      placements,
      deadline: far,
      attempt: async (p, i) => {
        tried.push(i);
        if (i < 2) throw noCapacity(p.regions![0]!);
        return "made";
      },
    });
    expect(tried).toEqual([0, 1, 2]);
    expect(placed).toMatchObject({ result: "made", index: 2, placement: { gpuType: A100 } });
    expect(placed.skipped.map((s) => s.index)).toEqual([0, 1]);
  });

  test("any other failure stops at once and names what was tried before", async () => {
    const tried: number[] = [];
    const error = await placeInOrder({
      kind: "pod",
      name: "w",
      placements,
      deadline: far,
      attempt: async (_p, i) => {
        tried.push(i);
        if (i === 0) throw noCapacity("us-east-1");
        throw new InvalidParamsError("image is not allowed", { status: 200 });
      },
    }).then(
      () => new Error("placed"),
      (e: unknown) => e as Error,
    );
    expect(tried).toEqual([0, 1]);
    expect(error).not.toBeInstanceOf(NoPlacementError);
    expect(error.message).toMatch(/placement 2 of 3 \(NVIDIA_H100_80G in \[us-west-2\]\) failed/);
    expect(error.message).toMatch(/image is not allowed/);
    expect(error.message).toMatch(/1\. NVIDIA_H100_80G in \[us-east-1\]: .*no capacity/);
  });

  test("a failure of the first placement passes through untouched", async () => {
    const original = new InvalidParamsError("bad", { status: 200 });
    await expect(
      placeInOrder({
        kind: "pod",
        name: "w",
        placements,
        deadline: far,
        attempt: async () => {
          throw original;
        },
      }),
    ).rejects.toBe(original);
  });

  test("when nothing fits, the error lists every placement and why", async () => {
    const error = (await placeInOrder({
      kind: "pod",
      name: "w",
      placements,
      deadline: far,
      attempt: async (p) => {
        throw noCapacity(p.regions?.join(", ") ?? "all");
      },
    }).catch((e: unknown) => e)) as NoPlacementError;
    expect(error).toBeInstanceOf(NoPlacementError);
    expect(error.attempts).toHaveLength(3);
    expect(error.message.split("\n")).toEqual([
      "pod w: no placement has capacity; nothing was created.",
      "tried, in order:",
      expect.stringMatching(/^ {2}1\. NVIDIA_H100_80G in \[us-east-1\]: .*no capacity/),
      expect.stringMatching(/^ {2}2\. NVIDIA_H100_80G in \[us-west-2\]: .*no capacity/),
      expect.stringMatching(/^ {2}3\. NVIDIA_A100_80G in any region: .*no capacity/),
      expect.stringMatching(/^Add placements/),
    ]);
  });

  test("all attempts share one deadline: the ones left when it passes are not tried", async () => {
    let clock = 0;
    const tried: number[] = [];
    const error = (await placeInOrder({
      kind: "pod",
      name: "w",
      placements,
      deadline: 100,
      now: () => clock,
      attempt: async (_p, i) => {
        tried.push(i);
        clock += 60;
        throw noCapacity("x");
      },
    }).catch((e: unknown) => e)) as NoPlacementError;
    expect(tried).toEqual([0, 1]);
    expect(error.message).toMatch(/the create timeout ran out; nothing was created/);
    expect(error.message).toMatch(/not tried:\n {2}3\. NVIDIA_A100_80G in any region/);
    expect(error.message).toMatch(/Raise timeouts\.create/);
  });
});

describe("pod check with placements", () => {
  test.each([
    {
      name: "placements and gpuType",
      news: { gpuType: H100 },
      property: "gpuType",
      reason: /cannot be combined with placements/,
    },
    {
      name: "placements and regions",
      news: { regions: ["eu-3"] },
      property: "regions",
      reason: /cannot be combined with placements/,
    },
    {
      name: "neither form",
      news: { placements: undefined },
      property: "gpuType",
      reason: /required unless placements/,
    },
    { name: "empty list", news: { placements: [] }, property: "placements", reason: /at least/ },
    {
      name: "the same placement twice",
      news: { placements: [{ gpuType: H100 }, { gpuType: H100 }] },
      property: "placements",
      reason: /same placement twice/,
    },
    {
      name: "a placement without its GPU type",
      news: { placements: [{ regions: ["eu-3"] }] },
      property: "placements[0].gpuType",
      reason: /string/,
    },
    {
      name: "an empty region list",
      news: { placements: [{ gpuType: H100, regions: [] }] },
      property: "placements[0].regions",
      reason: /at least one region/,
    },
    {
      name: "a region twice in one placement",
      news: { placements: [{ gpuType: H100, regions: ["eu-3", "eu-3"] }] },
      property: "placements[0].regions",
      reason: /repeat/,
    },
  ])("$name → fails on $property", async ({ news, property, reason }) => {
    const { failures } = await pod.check({}, withProvider({ ...BASE, ...news }));
    expect(failures).toContainEqual({ property, reason: expect.stringMatching(reason) });
  });

  test("order is kept: it is the user's preference", async () => {
    const reversed = [...BASE.placements].reverse();
    const { inputs, failures } = await pod.check(
      {},
      withProvider({ ...BASE, placements: reversed }),
    );
    expect(failures).toEqual([]);
    expect(inputs.placements).toEqual(reversed);
  });

  test("unknown placements pass during preview", async () => {
    for (const placements of [UNKNOWN, [{ gpuType: UNKNOWN }]]) {
      const { failures } = await pod.check({}, withProvider({ ...BASE, placements }));
      expect(failures).toEqual([]);
    }
  });
});

describe("pod diff with placements", () => {
  let inputs: Record<string, unknown>;
  beforeAll(async () => {
    inputs = (await pod.check({}, withProvider({ ...BASE, name: "w" }))).inputs;
  });

  test("what was obtained is no desired input: no change against the same placements", async () => {
    const olds = { ...inputs, gpuType: H100, region: "us-west-2", placementIndex: 1 };
    expect((await pod.diff("1", olds, inputs)).changes).toBe(false);
  });

  test.each([
    ["another order", [...BASE.placements].reverse()],
    ["one more", [...BASE.placements, { gpuType: A100 }]],
    ["another region", [{ gpuType: H100, regions: ["eu-3"] }]],
  ])("%s replaces", async (_name, placements) => {
    const olds = { ...inputs, gpuType: H100 };
    const result = await pod.diff("1", olds, { ...inputs, placements });
    expect(result.replaces).toEqual(["placements"]);
  });

  test("moving between the two forms replaces", async () => {
    const single = (
      await pod.check(
        {},
        withProvider({
          ...BASE,
          name: "w",
          placements: undefined,
          gpuType: H100,
          regions: ["us-east-1"],
        }),
      )
    ).inputs;
    const fromPlacements = await pod.diff("1", { ...inputs, gpuType: H100 }, single);
    expect(fromPlacements.replaces?.sort()).toEqual(["gpuType", "placements", "regions"]);
    const toPlacements = await pod.diff("1", single, inputs);
    expect(toPlacements.replaces?.sort()).toEqual(["gpuType", "placements", "regions"]);
  });
});

describe("placement against the emulator", () => {
  let h: ProviderHarness;
  beforeAll(async () => {
    h = await startProviderHarness();
  });
  afterAll(() => h.close());
  beforeEach(() => {
    h.emulator.admin.reset();
  });

  async function checked(extra: Record<string, unknown> = {}) {
    const result = await pod.check({}, withProvider({ ...BASE, ...extra }));
    expect(result.failures).toEqual([]);
    return result.inputs;
  }

  const creates = () => h.emulator.admin.requests({ method: "POST", path: "/v2/pods" });

  test("with capacity, the first placement is used and said so", async () => {
    const created = await pod.create(await checked());
    expect(created.outs).toMatchObject({
      status: "RUNNING",
      gpuType: H100,
      region: "us-east-1",
      placementIndex: 0,
    });
    expect(creates()).toHaveLength(1);
    expect(creates()[0]?.body).toMatchObject({ gpuType: H100, regions: ["us-east-1"] });
  });

  test("no capacity in the first region: the pod lands in the second", async () => {
    h.emulator.admin.addFault({ type: "noCapacity", region: "us-east-1" });
    const created = await pod.create(await checked());
    expect(created.outs).toMatchObject({ region: "us-west-2", placementIndex: 1, gpuType: H100 });
    expect(creates().map((r) => [r.code, (r.body as { regions: string[] }).regions])).toEqual([
      [10001, ["us-east-1"]],
      [10000, ["us-west-2"]],
    ]);
    expect((await h.client.pods.get(created.id)).region).toBe("us-west-2");
  });

  test("no capacity for the preferred GPU type: the next type is used", async () => {
    h.emulator.admin.addFault({ type: "noCapacity", region: "us-east-1", gpuType: H100 });
    const created = await pod.create(
      await checked({
        placements: [
          { gpuType: H100, regions: ["us-east-1"] },
          { gpuType: A100, regions: ["us-east-1"] },
        ],
      }),
    );
    expect(created.outs).toMatchObject({ gpuType: A100, region: "us-east-1", placementIndex: 1 });
    expect((await h.client.pods.get(created.id)).gpuType).toBe(A100);
  });

  test("nothing fits: an error listing each placement, and nothing created", async () => {
    h.emulator.admin.addFault({ type: "noCapacity", region: "us-east-1" });
    h.emulator.admin.addFault({ type: "noCapacity", region: "us-west-2" });
    const error = (await pod.create(await checked()).catch((e: unknown) => e)) as Error;
    expect(error).toBeInstanceOf(NoPlacementError);
    expect(error.message).toMatch(
      /^pod worker-\w+: no placement has capacity; nothing was created/,
    );
    expect(error.message).toMatch(
      /1\. NVIDIA_H100_80G in \[us-east-1\]: .*code 10001.*no capacity/,
    );
    expect(error.message).toMatch(/2\. NVIDIA_H100_80G in \[us-west-2\]: .*no capacity/);
    expect(creates()).toHaveLength(2);
    expect(await h.client.pods.list()).toEqual([]);
  });

  test("the gpuType form says the same when its one placement has no room", async () => {
    h.emulator.admin.addFault({ type: "noCapacity", region: "us-east-1" });
    const inputs = await checked({
      placements: undefined,
      gpuType: H100,
      regions: ["us-east-1"],
    });
    await expect(pod.create(inputs)).rejects.toThrow(
      /no placement has capacity[\s\S]*1\. NVIDIA_H100_80G in \[us-east-1\]/,
    );
  });

  test("another refusal stops: the next placement is not tried", async () => {
    // us-east-2 sells consumer cards only: a mistake in the placement, not a capacity problem.
    const inputs = await checked({
      placements: [{ gpuType: H100, regions: ["us-east-2"] }, { gpuType: H100 }],
    });
    await expect(pod.create(inputs)).rejects.toThrow(/offer no gpu type/);
    expect(creates()).toHaveLength(1);
  });

  test("one time budget: a slow refusal leaves no time for the next placement", async () => {
    h.emulator.admin.addFault({ type: "noCapacity", region: "us-east-1" });
    h.emulator.admin.addFault({ type: "latency", route: "POST /v2/pods", ms: 1_100 });
    const inputs = await checked({ timeouts: { create: "1s" } });
    await expect(pod.create(inputs)).rejects.toThrow(
      /the create timeout ran out[\s\S]*not tried:\n {2}2\. NVIDIA_H100_80G in \[us-west-2\]/,
    );
    expect(creates()).toHaveLength(1);
  });

  test("refresh keeps what was obtained and reports no drift", async () => {
    h.emulator.admin.addFault({ type: "noCapacity", region: "us-east-1" });
    const inputs = await checked();
    const created = await pod.create(inputs);
    const read = await pod.read(created.id, created.outs);
    const props = read.props as Record<string, unknown>;
    expect(props).toMatchObject({ gpuType: H100, region: "us-west-2", placementIndex: 1 });
    expect(props.regions).toBeUndefined();
    expect(await pod.diff(created.id, props, inputs)).toMatchObject({ changes: false });
  });

  test("pause and resume keep what was obtained", async () => {
    h.emulator.admin.addFault({ type: "noCapacity", region: "us-east-1" });
    const inputs = await checked();
    const created = await pod.create(inputs);
    const updated = await pod.update(created.id, created.outs, { ...inputs, running: false });
    expect(updated.outs).toMatchObject({
      status: "PAUSED",
      gpuType: H100,
      region: "us-west-2",
      placementIndex: 1,
    });
  });

  test("adoptId finds which placement an existing pod fits", async () => {
    const existing = await h.client.pods.create({
      name: "legacy",
      image: BASE.image,
      gpuType: H100,
      gpuCount: 1,
      regions: ["us-west-2"],
    });
    const adopted = await pod.create(await checked({ name: "legacy", adoptId: existing.id }));
    expect(adopted.outs).toMatchObject({ placementIndex: 1, region: "us-west-2" });
    expect(creates()).toHaveLength(1);
  });

  test("adoptId refuses a pod outside every placement", async () => {
    const existing = await h.client.pods.create({
      name: "legacy",
      image: BASE.image,
      gpuType: H100,
      gpuCount: 1,
      regions: ["eu-3"],
    });
    await expect(
      pod.create(await checked({ name: "legacy", adoptId: existing.id })),
    ).rejects.toThrow(/runs NVIDIA_H100_80G in eu-3, which no declared placement allows/);
  });
});
