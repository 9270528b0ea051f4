// Upgrades never break a deployed stack. For every release's fixture in tests/fixtures/upgrade/
// (made by scripts/make-upgrade-fixture.ts with that release's package and emulator), the CURRENT
// code takes over the stack as a user's upgrade would: the state imported unchanged, the cloud
// restored from the emulator's file, then preview, refresh, an in-place update of each kind and
// destroy through the real engine.
//
// What makes this an upgrade test: refresh and delete run the provider text stored in the state
// by the release (`read` and `delete` load `__provider` from the recorded outputs), and that text
// requires whatever `pulumi-yotta/provider/...` is installed now. docs/design.md ("What never
// changes in the serialized provider") says what that text relies on.
import * as fs from "node:fs";
import * as path from "node:path";
import type { PulumiFn, Stack } from "@pulumi/pulumi/automation";
import { startEmulator, type Kind, type RunningEmulator } from "../../emulator";
import { openInlineStack } from "../../scripts/engine";
import type { FixtureInfo } from "../../scripts/upgrade-fixture/deploy";
import { repoRoot, workRoot } from "../support/engine";
import {
  apiCalls,
  apiWrites,
  kindOfType,
  liveRecords,
  readOf,
  stateResources,
} from "../support/yotta-stack";

const FIXTURES = path.join(repoRoot, "tests", "fixtures", "upgrade");

/**
 * What the CHANGELOG announces a preview of an old stack will show, by the release that deployed
 * it: the engine's counts besides `same`. A release that changes old stacks on purpose says so in
 * the CHANGELOG and here; anything else in the preview fails the test.
 */
const ANNOUNCED: Record<string, Record<string, number>> = {
  // The stack's key (`yotta-stack-key`, in the CHANGELOG): made by the first `up` after the
  // upgrade, in the state only; no cloud resource changes.
  "0.1.0": { create: 1 },
};

/** What a fixture's program.ts exports (scripts/upgrade-fixture/program.ts is the template). */
interface FixtureProgram {
  DEPLOYED: unknown;
  UPDATED: unknown;
  UPDATE_CHECKS: { resource: string; kind: Kind; field: string; value: unknown }[];
  UPDATE_CHANGES: Record<string, number>;
  program(spec: unknown): PulumiFn;
}

interface Deployment {
  version: number;
  deployment: { resources?: { urn: string; type: string; [key: string]: unknown }[] };
}

const releases = fs
  .readdirSync(FIXTURES, { withFileTypes: true })
  .filter((entry) => entry.isDirectory())
  .map((entry) => entry.name)
  .sort();

test("the fixture of the first release is there", () => {
  // describe.each over an empty list would pass without testing anything.
  expect(releases).toContain("0.1.0");
});

/** Two sets of the engine's counts, added: what the fixture changes plus what is announced. */
function added(a: Record<string, number>, b: Record<string, number>): Record<string, number> {
  const out = { ...a };
  for (const [op, n] of Object.entries(b)) out[op] = (out[op] ?? 0) + n;
  return out;
}

/** The engine's counts without `same`: what a run changed. */
function changed(counts: Record<string, number> | undefined): Record<string, number> {
  const { same: _same, ...rest } = counts ?? {};
  return rest;
}

/** Each stored provider text, by Pulumi resource name. */
function providerTexts(deployment: Deployment): Map<string, unknown> {
  return new Map(
    (deployment.deployment.resources ?? [])
      .filter((r) => r.type.startsWith("pulumi-nodejs:dynamic/"))
      .map((r) => [
        r.urn.slice(r.urn.lastIndexOf("::") + 2),
        (r.outputs as Record<string, unknown> | undefined)?.__provider,
      ]),
  );
}

describe.each(releases)("a stack deployed with %s, taken over by the current code", (release) => {
  const dir = path.join(FIXTURES, release);
  const workDir = path.join(workRoot, `upgrade-${release}`);
  const info = JSON.parse(fs.readFileSync(path.join(dir, "fixture.json"), "utf8")) as FixtureInfo;
  const saved = JSON.parse(fs.readFileSync(path.join(dir, "state.json"), "utf8")) as Deployment;
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- each fixture brings its own program
  const fixture = require(path.join(dir, "program.ts")) as FixtureProgram;
  /** Every resource the engine counts: all but the default provider. */
  const resourceCount = (saved.deployment.resources ?? []).filter(
    (r) => !r.type.startsWith("pulumi:providers:"),
  ).length;
  const releaseTexts = providerTexts(saved);

  let emulator: RunningEmulator;
  let stack: Stack;
  let spec = fixture.DEPLOYED;
  const t = () => ({ stack, workDir, cleanup: async () => {} });
  const idsInState = async () =>
    new Map([...(await stateResources(t())).values()].map((r) => [r.name, r.id]));

  beforeAll(async () => {
    await fs.promises.rm(workDir, { recursive: true, force: true });
    await fs.promises.mkdir(workDir, { recursive: true });
    // The emulator writes to its state file: it works on a copy, the fixture stays as made.
    const cloud = path.join(workDir, "emulator-state.json");
    await fs.promises.copyFile(path.join(dir, "emulator-state.json"), cloud);
    emulator = await startEmulator({ statePath: cloud, apiKey: info.apiKey });

    // The release's emulator listened on a port picked at random, which may be taken here. The
    // user's apiUrl does not change on upgrade, so pointing it at this emulator changes nothing
    // the test is about. It is the one value rewritten, in the two places that hold it: the
    // stack's config file and the default provider's recorded config in the state.
    const config = await fs.promises.readFile(path.join(dir, "stack-config.yaml"), "utf8");
    expect(config.split(info.apiUrl)).toHaveLength(2);
    await fs.promises.writeFile(
      path.join(workDir, `Pulumi.${info.stack}.yaml`),
      config.replace(info.apiUrl, emulator.url),
    );
    const state = structuredClone(saved);
    for (const resource of state.deployment.resources ?? []) {
      if (!resource.type.startsWith("pulumi:providers:")) continue;
      for (const key of ["inputs", "outputs"]) {
        const props = resource[key] as Record<string, unknown> | undefined;
        if (props?.["yotta:apiUrl"] === info.apiUrl) props["yotta:apiUrl"] = emulator.url;
      }
    }
    // Nothing else held the old URL.
    expect(JSON.stringify(state)).not.toContain(info.apiUrl);

    stack = await openInlineStack({
      workDir,
      projectName: info.project,
      stackName: info.stack,
      program: () => fixture.program(spec)(),
      env: { PULUMI_CONFIG_PASSPHRASE: info.passphrase, YOTTA_POLL_INTERVAL_MS: "25" },
    });
    await stack.importStack(state);
  });
  afterAll(async () => {
    await emulator?.close();
    await fs.promises.rm(workDir, { recursive: true, force: true });
  });

  test("the imported state is the release's, stored provider text included", async () => {
    const imported = (await stack.exportStack()) as Deployment;
    expect(providerTexts(imported)).toEqual(releaseTexts);
    expect(releaseTexts.size).toBeGreaterThan(0);
  });

  test("preview with the current program shows no change and calls no API", async () => {
    emulator.admin.clearRequests();
    const announced = ANNOUNCED[release] ?? {};
    const result = await stack.preview({ expectNoChanges: Object.keys(announced).length === 0 });
    expect(changed(result.changeSummary)).toEqual(announced);
    expect(apiCalls(emulator.admin)).toEqual([]);
  });

  test("refresh runs the release's provider text and finds no drift", async () => {
    emulator.admin.clearRequests();
    const result = await stack.refresh({ expectNoChanges: true });
    expect(result.summary.resourceChanges).toEqual({ same: resourceCount });
    // Every resource was read from the cloud, by its own GET or by its kind's list (the reads
    // of one kind arriving together share one), at most one call each, and nothing was written.
    const reads = apiCalls(emulator.admin);
    expect(reads.every((c) => c.startsWith("GET "))).toBe(true);
    expect(reads.length).toBeLessThanOrEqual(releaseTexts.size);
    for (const r of (await stateResources(t())).values()) {
      const kind = kindOfType(r.type);
      const readBy = kind && r.id ? readOf(reads, kind, r.id) : undefined;
      expect([r.name, readBy]).toEqual([r.name, expect.any(String)]);
    }
    expect(apiWrites(emulator.admin)).toEqual([]);
  });

  test("one field of each kind changes in place, every id kept", async () => {
    const before = await idsInState();
    spec = fixture.UPDATED;
    emulator.admin.clearRequests();
    const result = await stack.up();
    expect(changed(result.summary.resourceChanges)).toEqual(
      added(fixture.UPDATE_CHANGES, ANNOUNCED[release] ?? {}),
    );

    const after = await idsInState();
    for (const [name, id] of before) expect([name, after.get(name)]).toEqual([name, id]);
    for (const check of fixture.UPDATE_CHECKS) {
      const id = after.get(check.resource);
      const record = emulator.admin.get(check.kind, id!) as unknown as Record<string, unknown>;
      expect([check.resource, check.field, record[check.field]]).toEqual([
        check.resource,
        check.field,
        check.value,
      ]);
    }
    // The cloud now matches the updated program.
    const refreshed = await stack.refresh({ expectNoChanges: true });
    expect(changed(refreshed.summary.resourceChanges)).toEqual({});
  });

  test("destroy deletes everything, the release's provider text deleting what it still serves", async () => {
    // The resources the update left alone still carry the release's text, so their delete runs
    // it: that is the path an upgraded user's `destroy` takes.
    const current = providerTexts((await stack.exportStack()) as Deployment);
    const untouched = [...current].filter(([name, text]) => text === releaseTexts.get(name));
    expect(untouched.length).toBeGreaterThan(0);

    const result = await stack.destroy();
    expect(result.summary.result).toBe("succeeded");
    expect(liveRecords(emulator.admin)).toEqual([]);
    expect((await stateResources(t())).size).toBe(0);
  });
});
