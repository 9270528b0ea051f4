// The soak's own parts, without the engine: seeds always make a valid plan, the same one every
// time, and each invariant check reports what it is meant to and nothing on a clean step.
import fc from "fast-check";
import { startEmulator, type RunningEmulator } from "../../emulator";
import { YottaClient } from "../../client";
import { cloudRecords, faultsFired, makeForeign, type ForeignRecord } from "../support/soak/cloud";
import {
  checkStep,
  type Observation,
  type StateEntry,
  type StepOutcome,
} from "../support/soak/invariants";
import { planSeed, type Features } from "../support/soak/plan";
import type { LoggedRequest } from "../../emulator";

const ALL: Features = { serverErrorAfter: true, tokenBucket: true, listLag: true };
const NONE: Features = { serverErrorAfter: false, tokenBucket: false, listLag: false };
/** The service's rule for endpoint and credential names. */
const STRICT_NAME = /^(?=[A-Za-z])[A-Za-z0-9@._-]{1,20}$/;

describe("plans", () => {
  test("a seed gives the same plan every time", () => {
    expect(JSON.stringify(planSeed(42, ALL))).toBe(JSON.stringify(planSeed(42, ALL)));
  });

  test("the program does not depend on what the emulator supports", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1_000_000 }), (seed) => {
        expect(planSeed(seed, ALL).declarations).toEqual(planSeed(seed, NONE).declarations);
        expect(planSeed(seed, NONE).faults.some((f) => f.type === "serverError" && f.after)).toBe(
          false,
        );
      }),
    );
  });

  test("every seed makes 2 to 5 declarations the service accepts (one more for a twin), with unique logical names", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1_000_000 }), (seed) => {
        const plan = planSeed(seed, ALL);
        const logical = plan.declarations.map((d) => d.logical);
        const twins = plan.hostile.twinOf ? 1 : 0;
        expect(logical.length).toBeGreaterThanOrEqual(2 + twins);
        expect(logical.length).toBeLessThanOrEqual(5 + twins);
        if (plan.hostile.twinOf) {
          const [original, twin] = [plan.hostile.twinOf, `${plan.hostile.twinOf}twin`].map((l) =>
            plan.declarations.find((d) => d.logical === l),
          );
          expect(twin).toEqual({ ...original, logical: `${plan.hostile.twinOf}twin` });
          expect(original).toMatchObject({ kind: "pod", name: expect.any(String) });
        }
        expect(new Set(logical).size).toBe(logical.length);
        for (const d of plan.declarations) {
          if ((d.kind === "credential" || d.kind === "endpoint") && d.name) {
            expect(d.name).toMatch(STRICT_NAME);
          }
          if (d.kind === "pod" && d.volume) {
            const volume = plan.declarations.find((v) => v.logical === d.volume);
            expect(volume).toMatchObject({ kind: "volume", region: d.regions[0] });
          }
        }
        for (const f of plan.foreign) {
          if (f.spec.kind === "credential" || f.spec.kind === "endpoint") {
            expect(f.spec.name).toMatch(STRICT_NAME);
          }
        }
        // At most one region without capacity, never one a resource is pinned to.
        const noCapacity = plan.faults.filter((f) => f.type === "noCapacity");
        expect(noCapacity.length).toBeLessThanOrEqual(1);
      }),
    );
  });
});

describe("invariant checks", () => {
  let cloud: RunningEmulator;
  let client: YottaClient;
  let foreign: ForeignRecord[];

  beforeEach(async () => {
    cloud = await startEmulator({ frozenClock: true });
    client = new YottaClient({ apiKey: cloud.apiKey, baseUrl: cloud.url });
    foreign = await makeForeign(client, cloud.admin, [
      {
        spec: {
          kind: "volume",
          logical: "",
          name: "console-vol",
          region: "us-east-1",
          sizeInGb: 10,
        },
      },
    ]);
  });
  afterEach(() => cloud.close());

  const ok: StepOutcome = { step: "up 1", ok: true, output: "", diagnostics: [], ms: 1 };

  async function ours(name: string): Promise<string> {
    return (await client.credentials.create({ name, username: "u", password: "p" })).id;
  }

  function entry(pulumiName: string, id: string, extra: Partial<StateEntry> = {}): StateEntry {
    return {
      urn: `urn:pulumi:test::soak::pulumi-nodejs:dynamic/yotta:Credential::${pulumiName}`,
      pulumiName,
      kind: "credential",
      id,
      pendingDelete: false,
      cloudName: pulumiName,
      ...extra,
    };
  }

  function observe(
    state: StateEntry[],
    outcome: StepOutcome = ok,
    operation: Observation["operation"] = "up",
  ): string[] {
    return checkStep({
      outcome,
      admin: cloud.admin,
      state: { resources: state, pendingOperations: [] },
      cloud: cloudRecords(cloud.admin),
      foreign,
      operation,
      explicitNames: new Map(),
    }).map((f) => f.invariant);
  }

  test("a clean step reports nothing", async () => {
    const id = await ours("reg");
    expect(observe([entry("reg", id)])).toEqual([]);
  });

  test("a foreign resource deleted, changed or held in the state", async () => {
    const [volume] = foreign;
    cloud.admin.rename("volume", volume!.id, "mine-now");
    expect(observe([])).toEqual(["foreign touched"]);
    expect(observe([{ ...entry("data", volume!.id), kind: "volume" }])).toEqual([
      "foreign touched",
      "foreign in state",
    ]);
    cloud.admin.deleteResource("volume", volume!.id);
    expect(observe([])).toEqual(["foreign touched"]);
  });

  test("two live records of one name, unless the state keeps one only to delete it", async () => {
    // Credential names are unique through the API; the admin API renames behind its back.
    const first = await ours("reg2");
    const second = await ours("twin");
    cloud.admin.rename("credential", first, "twin");
    expect(observe([entry("twin", second)], { ...ok, ok: false, error: "x" })).toContain(
      "duplicate",
    );
    expect(observe([entry("twin", second), entry("twin", first, { pendingDelete: true })])).toEqual(
      [],
    );
  });

  test("a live record in no state is an orphan once a step succeeded, not before", async () => {
    await ours("lost");
    const failed: StepOutcome = {
      ...ok,
      ok: false,
      error: "up failed",
      diagnostics: [{ urn: entry("lost", "1").urn, severity: "error", message: "lost: 500" }],
    };
    expect(observe([], failed)).toEqual([]);
    expect(observe([])).toEqual(["orphan"]);
  });

  test("an id that differs from the cloud's in its last digits", async () => {
    const id = await ours("exact");
    const rounded = String(Number(id));
    expect(rounded).not.toBe(id);
    expect(observe([entry("exact", rounded)])).toContain("id mismatch");
  });

  test("a pending record: fine while unknown, what its attempt made is no orphan, gone after up", async () => {
    const made = await ours("tried-1a2b3c4");
    const pending = entry("tried", "pending-0123abcd", {
      attempt: { name: "tried-1a2b3c4", knownIds: [] },
    });
    expect(observe([pending], ok, "refresh")).toEqual([]);
    // The same name held before the attempt was sent is not what it made.
    expect(
      observe(
        [{ ...pending, attempt: { name: "tried-1a2b3c4", knownIds: [made] } }],
        ok,
        "refresh",
      ),
    ).toEqual(["orphan"]);
    expect(observe([pending, entry("tried", made)], ok, "up")).toEqual(["pending left"]);
  });

  test("destroy that leaves a state entry or a live record", async () => {
    const id = await ours("left");
    expect(observe([entry("left", id)], ok, "destroy")).toEqual(["destroy left", "destroy left"]);
  });

  test("a crash in the engine output, and a failure that names no resource", async () => {
    expect(
      observe([], { ...ok, output: "error: Unhandled rejection: TypeError: x is undefined" }),
    ).toEqual(["crash", "crash"]);
    const unnamed: StepOutcome = {
      ...ok,
      ok: false,
      error: "update failed",
      diagnostics: [
        { urn: entry("reg", "1").urn, severity: "error", message: "HTTP 500 system error" },
      ],
    };
    expect(observe([], unnamed)).toEqual(["unnamed failure"]);
    expect(
      observe([], {
        ...unnamed,
        diagnostics: [{ ...unnamed.diagnostics[0]!, message: "credential reg-1a2b3c4: HTTP 500" }],
      }),
    ).toEqual([]);
  });
});

describe("faults fired", () => {
  const request = (time: number, fault: string | null, status: number | null = 200) =>
    ({ time, fault, status }) as LoggedRequest;

  test("by the log's label, a 429 without one, and a latency by its late entry", () => {
    const log = [
      request(0, "serverError 502"),
      request(10, "serverError 500 after"),
      request(20, null, 429),
      request(3_000, null),
      // Arrived at 1,000 but logged after one that arrived two seconds later: it waited.
      request(1_000, null),
      request(3_100, "dropResponse", null),
    ];
    expect(faultsFired(log)).toEqual({
      serverError: 1,
      "serverError after": 1,
      "limiter 429": 1,
      latency: 1,
      dropResponse: 1,
    });
  });
});
