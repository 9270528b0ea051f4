// GpuFleet through the real engine against the emulator: placement over two regions, scaling by
// the difference, a rolling template change, falling back when a region is full, and the spend
// guard, both before anything exists and once the API reports prices.
import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { PulumiCommand } from "@pulumi/pulumi/automation";
import * as yotta from "pulumi-yotta";
import { engineEnv, pulumiCliDir, repoRoot } from "../support/engine";
import { createYottaStack, stateResources, type YottaStack } from "../support/yotta-stack";

const H100 = "NVIDIA_H100_80G";
/** The emulator's H100 price, USD per GPU-hour (emulator/catalog.ts). */
const H100_PRICE = 2.5;
const PLACEMENTS = [
  { gpuType: H100, regions: ["us-east-1"] },
  { gpuType: H100, regions: ["us-west-2"] },
];

interface Spec {
  replicas: number;
  image: string;
  spread: boolean;
  budget?: yotta.BudgetArgs;
}

function fleetProgram(name: string, spec: Spec) {
  return async () => {
    const fleet = new yotta.GpuFleet(name, {
      replicas: spec.replicas,
      template: { image: spec.image, gpuCount: 1, expose: [{ port: 22, protocol: "SSH" }] },
      placements: PLACEMENTS,
      spread: spec.spread,
      budget: spec.budget,
    });
    return {
      replicas: fleet.replicas,
      totalHourlyCost: fleet.totalHourlyCost,
      totalGpus: fleet.totalGpus,
    };
  };
}

interface ReplicaOutput {
  name: string;
  region: string;
  placementIndex: number;
  sshCommand: string;
  hourlyPrice: number;
}

/** Counts the fleet's RUNNING pods in the emulator every few milliseconds while it runs. */
function sampleRunning(t: YottaStack, prefix: string) {
  const counts: number[] = [];
  const timer = setInterval(() => {
    const pods = t.emulator.admin.list("pod");
    counts.push(pods.filter((p) => p.name.startsWith(prefix) && p.status === "RUNNING").length);
  }, 5);
  return {
    stop: () => {
      clearInterval(timer);
      return { min: Math.min(...counts), max: Math.max(...counts), samples: counts.length };
    },
  };
}

describe("a fleet through the real engine", () => {
  let t: YottaStack;
  const spec: Spec = { replicas: 6, image: "pytorch/pytorch:2.4.0", spread: true };

  beforeAll(async () => {
    t = await createYottaStack({ name: "e2e-fleet", program: fleetProgram("trainers", spec) });
  });
  afterAll(() => t?.dispose());

  const running = async () => (await t.client.pods.list()).filter((p) => p.status === "RUNNING");

  test("6 replicas spread over two regions deploy, and the outputs say where", async () => {
    const result = await t.stack.up();
    expect(result.summary.result).toBe("succeeded");
    const pods = await running();
    expect(pods).toHaveLength(6);
    expect(pods.filter((p) => p.region === "us-east-1")).toHaveLength(3);
    expect(pods.filter((p) => p.region === "us-west-2")).toHaveLength(3);

    const replicas = result.outputs.replicas?.value as ReplicaOutput[];
    expect(replicas.map((r) => [r.region, r.placementIndex])).toEqual([
      ["us-east-1", 0],
      ["us-west-2", 1],
      ["us-east-1", 0],
      ["us-west-2", 1],
      ["us-east-1", 0],
      ["us-west-2", 1],
    ]);
    for (const r of replicas) {
      const live = pods.find((p) => p.name === r.name);
      expect(r.sshCommand).toBe(live?.sshCmd);
      expect(r.hourlyPrice).toBe(H100_PRICE);
    }
    expect(result.outputs.totalHourlyCost?.value).toBe(6 * H100_PRICE);
    expect(result.outputs.totalGpus?.value).toBe(6);
  });

  test("a second preview reports no changes", async () => {
    const result = await t.stack.preview();
    expect(result.changeSummary).toEqual({ same: 9 });
  });

  test("scaling to 8 creates exactly 2 pods and touches no other", async () => {
    spec.replicas = 8;
    t.emulator.admin.clearRequests();
    const result = await t.stack.up();
    expect(result.summary.resourceChanges).toEqual({ same: 9, create: 2 });
    const writes = t.emulator.admin.requests().filter((r) => r.method !== "GET");
    expect(writes.map((r) => `${r.method} ${r.route}`)).toEqual(["POST /v2/pods", "POST /v2/pods"]);
    expect(writes.map((r) => (r.body as { regions: string[] }).regions[0])).toEqual([
      "us-east-1",
      "us-west-2",
    ]);
    expect(await running()).toHaveLength(8);
  });

  test("a template change replaces replicas one at a time, never below N-1 running", async () => {
    spec.image = "pytorch/pytorch:2.5.0";
    t.emulator.admin.clearRequests();
    const sampler = sampleRunning(t, "trainers-");
    const result = await t.stack.up();
    const seen = sampler.stop();
    expect(result.summary.resourceChanges).toEqual({ same: 3, replace: 8 });

    expect(seen.samples).toBeGreaterThan(10);
    // One replica down at a time, never two; and it does go down: delete first, then create.
    expect(seen.min).toBe(7);
    expect(seen.max).toBeLessThanOrEqual(8);
    // Delete one, create its successor, then the next: the API calls alternate.
    const writes = t.emulator.admin.requests().filter((r) => r.method !== "GET");
    expect(writes.map((r) => r.method)).toEqual(
      Array.from({ length: 8 }, () => ["DELETE", "POST"]).flat(),
    );
    const pods = await running();
    expect(pods).toHaveLength(8);
    expect(new Set(pods.map((p) => p.image))).toEqual(new Set(["pytorch/pytorch:2.5.0"]));
  });

  test("refresh finds no drift in the placed replicas", async () => {
    const result = await t.stack.refresh({ expectNoChanges: true });
    expect(result.summary.result).toBe("succeeded");
  });

  test("destroy terminates every replica", async () => {
    await t.stack.destroy();
    expect(await running()).toEqual([]);
  });
});

describe("a fleet sharing one volume", () => {
  let t: YottaStack;

  beforeAll(async () => {
    t = await createYottaStack({
      name: "e2e-fleet-volume",
      program: async () => {
        const fleet = new yotta.GpuFleet("readers", {
          replicas: 2,
          template: { image: "pytorch/pytorch:2.4.0", gpuCount: 1 },
          placements: [{ gpuType: H100, regions: ["us-west-2", "us-east-1"] }],
          sharedVolume: { sizeInGb: 50, mountPath: "/data", region: "us-east-1" },
        });
        return { volumeId: fleet.volume!.id, replicas: fleet.replicas };
      },
    });
  });
  afterAll(() => t?.dispose());

  test("every replica mounts it, in the volume's region", async () => {
    const result = await t.stack.up();
    const volumeId = result.outputs.volumeId?.value as string;
    const pods = await t.client.pods.list();
    expect(pods).toHaveLength(2);
    for (const pod of pods) {
      expect(pod.region).toBe("us-east-1");
      expect(pod.persistentVolumes?.map((v) => [v.id, v.mountPath])).toEqual([[volumeId, "/data"]]);
    }
    expect((await t.client.volumes.get(volumeId)).mountCount).toBe(2);
  });

  test("destroy takes the replicas down before the volume they mount", async () => {
    await t.stack.destroy();
    expect((await t.client.pods.list()).every((p) => p.status === "TERMINATED")).toBe(true);
    const writes = t.emulator.admin.requests().filter((r) => r.method === "DELETE");
    expect(writes.map((r) => r.route)).toEqual([
      "/v2/pods/{id}",
      "/v2/pods/{id}",
      "/v2/volumes/{id}",
    ]);
  });
});

/**
 * A fleet program the child process runs. A program that fails does so through unhandled
 * rejections, which jest would pin on the running test even though the Automation API reports
 * them; so the guard's stack runs `up` in a child process of its own, the way a CI job would.
 */
const CHILD = `
const { LocalWorkspace, PulumiCommand } = require("@pulumi/pulumi/automation");
const yotta = require("pulumi-yotta");
const run = JSON.parse(process.env.FLEET_RUN);
const program = async () => {
  const fleet = new yotta.GpuFleet("guarded", {
    replicas: run.spec.replicas,
    template: { image: run.spec.image, gpuCount: 1 },
    placements: run.placements,
    budget: run.spec.budget,
  });
  return { replicas: fleet.replicas, totalHourlyCost: fleet.totalHourlyCost };
};
(async () => {
  const pulumiCommand = await PulumiCommand.get({ root: run.cliRoot });
  const stack = await LocalWorkspace.selectStack(
    { stackName: run.stackName, projectName: run.projectName, program },
    { workDir: run.workDir, envVars: run.envVars, pulumiCommand },
  );
  let output = "";
  try {
    const result = await stack.up({ onOutput: (line) => (output += line) });
    console.log(JSON.stringify({ ok: true, output, outputs: result.outputs, changes: result.summary.resourceChanges }));
  } catch (err) {
    console.log(JSON.stringify({ ok: false, output, message: String(err && err.message) }));
  }
})();
`;

interface ChildUp {
  ok: boolean;
  /** What the engine printed, as a user would see it. */
  output: string;
  message?: string;
  outputs?: Record<string, { value: unknown }>;
  changes?: Record<string, number>;
}

function upInChild(t: YottaStack, spec: Spec): Promise<ChildUp> {
  const run = {
    spec,
    placements: PLACEMENTS,
    workDir: t.workDir,
    projectName: "e2e-fleet-guard",
    stackName: t.stack.name,
    cliRoot: path.dirname(pulumiCliDir()),
    envVars: {
      ...engineEnv({ backendDir: path.join(t.workDir, ".pulumi-state") }),
      YOTTA_POLL_INTERVAL_MS: "25",
    },
  };
  // A file, not `node -e`: under -e, `module` and `require` are globals, which changes what
  // Pulumi's closure serializer captures. From the work directory, `pulumi-yotta` resolves to
  // the built package through the repository's node_modules, as in a user's project.
  const script = path.join(t.workDir, "run-fleet.js");
  fs.writeFileSync(script, CHILD);
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      [script],
      { cwd: t.workDir, env: { ...process.env, FLEET_RUN: JSON.stringify(run) }, timeout: 180_000 },
      (error, stdout, stderr) => {
        const last = stdout.trim().split("\n").pop() ?? "";
        try {
          resolve(JSON.parse(last) as ChildUp);
        } catch {
          reject(new Error(`the child up did not finish: ${error?.message ?? ""}\n${stderr}`));
        }
      },
    );
  });
}

/** The child's up, which must have succeeded; otherwise its output is the failure to read. */
function succeeded(up: ChildUp): ChildUp {
  if (!up.ok) throw new Error(`up failed: ${up.message}\n${up.output}`);
  return up;
}

describe("a fleet under capacity limits and a budget", () => {
  let t: YottaStack;
  const spec: Spec = { replicas: 2, image: "pytorch/pytorch:2.4.0", spread: false };

  beforeAll(async () => {
    t = await createYottaStack({
      name: "e2e-fleet-guard",
      program: async () => {
        throw new Error("this stack's program runs in a child process (upInChild)");
      },
    });
  });
  afterAll(() => t?.dispose());

  test("over budget: refused before anything is created, naming the limit and the numbers", async () => {
    spec.budget = { maxGpus: 1 };
    const up = await upInChild(t, spec);
    expect(up.ok).toBe(false);
    expect(up.output).toMatch(
      /fleet guarded is over budget, so nothing was created:\s+- fleet guarded needs 2 GPUs \(2 × 1 GPUs\), over budget\.maxGpus 1/,
    );
    expect(t.emulator.admin.requests({ method: "POST" })).toEqual([]);
    expect(t.emulator.admin.list("pod")).toEqual([]);
    expect(await stateResources(t)).toEqual(new Map());
  });

  test("no capacity in the first region: the fleet lands in the second and says so", async () => {
    spec.budget = undefined;
    t.emulator.admin.addFault({ type: "noCapacity", region: "us-east-1" });
    const up = succeeded(await upInChild(t, spec));
    const replicas = up.outputs?.replicas?.value as ReplicaOutput[];
    expect(replicas.map((r) => [r.region, r.placementIndex])).toEqual([
      ["us-west-2", 1],
      ["us-west-2", 1],
    ]);
    expect(up.output).toMatch(
      /no capacity for NVIDIA_H100_80G in \[us-east-1\]; trying placement 2 of 2: NVIDIA_H100_80G in \[us-west-2\]/,
    );
    const pods = await t.client.pods.list();
    expect(pods.map((p) => [p.region, p.status])).toEqual([
      ["us-west-2", "RUNNING"],
      ["us-west-2", "RUNNING"],
    ]);
  });

  test("a price known only after creation: the deployment fails, saying what to delete", async () => {
    // No prices given, so the guard learns them from the pods: three H100s report $7.50/h.
    t.emulator.admin.clearFaults();
    spec.replicas = 3;
    spec.budget = { maxHourlyCost: 6 };
    const up = await upInChild(t, spec);
    expect(up.ok).toBe(false);
    expect(up.output).toMatch(
      /no price in budget\.prices for NVIDIA_H100_80G; budget\.maxHourlyCost is checked once the replicas report/,
    );
    expect(up.output).toMatch(
      /fleet guarded costs \$7\.50\/h at the prices the API reported \(guarded-0 \$2\.50, guarded-1 \$2\.50, guarded-2 \$2\.50\), over budget\.maxHourlyCost \$6\.00\/h\. They keep billing until deleted: set replicas to 2 \(deletes guarded-2; \$5\.00\/h\)/,
    );
    expect([...(await stateResources(t)).keys()].sort()).toEqual([
      "guarded-0",
      "guarded-1",
      "guarded-2",
    ]);
  });

  test("following the advice brings the fleet back under the limit", async () => {
    spec.replicas = 2;
    const up = succeeded(await upInChild(t, spec));
    expect(up.changes).toMatchObject({ delete: 1 });
    expect(up.outputs?.totalHourlyCost?.value).toBe(2 * H100_PRICE);
    expect((await t.client.pods.list()).filter((p) => p.status === "RUNNING")).toHaveLength(2);
  });
});

/**
 * `pulumi preview --policy-pack` runs a Node policy pack through the Node language host, which
 * these machines do not have (docs/engine.md). Without it the CLI looks for an analyzer plugin
 * named `pulumi-analyzer-policy-nodejs`, called in the pack's directory with the engine's address:
 * this one-line script starts the policy runner that ships in @pulumi/pulumi, as the host would.
 */
/** A hard link where the file system allows one (the CLI is large), else a copy. */
function linkOrCopy(from: string, to: string): void {
  const source = fs.realpathSync(from);
  try {
    fs.linkSync(source, to);
  } catch {
    fs.copyFileSync(source, to);
    fs.chmodSync(to, 0o755);
  }
}

const POLICY_SHIM = `#!/bin/sh
exec node "$(node -p 'require.resolve("@pulumi/pulumi/cmd/run-policy-pack", { paths: [process.cwd()] })')" "$@"
`;

describe("the spend guard as a policy pack over the whole stack", () => {
  let t: YottaStack;
  let configFile: string;

  beforeAll(async () => {
    t = await createYottaStack({
      name: "e2e-fleet-policy",
      program: async () => {
        // Neither carries a budget of its own: the policy weighs them together.
        new yotta.GpuFleet("trainers", {
          replicas: 4,
          template: { image: "pytorch/pytorch:2.4.0", gpuCount: 2 },
          placements: [{ gpuType: "NVIDIA_A100_80G" }, { gpuType: H100 }],
        });
        new yotta.Pod("notebook", { image: "jupyter/base", gpuType: H100, gpuCount: 1 });
      },
    });
    const bin = path.join(t.workDir, "bin");
    fs.mkdirSync(bin);
    fs.writeFileSync(path.join(bin, "pulumi-analyzer-policy-nodejs"), POLICY_SHIM, { mode: 0o755 });
    // The Node language host scripts/pulumi-cli.sh puts beside the CLI is older than the CLI and
    // answers a policy pack with "not supported", so this suite runs the CLI from a directory of
    // its own without the host: then the CLI starts the analyzer plugin above.
    const cli = path.join(t.workDir, "cli", "bin");
    fs.mkdirSync(cli, { recursive: true });
    for (const name of ["pulumi", "pulumi-resource-pulumi-nodejs"]) {
      linkOrCopy(path.join(pulumiCliDir(), name), path.join(cli, name));
    }
    const workspace = t.stack.workspace as unknown as {
      envVars: Record<string, string>;
      _pulumiCommand: PulumiCommand;
    };
    const inherited = (workspace.envVars.PATH ?? process.env.PATH ?? "")
      .split(path.delimiter)
      .filter((dir) => dir !== "" && path.resolve(dir) !== path.resolve(pulumiCliDir()));
    workspace.envVars.PATH = [bin, cli, ...inherited].join(path.delimiter);
    // LocalWorkspace takes its command only at construction; this one replaces it afterwards.
    workspace._pulumiCommand = await PulumiCommand.get({ root: path.dirname(cli) });
    configFile = path.join(t.workDir, "budget.json");
  });
  afterAll(() => t?.dispose());

  async function previewWith(budget: yotta.BudgetArgs) {
    fs.writeFileSync(configFile, JSON.stringify({ "yotta-budget": budget }));
    const lines: string[] = [];
    const run = t.stack.preview({
      policyPacks: [path.join(repoRoot, "policy")],
      policyPackConfigs: [configFile],
      onOutput: (line) => lines.push(line),
    });
    return run.then(
      () => ({ ok: true, output: lines.join("") }),
      (err: Error) => ({ ok: false, output: `${lines.join("")}\n${err.message}` }),
    );
  }

  test("within the budget, the preview passes", async () => {
    const preview = await previewWith({
      maxGpus: 9,
      maxHourlyCost: 25,
      prices: { NVIDIA_A100_80G: 1.8, [H100]: H100_PRICE },
    });
    if (!preview.ok) throw new Error(preview.output);
    expect(preview.output).toMatch(/pulumi-yotta@v0\.1\.0/);
  });

  test("over it, the preview fails naming each limit and its numbers", async () => {
    const preview = await previewWith({
      maxGpus: 8,
      allowedGpuTypes: [H100],
      maxHourlyCost: 20,
      prices: { NVIDIA_A100_80G: 1.8, [H100]: H100_PRICE },
    });
    expect(preview.ok).toBe(false);
    expect(preview.output).toMatch(/\[mandatory\] +yotta-budget/);
    expect(preview.output).toMatch(
      /the stack needs 9 GPUs \(notebook 1, trainers-0 2, trainers-1 2, trainers-2 2, trainers-3 2\), over budget\.maxGpus 8/,
    );
    expect(preview.output).toMatch(
      /the stack may use NVIDIA_A100_80G, not in budget\.allowedGpuTypes \[NVIDIA_H100_80G\]/,
    );
    expect(preview.output).toMatch(
      /the stack could cost up to \$22\.50\/h .* over budget\.maxHourlyCost \$20\.00\/h/,
    );
  });
});
