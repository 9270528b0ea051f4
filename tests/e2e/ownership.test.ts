// Ownership through the real engine: a create whose outcome is unknown is recorded under a
// pending id, never guessed; the next `up`, a `refresh` or a `destroy` settles it, and what
// another owner made with the same name is never adopted or deleted.
import * as yotta from "pulumi-yotta";
import {
  createYottaStack,
  failureOf,
  stateResources,
  type YottaStack,
} from "../support/yotta-stack";
import type { EmulatorOptions } from "../../emulator";

const SPEC = {
  name: "dup",
  image: "pytorch/pytorch:2.4.0",
  gpuType: "NVIDIA_RTX_4090_24G",
  gpuCount: 1,
  regions: ["us-east-1"],
};

/**
 * `lookWindowMs`: how long after an ambiguous create what it made may still appear. `create`: the
 * pod's create timeout, which also ends the looking.
 */
function dupStack(
  name: string,
  emulator: EmulatorOptions,
  options: { lookWindowMs: number; create?: string },
): Promise<YottaStack> {
  return createYottaStack({
    name,
    emulator,
    env: { YOTTA_LOOK_WINDOW_MS: String(options.lookWindowMs) },
    program: async () => {
      const pod = new yotta.Pod("trainer", {
        ...SPEC,
        timeouts: options.create ? { create: options.create } : undefined,
      });
      return { id: pod.id };
    },
  });
}

function livePods(t: YottaStack): { id: string; name: string }[] {
  return t.emulator.admin
    .list("pod")
    .filter((p) => p.status !== "TERMINATING" && p.status !== "TERMINATED")
    .map((p) => ({ id: String(p.id), name: String(p.name) }));
}

async function recordedId(t: YottaStack): Promise<string | undefined> {
  return (await stateResources(t)).get("trainer")?.id;
}

describe("a 500 on the create, with another owner's pod of the same name and spec", () => {
  let t: YottaStack;
  let foreign: string;

  beforeAll(async () => {
    // Nothing the 500 could have made shows up within 2 s: the attempt made nothing.
    t = await dupStack("e2e-ownership-foreign", {}, { lookWindowMs: 2000 });
    foreign = (await t.client.pods.create(SPEC)).id;
    t.emulator.admin.addFault({ type: "serverError", route: "POST /v2/pods", times: 1 });
  });
  afterAll(() => t?.dispose());

  test("up fails, records the attempt under a pending id and adopts nothing", async () => {
    const message = await failureOf(t.stack.up());
    expect(message).toMatch(
      /pod dup: the create call failed and whether it made the pod is still unknown/,
    );
    expect(await recordedId(t)).toMatch(/^pending-/);
    expect(t.emulator.admin.requests({ method: "POST", path: "/v2/pods" })).toHaveLength(2);
    expect(livePods(t).map((p) => p.id)).toEqual([foreign]);
  });

  test("the next up replaces the record with one pod of ours", async () => {
    const up = await t.stack.up();
    expect(up.summary.resourceChanges).toMatchObject({ replace: 1 });
    const ours = await recordedId(t);
    expect(ours).toMatch(/^\d+$/);
    expect(
      livePods(t)
        .map((p) => p.id)
        .sort(),
    ).toEqual([foreign, ours!].sort());
    await t.stack.preview({ expectNoChanges: true });
  });

  test("destroy deletes ours and leaves the other owner's pod running", async () => {
    await t.stack.destroy();
    expect(livePods(t).map((p) => p.id)).toEqual([foreign]);
  });
});

describe("a create that commits, answers 500, and stays out of the lists", () => {
  let t: YottaStack;

  beforeAll(async () => {
    // The lists lag by 10 minutes of the emulator's clock, within a 20-minute look window; the
    // pod's 2 s create timeout ends the looking first, so the outcome stays unknown.
    t = await dupStack(
      "e2e-ownership-lagging",
      {
        faults: [{ type: "serverError", route: "POST /v2/pods", times: 1, after: true }],
        timing: { listLagMs: 600_000 },
      },
      { lookWindowMs: 1_200_000, create: "2s" },
    );
  });
  afterAll(() => t?.dispose());

  test("up fails with the attempt recorded; the pod it made is not lost", async () => {
    await failureOf(t.stack.up());
    expect(await recordedId(t)).toMatch(/^pending-/);
    expect(livePods(t)).toHaveLength(1);
  });

  test("refresh while the lists still lag keeps the record; once listed, takes the real id", async () => {
    await t.stack.refresh();
    expect(await recordedId(t)).toMatch(/^pending-/);
    t.emulator.admin.advance(600_000);
    await t.stack.refresh();
    const [made] = livePods(t);
    expect(await recordedId(t)).toBe(made!.id);
  });

  test("the next up keeps that pod: no second create, nothing left untracked", async () => {
    t.emulator.admin.clearRequests();
    await t.stack.up();
    expect(t.emulator.admin.requests({ method: "POST", path: "/v2/pods" })).toHaveLength(0);
    expect(livePods(t).map((p) => p.id)).toEqual([await recordedId(t)]);
    await t.stack.destroy();
    expect(livePods(t)).toEqual([]);
  });
});

describe("destroy of a record whose create made a pod", () => {
  let t: YottaStack;

  beforeAll(async () => {
    // The lists lag by 10 minutes of the emulator's clock, within a 20-minute look window; the
    // pod's 2 s create timeout ends the looking first, so the outcome stays unknown.
    t = await dupStack(
      "e2e-ownership-destroy",
      {
        faults: [{ type: "serverError", route: "POST /v2/pods", times: 1, after: true }],
        timing: { listLagMs: 600_000 },
      },
      { lookWindowMs: 1_200_000, create: "2s" },
    );
  });
  afterAll(() => t?.dispose());

  test("deletes the pod the attempt made", async () => {
    await failureOf(t.stack.up());
    expect(livePods(t)).toHaveLength(1);
    t.emulator.admin.advance(600_000);
    await t.stack.destroy();
    expect(livePods(t)).toEqual([]);
    expect(await stateResources(t)).toEqual(new Map());
  });
});
