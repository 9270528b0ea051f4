// `pulumi up` killed with SIGKILL while its calls are in flight (a CI job's timeout, a closed
// laptop, an OOM kill), then what Pulumi tells the user to do: `pulumi cancel`, then `pulumi up`
// (or `destroy`). Through the CLI in a project directory, with the packed package installed as a
// user installs it, against an emulator started here. The kill is placed by the emulator's request
// log: its `hold` fault commits each create (or delete) and never answers, and once the log shows
// them all the CLI and everything it started are killed.
//
// After the next `up` the cloud holds exactly the declared resources, each recorded once; a pod
// or volume whose name gives no proof stops that `up` with its id, its price and the step that
// settles it, and the step works; after `destroy`, nothing is left.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { startEmulator, type RunningEmulator } from "../../emulator";
import { engineEnv, repoRoot } from "../support/engine";
import { liveRecords } from "../support/yotta-stack";
import {
  installDependencies,
  packPackage,
  runPulumi,
  runPulumiCliScript,
  type PulumiRun,
} from "../../scripts/engine";

const SDK_VERSION = (
  JSON.parse(fs.readFileSync(path.join(repoRoot, "package.json"), "utf8")) as {
    devDependencies: Record<string, string>;
  }
).devDependencies["@pulumi/pulumi"]!;

// An auto-named pod, a pod named by the user (names of pods are not unique, its create token is
// the proof), an auto-named volume, and a volume named by the user (no proof at all).
const PROGRAM = `import * as pulumi from "@pulumi/pulumi";
import * as yotta from "pulumi-yotta";

const config = new pulumi.Config();
const pod = {
  image: config.get("image") ?? "pytorch/pytorch:2.4.0",
  gpuType: "NVIDIA_RTX_4090_24G",
  gpuCount: 1,
  regions: ["us-east-1"],
};
new yotta.Pod("auto", pod);
new yotta.Pod("crash", { ...pod, name: "crash-named" });
new yotta.Volume("data", { storageType: "CEPH", region: "us-east-1", sizeInGb: 20 });
const adopt = config.get("adoptNamedData");
new yotta.Volume("named-data", {
  name: "crash-data",
  storageType: "CEPH",
  region: "us-east-1",
  sizeInGb: 10,
  ...(adopt ? { adoptId: adopt } : {}),
});
`;

describe("a killed `pulumi up`, then `pulumi cancel` and `pulumi up`", () => {
  let emulator: RunningEmulator;
  let root: string;
  let project: string;
  let env: NodeJS.ProcessEnv;

  const pulumi = (args: string[], killWhen?: () => boolean): Promise<PulumiRun> =>
    runPulumi(args, { cwd: project, env, killWhen });
  const ok = async (args: string[]): Promise<PulumiRun> => {
    const run = await pulumi(args);
    if (run.code !== 0) throw new Error(`pulumi ${args.join(" ")}:\n${run.stdout}\n${run.stderr}`);
    return run;
  };
  const held = () => emulator.admin.requests({}).filter((r) => r.fault === "hold").length;
  const posts = (p: string) => emulator.admin.requests({ method: "POST", path: p }).length;
  const live = (kind: "pod" | "volume") => {
    emulator.admin.settle();
    return liveRecords(emulator.admin).filter((r) => r.kind === kind);
  };
  /** The cloud ids the stack records, by Pulumi name (the stack's key has no cloud id). */
  const recorded = async (): Promise<Map<string, string>> => {
    const state = JSON.parse((await ok(["stack", "export"])).stdout) as {
      deployment: { resources?: { urn: string; type: string; id?: string }[] };
    };
    const out = new Map<string, string>();
    for (const r of state.deployment.resources ?? []) {
      if (!/^pulumi-nodejs:dynamic\/yotta:(Pod|Volume)$/.test(r.type)) continue;
      const name = r.urn.split("::").pop()!;
      expect(out.has(name)).toBe(false);
      out.set(name, r.id!);
    }
    return out;
  };
  /**
   * The engine keeps a killed run's pending creates (warning on each `up`) until a refresh drops
   * them; once `up` has settled the creates, the refresh the docs give clears them.
   */
  const clearPendingCreates = async (): Promise<void> => {
    const pendingOps = async () =>
      (
        JSON.parse((await ok(["stack", "export"])).stdout) as {
          deployment: { pending_operations?: unknown[] };
        }
      ).deployment.pending_operations ?? [];
    await ok(["refresh", "--clear-pending-creates", "--yes", "--skip-preview"]);
    expect(await pendingOps()).toEqual([]);
    await expectExactlyDeclared();
  };
  /** The state records exactly the live pods and volumes, each once. */
  const expectExactlyDeclared = async (): Promise<void> => {
    const ids = await recorded();
    expect([...ids.keys()].sort()).toEqual(["auto", "crash", "data", "named-data"]);
    expect([...live("pod"), ...live("volume")].map((r) => r.id).sort()).toEqual(
      [...ids.values()].sort(),
    );
  };
  /** `up` killed once `holds` calls it made are committed and held unanswered. */
  const killedUp = async (holds: number): Promise<void> => {
    const mark = held();
    const run = await pulumi(["up", "--yes", "--skip-preview"], () => held() >= mark + holds);
    expect(run.code).toBeNull(); // ended by the signal
    emulator.admin.setFaults([]);
  };

  beforeAll(async () => {
    root = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), "yotta-killed-")));
    const tarball = packPackage(root);
    installDependencies(root, {
      "@pulumi/pulumi": SDK_VERSION,
      "pulumi-yotta": `file:${tarball}`,
      "@types/node": "^20.19.0",
      typescript: "~5.9.3",
    });
    project = path.join(root, "crash");
    fs.mkdirSync(project);
    fs.writeFileSync(
      path.join(project, "Pulumi.yaml"),
      "name: yotta-crash\nruntime:\n  name: nodejs\n  options:\n    typescript: true\n",
    );
    fs.writeFileSync(path.join(project, "index.ts"), PROGRAM);
    fs.copyFileSync(
      path.join(repoRoot, "examples", "quickstart", "tsconfig.json"),
      path.join(project, "tsconfig.json"),
    );
    const backendDir = path.join(root, ".pulumi-state");
    fs.mkdirSync(backendDir);
    emulator = await startEmulator({});
    env = {
      ...process.env,
      ...engineEnv({
        backendDir,
        pulumiHome: path.join(root, ".pulumi-home"),
        cliDir: runPulumiCliScript(),
      }),
      YOTTA_POLL_INTERVAL_MS: "25",
      YOTTA_API_KEY: emulator.apiKey,
      YOTTA_API_URL: emulator.url,
    };
    await ok(["stack", "init", "dev"]);
  }, 600_000);

  afterAll(async () => {
    await emulator?.close();
    if (root) fs.rmSync(root, { recursive: true, force: true });
  });

  test("killed during its creates: the next `up` keeps what they made, and names the one it cannot prove", async () => {
    emulator.admin.setFaults([
      { type: "hold", route: "POST /v2/pods" },
      { type: "hold", route: "POST /v2/volumes" },
    ]);
    await killedUp(4);
    const made = { pods: live("pod"), volumes: live("volume") };
    expect(made.pods).toHaveLength(2);
    expect(made.volumes).toHaveLength(2);

    await ok(["cancel", "--yes"]);
    // The volume named by the user carries nothing of ours: the next `up` refuses to guess.
    const named = made.volumes.find((v) => v.name === "crash-data")!;
    const refused = await pulumi(["up", "--yes", "--skip-preview"]);
    expect(refused.code).not.toBe(0);
    const said = refused.stdout + refused.stderr;
    expect(said).toContain(
      `volume name "crash-data" is already taken by volume ${named.id} (billing`,
    );
    expect(said).toContain(`set adoptId: "${named.id}"`);

    // The step it names.
    await ok(["config", "set", "adoptNamedData", named.id]);
    await ok(["up", "--yes", "--skip-preview"]);
    await expectExactlyDeclared();
    // Nothing was made twice: every resource is one the killed run made.
    expect(
      live("pod")
        .map((r) => r.id)
        .sort(),
    ).toEqual(made.pods.map((r) => r.id).sort());
    expect(
      live("volume")
        .map((r) => r.id)
        .sort(),
    ).toEqual(made.volumes.map((r) => r.id).sort());
    expect(posts("/v2/pods")).toBe(2);
    expect(posts("/v2/volumes")).toBe(2);
    await ok(["preview", "--expect-no-changes"]);
    await clearPendingCreates();
  });

  test("killed during a replacement's creates: the next `up` keeps the replacements and deletes what they replace", async () => {
    const before = await recorded();
    await ok(["config", "set", "image", "pytorch/pytorch:2.5.0"]);
    const sent = posts("/v2/pods");
    emulator.admin.setFaults([{ type: "hold", route: "POST /v2/pods" }]);
    await killedUp(2);
    const replacements = live("pod").filter((p) => ![...before.values()].includes(p.id));
    expect(replacements).toHaveLength(2);

    await ok(["cancel", "--yes"]);
    await ok(["up", "--yes", "--skip-preview"]);
    await expectExactlyDeclared();
    expect(
      live("pod")
        .map((r) => r.id)
        .sort(),
    ).toEqual(replacements.map((r) => r.id).sort());
    expect(posts("/v2/pods")).toBe(sent + 2);
    await ok(["preview", "--expect-no-changes"]);
    await clearPendingCreates();
  });

  test("killed during a replacement's deletes, then during `destroy`: the next run finishes, and nothing is left", async () => {
    await ok(["config", "set", "image", "pytorch/pytorch:2.6.0"]);
    emulator.admin.setFaults([{ type: "hold", route: "DELETE /v2/pods/{id}" }]);
    await killedUp(1);
    await ok(["cancel", "--yes"]);
    await ok(["up", "--yes", "--skip-preview"]);
    await expectExactlyDeclared();

    emulator.admin.setFaults([{ type: "hold", route: "DELETE /v2/pods/{id}" }]);
    const mark = held();
    const run = await pulumi(["destroy", "--yes", "--skip-preview"], () => held() >= mark + 2);
    expect(run.code).toBeNull();
    emulator.admin.setFaults([]);
    await ok(["cancel", "--yes"]);
    await ok(["destroy", "--yes", "--skip-preview"]);
    expect([...live("pod"), ...live("volume")]).toEqual([]);
    expect((await recorded()).size).toBe(0);
  });
});
