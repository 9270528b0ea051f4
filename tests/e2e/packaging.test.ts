// As a user would: the packed tarball installed into a fresh project outside this repository,
// which deploys the quickstart example against the emulator. This proves the package's files and
// exports, and that the serialized provider's `require("pulumi-yotta/provider/pod")` resolves
// from the user's own node_modules in the provider process.
import { execFile, execFileSync } from "node:child_process";
import { promisify } from "node:util";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as ts from "typescript";
import { startEmulator, type RunningEmulator } from "../../emulator";
import { YottaClient } from "../../client";
import { engineEnv, pulumiCliDir, repoRoot } from "../support/engine";

const SDK_VERSION = (
  JSON.parse(fs.readFileSync(path.join(repoRoot, "package.json"), "utf8")) as {
    devDependencies: Record<string, string>;
  }
).devDependencies["@pulumi/pulumi"];

describe("the packed package in a fresh project", () => {
  let project: string;
  let emulator: RunningEmulator;
  let env: NodeJS.ProcessEnv;

  // Asynchronous: the emulator answers from this process, so it must not be blocked meanwhile.
  async function run(operation: string): Promise<{
    summary: { result: string };
    changeSummary?: Record<string, number>;
    outputs: Record<string, { value: unknown }>;
  }> {
    const { stdout } = await promisify(execFile)(
      "node",
      ["inline-runner.js", "index.js", operation],
      {
        cwd: project,
        env,
        encoding: "utf8",
      },
    );
    return JSON.parse(stdout.trim().split("\n").pop() ?? "{}");
  }

  beforeAll(async () => {
    project = fs.mkdtempSync(path.join(os.tmpdir(), "yotta-user-"));
    const packed = execFileSync("npm", ["pack", "--silent", "--pack-destination", project], {
      cwd: repoRoot,
      encoding: "utf8",
    })
      .trim()
      .split("\n")
      .pop()!;
    const example = path.join(repoRoot, "examples", "quickstart");
    fs.copyFileSync(path.join(example, "Pulumi.yaml"), path.join(project, "Pulumi.yaml"));
    fs.copyFileSync(
      path.join(__dirname, "fixtures", "inline-runner.js"),
      path.join(project, "inline-runner.js"),
    );
    // What `pulumi up` would run through ts-node, compiled ahead so the project needs no compiler.
    const source = fs.readFileSync(path.join(example, "index.ts"), "utf8");
    const js = ts.transpileModule(source, {
      compilerOptions: {
        module: ts.ModuleKind.CommonJS,
        target: ts.ScriptTarget.ES2022,
        esModuleInterop: true,
      },
    });
    fs.writeFileSync(path.join(project, "index.js"), js.outputText);
    fs.writeFileSync(
      path.join(project, "package.json"),
      JSON.stringify({
        name: "yotta-user",
        private: true,
        dependencies: { "@pulumi/pulumi": SDK_VERSION, "pulumi-yotta": `file:./${packed}` },
      }),
    );
    execFileSync(
      "npm",
      ["install", "--prefer-offline", "--no-audit", "--no-fund", "--loglevel=error"],
      { cwd: project, stdio: "inherit" },
    );

    fs.mkdirSync(path.join(project, ".pulumi-state"));
    emulator = await startEmulator();
    env = {
      ...process.env,
      ...engineEnv({
        backendDir: path.join(project, ".pulumi-state"),
        pulumiHome: path.join(project, ".pulumi-home"),
      }),
      PULUMI_ROOT: path.dirname(pulumiCliDir()),
      YOTTA_API_URL: emulator.url,
      YOTTA_API_KEY: emulator.apiKey,
      YOTTA_POLL_INTERVAL_MS: "25",
    };
  }, 300_000);

  afterAll(async () => {
    await emulator?.close();
    if (project) fs.rmSync(project, { recursive: true, force: true });
  });

  test("the tarball holds the built package and nothing of the repository's tests", () => {
    const installed = path.join(project, "node_modules", "pulumi-yotta");
    expect(fs.realpathSync(installed).startsWith(repoRoot)).toBe(false);
    for (const file of [
      "dist/sdk/index.js",
      "dist/provider/pod.js",
      "dist/client/index.js",
      "dist/sdk/index.d.ts",
    ]) {
      expect(fs.existsSync(path.join(installed, file))).toBe(true);
    }
    expect(fs.existsSync(path.join(installed, "tests"))).toBe(false);
    expect(fs.existsSync(path.join(installed, "dist", "tests"))).toBe(false);
  });

  test("up deploys the quickstart pod through the installed provider", async () => {
    const result = await run("up");
    expect(result.summary.result).toBe("succeeded");
    expect(result.outputs.podId?.value).toMatch(/^\d{15,20}$/);
  });

  test("the cloud holds exactly that pod, running", async () => {
    const client = new YottaClient({ apiKey: emulator.apiKey, baseUrl: emulator.url });
    const pods = await client.pods.list();
    expect(pods.map((p) => p.status)).toEqual(["RUNNING"]);
  });

  test("preview finds nothing to change, destroy terminates the pod", async () => {
    expect((await run("preview")).changeSummary).toEqual({ same: 3 });
    expect((await run("destroy")).summary.result).toBe("succeeded");
    const client = new YottaClient({ apiKey: emulator.apiKey, baseUrl: emulator.url });
    expect((await client.pods.list()).map((p) => p.status)).toEqual(["TERMINATED"]);
  });
});
