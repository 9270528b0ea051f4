// As users run it: a project directory outside this repository, the packed package installed with
// npm, `pulumi stack init`, `pulumi config set yotta:apiKey --secret` and `pulumi up` through the
// CLI itself (its Node language host runs index.ts), then `preview --expect-no-changes`,
// `refresh --expect-no-changes` and `destroy`, against an emulator started here. Once for each
// example and once for the README's "A program" snippet, read from README.md as it stands. The
// drift command runs against one such stack, through npx as docs/drift.md tells.
//
// The version matrix: all of it with the @pulumi/pulumi this repository pins, then the README's
// program, quickstart (with the drift command) and gpu-fleet with the oldest and the newest
// @pulumi/pulumi the package's peer range claims, the newest on its own CLI and Node.js.
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { YottaClient } from "../../client";
import { startEmulator, type RunningEmulator } from "../../emulator";
import type { DriftReport } from "../../sdk/drift";
import { engineEnv, repoRoot } from "../support/engine";
import { liveRecords } from "../support/yotta-stack";
import {
  PINNED_CLI_MODULE,
  installDependencies,
  packPackage,
  runPulumi,
  runPulumiCliScript,
  type PulumiRun,
} from "../../scripts/engine";

const rootPackage = JSON.parse(fs.readFileSync(path.join(repoRoot, "package.json"), "utf8")) as {
  devDependencies: Record<string, string>;
  peerDependencies: Record<string, string>;
};
const SDK_VERSION = rootPackage.devDependencies["@pulumi/pulumi"] ?? "";
const EXAMPLES = ["quickstart", "gpu-fleet", "serverless-queue"];
const PEER_RANGE = rootPackage.peerDependencies["@pulumi/pulumi"] ?? "";
const [, OLDEST_SDK = "", NEWEST_SDK = ""] =
  /^>=(\d+\.\d+\.\d+) <=(\d+\.\d+\.\d+)$/.exec(PEER_RANGE) ?? [];

/** One setting of the matrix: the user's @pulumi/pulumi, the CLI (and Node.js) it runs with. */
interface Leg {
  title: string;
  sdk: string;
  /** The wrapper module of the CLI, for scripts/pulumi-cli.sh; the newest brings its Node.js. */
  cliModule: string;
  /** The project folders it deploys. */
  cases: string[];
}

const LEGS: Leg[] = [
  {
    title: `@pulumi/pulumi ${SDK_VERSION} (the repository's pin)`,
    sdk: SDK_VERSION,
    cliModule: PINNED_CLI_MODULE,
    cases: ["readme", ...EXAMPLES],
  },
  {
    title: `@pulumi/pulumi ${OLDEST_SDK} (the oldest the peer range claims)`,
    sdk: OLDEST_SDK,
    cliModule: PINNED_CLI_MODULE,
    cases: ["readme", "quickstart", "gpu-fleet"],
  },
  {
    title: `@pulumi/pulumi ${NEWEST_SDK} (the newest the peer range claims)`,
    sdk: NEWEST_SDK,
    cliModule: "scripts/pulumi-cli/newest",
    cases: ["readme", "quickstart", "gpu-fleet"],
  },
];

test("the peer range is what the matrix tests: from its oldest to its newest leg", () => {
  expect(PEER_RANGE).toBe(`>=${OLDEST_SDK} <=${NEWEST_SDK}`);
  expect(LEGS.map((leg) => leg.sdk)).toEqual([SDK_VERSION, OLDEST_SDK, NEWEST_SDK]);
});

/** The README's "A program" section: its TypeScript block verbatim and its shell commands. */
function readmeProgram(): { source: string; commands: string[] } {
  const readme = fs.readFileSync(path.join(repoRoot, "README.md"), "utf8");
  const section = readme.split(/^## /m).find((s) => s.startsWith("A program\n"));
  if (!section) throw new Error('README.md has no "## A program" section');
  const block = (lang: string): string => {
    const found = new RegExp("^```" + lang + "\\n([\\s\\S]*?)^```$", "m").exec(section);
    if (!found?.[1]) throw new Error(`the "A program" section has no ${lang} block`);
    return found[1];
  };
  const commands = block("sh")
    .split("\n")
    .map((line) => line.replace(/#.*/, "").trim())
    .filter(Boolean);
  return { source: block("ts"), commands };
}

let tarball: string;

beforeAll(() => {
  tarball = packPackage(fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), "yotta-tarball-"))));
}, 300_000);

afterAll(() => {
  if (tarball) fs.rmSync(path.dirname(tarball), { recursive: true, force: true });
});

/** Where a leg's projects live, and the engine they run with. */
interface Workspace {
  root: string;
  pulumiHome: string;
  backendDir: string;
  cliDir: string;
}

/**
 * One directory for every project of a leg: the packed tarball and the examples' own
 * dependencies installed once (pulumi-yotta from the tarball, @pulumi/pulumi at the leg's
 * version), with each project in a folder below, where Node and the language host find them.
 */
function makeWorkspace(leg: Leg): Workspace {
  const root = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), "yotta-projects-")));
  const dependencies: Record<string, string> = {};
  for (const example of EXAMPLES) {
    const pkg = JSON.parse(
      fs.readFileSync(path.join(repoRoot, "examples", example, "package.json"), "utf8"),
    ) as { dependencies?: Record<string, string>; devDependencies?: Record<string, string> };
    Object.assign(dependencies, pkg.dependencies, pkg.devDependencies);
  }
  Object.assign(dependencies, { "@pulumi/pulumi": leg.sdk, "pulumi-yotta": `file:${tarball}` });
  installDependencies(root, dependencies);
  const backendDir = path.join(root, ".pulumi-state");
  fs.mkdirSync(backendDir);
  // Found or built (and cached) by scripts/pulumi-cli.sh, progress shown: cold, minutes.
  const cliDir = runPulumiCliScript(leg.cliModule);
  return { root, pulumiHome: path.join(root, ".pulumi-home"), backendDir, cliDir };
}

/**
 * What a user's shell holds: no Yotta key or URL (the stack config carries them), the leg's CLI
 * first on PATH (and its Node.js, if it has one).
 */
function userEnv(w: Workspace, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    ...engineEnv({ backendDir: w.backendDir, pulumiHome: w.pulumiHome, cliDir: w.cliDir }),
    // The emulator's transitions take milliseconds; the real service's take minutes.
    YOTTA_POLL_INTERVAL_MS: "25",
    ...extra,
  };
  if (!("YOTTA_API_KEY" in extra)) delete env.YOTTA_API_KEY;
  if (!("YOTTA_API_URL" in extra)) delete env.YOTTA_API_URL;
  return env;
}

function run(cmd: string, args: string[], cwd: string, env: NodeJS.ProcessEnv): Promise<PulumiRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd, env, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

/** Every stack state file and stack config file the projects have, as the text on disk. */
function everythingOnDisk(w: Workspace, project: string): string {
  const states = fs
    .readdirSync(w.backendDir, { recursive: true, encoding: "utf8" })
    .filter((f) => f.endsWith(".json"))
    .map((f) => fs.readFileSync(path.join(w.backendDir, f), "utf8"));
  return [...states, fs.readFileSync(path.join(project, "Pulumi.dev.yaml"), "utf8")].join("\n");
}

interface ProjectCase {
  title: string;
  folder: string;
  files: () => Record<string, string>;
  /** The `pulumi config set` commands its README gives, each with what its prompt is answered. */
  config: (emulator: RunningEmulator) => { args: string[]; input?: string }[];
  /** The commands after the configuration, as its README gives them; `pulumi up` among them. */
  deploy: string[][];
  /** Resources `up` creates, the stack and its key (`yotta-stack-key`) included. */
  resources: number;
  /** Secrets that must not be readable on disk. */
  secrets: string[];
  /** Checks the stack's outputs against the cloud after `up`. */
  check: (outputs: Record<string, unknown>, emulator: RunningEmulator) => Promise<void>;
}

const REGISTRY_PASSWORD = "fleet-registry-token-6b0e";

function exampleFiles(example: string): () => Record<string, string> {
  return () => {
    const dir = path.join(repoRoot, "examples", example);
    const names = fs
      .readdirSync(dir)
      .filter((f) => f === "Pulumi.yaml" || f === "tsconfig.json" || f.endsWith(".ts"));
    return Object.fromEntries(names.map((f) => [f, fs.readFileSync(path.join(dir, f), "utf8")]));
  };
}

const apiConfig = (emulator: RunningEmulator): { args: string[]; input?: string }[] => [
  { args: ["config", "set", "yotta:apiKey", "--secret"], input: emulator.apiKey },
  { args: ["config", "set", "yotta:apiUrl", emulator.url] },
];

/** The API as the user's own scripts see it, for what only the API shows (SSH commands). */
function apiOf(emulator: RunningEmulator): YottaClient {
  return new YottaClient({ apiKey: emulator.apiKey, baseUrl: emulator.url });
}

function one<T>(items: T[]): T {
  expect(items).toHaveLength(1);
  return items[0]!;
}

const readme = readmeProgram();

const cases: ProjectCase[] = [
  {
    title: "the README's program",
    folder: "readme",
    files: () => ({
      "Pulumi.yaml":
        "name: yotta-readme\nruntime:\n  name: nodejs\n  options:\n    typescript: true\n",
      "index.ts": readme.source,
      "tsconfig.json": fs.readFileSync(
        path.join(repoRoot, "examples", "quickstart", "tsconfig.json"),
        "utf8",
      ),
    }),
    // The README's own commands, `pulumi config set yotta:apiKey --secret` first.
    config: (emulator) => [
      ...readme.commands
        .filter((c) => c.startsWith("pulumi config set "))
        .map((c) => ({ args: c.split(/\s+/).slice(1), input: emulator.apiKey })),
      { args: ["config", "set", "yotta:apiUrl", emulator.url] },
    ],
    deploy: readme.commands
      .filter((c) => !c.startsWith("pulumi config set "))
      .map((c) => c.split(/\s+/).slice(1)),
    resources: 4,
    secrets: [],
    check: async (outputs, emulator) => {
      const volume = one(emulator.admin.list("volume"));
      const pod = one(emulator.admin.list("pod"));
      const live = await apiOf(emulator).pods.get(pod.id);
      expect(volume).toMatchObject({ storageType: "CEPH", sizeInGb: 200, region: "us-east-1" });
      expect(pod).toMatchObject({ status: "RUNNING", gpuType: "NVIDIA_H100_80G", gpuCount: 8 });
      expect(pod.persistentVolumes.map((v) => [v.id, v.mountPath])).toEqual([
        [volume.id, "/weights"],
      ]);
      expect(outputs.ssh).toBe(live.sshCmd);
      expect(outputs.hourlyPrice).toBeGreaterThan(0);
    },
  },
  {
    title: "examples/quickstart",
    folder: "quickstart",
    files: exampleFiles("quickstart"),
    config: apiConfig,
    deploy: [["up"]],
    resources: 3,
    secrets: [],
    check: async (outputs, emulator) => {
      const pod = one(emulator.admin.list("pod"));
      const live = await apiOf(emulator).pods.get(pod.id);
      expect(pod).toMatchObject({ status: "RUNNING", gpuType: "NVIDIA_RTX_4090_24G" });
      expect(outputs).toEqual({
        podId: pod.id,
        region: pod.region,
        ssh: live.sshCmd,
        hourlyPrice: pod.singleCardPrice,
      });
    },
  },
  {
    title: "examples/gpu-fleet",
    folder: "gpu-fleet",
    files: exampleFiles("gpu-fleet"),
    config: (emulator) => [
      ...apiConfig(emulator),
      { args: ["config", "set", "registryPassword", "--secret"], input: REGISTRY_PASSWORD },
    ],
    deploy: [["up"]],
    resources: 7,
    secrets: [REGISTRY_PASSWORD],
    check: async (outputs, emulator) => {
      const credential = one(emulator.admin.list("credential"));
      const volume = one(emulator.admin.list("volume"));
      const endpoint = one(emulator.admin.list("endpoint"));
      const pods = emulator.admin.list("pod");
      expect(credential.password).toBe(REGISTRY_PASSWORD);
      expect(pods.map((p) => [p.status, p.gpuCount, p.containerRegistryAuthId])).toEqual([
        ["RUNNING", 2, credential.id],
        ["RUNNING", 2, credential.id],
      ]);
      expect(endpoint).toMatchObject({ status: "RUNNING", serviceMode: "QUEUE" });
      expect(outputs).toMatchObject({
        weightsVolumeId: volume.id,
        endpointId: endpoint.id,
        endpointStatus: "RUNNING",
      });
      expect(outputs.hourlyCost).toBeGreaterThan(0);
    },
  },
  {
    title: "examples/serverless-queue",
    folder: "serverless-queue",
    files: exampleFiles("serverless-queue"),
    config: apiConfig,
    deploy: [["up"]],
    resources: 3,
    secrets: [],
    check: async (outputs, emulator) => {
      const endpoint = one(emulator.admin.list("endpoint"));
      expect(endpoint).toMatchObject({ status: "RUNNING", serviceMode: "QUEUE" });
      expect(outputs).toMatchObject({
        endpointId: endpoint.id,
        status: "RUNNING",
        runningWorkers: 1,
      });
    },
  },
];

describe.each(LEGS)("$title", (leg) => {
  let w: Workspace;

  beforeAll(() => {
    w = makeWorkspace(leg);
  }, 40 * 60_000);

  afterAll(() => {
    if (w) fs.rmSync(w.root, { recursive: true, force: true });
  });

  describe.each(cases.filter((c) => leg.cases.includes(c.folder)))(
    "$title, deployed by a user with the pulumi CLI",
    (c) => {
      let project: string;
      let emulator: RunningEmulator;
      const env = (): NodeJS.ProcessEnv => userEnv(w);
      const pulumi = (args: string[], input?: string): Promise<PulumiRun> =>
        runPulumi(args, { cwd: project, env: env(), input, cliDir: w.cliDir });

      beforeAll(async () => {
        project = path.join(w.root, c.folder);
        fs.mkdirSync(project);
        for (const [name, text] of Object.entries(c.files())) {
          fs.writeFileSync(path.join(project, name), text);
        }
        emulator = await startEmulator();
      });

      afterAll(() => emulator?.close());

      test("stack init, config set and up deploy it, keeping the secrets encrypted", async () => {
        expect(await pulumi(["stack", "init", "dev"])).toMatchObject({ code: 0 });
        for (const { args, input } of c.config(emulator)) {
          expect(await pulumi(args, input)).toMatchObject({ code: 0 });
        }
        expect(c.deploy.map((args) => args[0])).toContain("up");
        for (const args of c.deploy) {
          const result = await pulumi(args);
          expect(result).toMatchObject({ code: 0 });
          if (args[0] === "up")
            expect(result.stdout).toMatch(new RegExp(`\\+ ${c.resources} created`));
        }

        const outputs = await pulumi(["stack", "output", "--json"]);
        expect(outputs).toMatchObject({ code: 0 });
        await c.check(JSON.parse(outputs.stdout) as Record<string, unknown>, emulator);
        const onDisk = everythingOnDisk(w, project);
        for (const secret of [emulator.apiKey, ...c.secrets]) expect(onDisk).not.toContain(secret);
      });

      test("preview --expect-no-changes finds nothing to do", async () => {
        const result = await pulumi(["preview", "--expect-no-changes"]);
        expect(result).toMatchObject({ code: 0 });
        expect(result.stdout).toContain(`${c.resources} unchanged`);
      });

      test("refresh --expect-no-changes finds the cloud as deployed", async () => {
        const result = await pulumi(["refresh", "--expect-no-changes", "--yes"]);
        expect(result).toMatchObject({ code: 0 });
        expect(result.stdout).toContain(`${c.resources} unchanged`);
      });

      if (c.folder === "serverless-queue") {
        test("submit-task.ts, run as its README tells, gets the task's result", async () => {
          const endpointId = await pulumi(["stack", "output", "endpointId"]);
          expect(endpointId).toMatchObject({ code: 0 });
          const result = await run(
            "npx",
            [
              "--no",
              "ts-node",
              "submit-task.ts",
              endpointId.stdout.trim(),
              '{"texts":["hello","world"]}',
            ],
            project,
            { ...env(), YOTTA_API_KEY: emulator.apiKey, YOTTA_API_URL: emulator.url },
          );
          expect(result.stderr).toBe("");
          expect(result.code).toBe(0);
          expect(JSON.parse(result.stdout)).toMatchObject({ status: "SUCCESS" });
        });
      }

      if (c.folder === "quickstart") {
        test("a failing up prints the error as one clear line, without a stack trace", async () => {
          const pod = one(emulator.admin.list("pod"));
          emulator.admin.setFaults([{ type: "reset", route: "GET /v2/pods/{id}" }]);
          const result = await pulumi(["up", "--refresh", "--yes"]).finally(() =>
            emulator.admin.clearFaults(),
          );
          expect(result.code).not.toBe(0);
          const output = `${result.stdout}\n${result.stderr}`;
          const failure = `pods.get (GET /v2/pods/${pod.id}): connection failed:`;
          // Under the stack, the host's line: the error's name and message once, on one line (the
          // live progress rows above echo the same line); under the pod, the engine's own.
          const diagnostics = output.slice(output.indexOf("Diagnostics:"));
          const lines = diagnostics.split("\n").filter((l) => l.includes(failure));
          expect(
            lines
              .map((l) =>
                l
                  .trim()
                  .replace(failure, "…")
                  .replace(/…\s.*$/, "…"),
              )
              .sort(),
          ).toEqual(["ConnectionError: …", "error: Preview failed: …"]);
          for (const line of lines) expect(line.split(failure)).toHaveLength(2);
          expect(output).not.toMatch(/^\s+at .+:\d+:\d+\)?$/m);
          // The cloud is as it was: the next refresh finds it as deployed.
          const refresh = await pulumi(["refresh", "--expect-no-changes", "--yes"]);
          expect(refresh).toMatchObject({ code: 0 });
        });

        const drift = async (): Promise<{ run: PulumiRun; report: DriftReport }> => {
          const result = await run(
            "npx",
            ["--no", "pulumi-yotta", "drift", "--stack", "dev", "--format", "json"],
            project,
            env(),
          );
          return { run: result, report: JSON.parse(result.stdout) as DriftReport };
        };

        test("npx pulumi-yotta drift finds no drift, then the pod paused from the console", async () => {
          const inSync = await drift();
          expect(inSync.run.code).toBe(0);
          expect(inSync.report).toMatchObject({ status: "in-sync", checked: 1 });

          const pod = one(emulator.admin.list("pod"));
          emulator.admin.pausePod(pod.id);
          emulator.admin.settle();
          const drifted = await drift();
          expect(drifted.run.code).toBe(2);
          const [report] = drifted.report.resources;
          expect(drifted.report.resources).toHaveLength(1);
          expect(report).toMatchObject({ type: "yotta:Pod", name: "quickstart", id: pod.id });
          expect(report?.kind).toBe("changed");
          // Secret fields are listed too, masked, as ones that may have changed (docs/drift.md).
          expect(report?.fields.filter((f) => !f.secret)).toEqual([
            { path: "running", expected: true, actual: false, secret: false },
          ]);
          expect(drifted.run.stdout + drifted.run.stderr).not.toContain(emulator.apiKey);
        });
      }

      test("destroy leaves nothing live", async () => {
        const result = await pulumi(["destroy", "--yes"]);
        expect(result).toMatchObject({ code: 0 });
        expect(result.stdout).toMatch(new RegExp(`- ${c.resources} deleted`));
        expect(liveRecords(emulator.admin)).toEqual([]);
      });
    },
  );
});
