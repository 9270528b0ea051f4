// The main job (`npm start`, scripts/main.ts) runs `pulumi up` in the project directory of the
// root Pulumi.yaml: against the emulator, whose cloud is kept on disk, a second run changes
// nothing; with YOTTA_API_KEY it deploys to "the real service" (a second emulator here), in a stack
// of its own, so neither target's ids are ever refreshed against the other.
import * as fs from "node:fs";
import * as path from "node:path";
import { FAST_TIMING, startEmulator, type RunningEmulator } from "../../emulator";
import { engineEnv, repoRoot, runPulumi } from "../../scripts/engine";
import { runMainJob, STACKS, type MainJobOptions } from "../../scripts/main";
import { liveRecords } from "../support/yotta-stack";

const work = path.join(repoRoot, "tests", "e2e", ".work", "project-mode-main");
const backendDir = path.join(work, ".pulumi-state");
const pulumiHome = path.join(work, ".pulumi-home");
const emulatorStatePath = path.join(work, "emulator", "state.json");

/** The root Pulumi.yaml, in a work directory of its own so its stack files stay there. */
function copyRootProject(): void {
  const rootProject = fs.readFileSync(path.join(repoRoot, "Pulumi.yaml"), "utf8");
  const main = /^main: (.+)$/m.exec(rootProject)?.[1];
  if (!main) throw new Error("the root Pulumi.yaml names no main program");
  const relocated = path.relative(work, path.join(repoRoot, main));
  fs.writeFileSync(
    path.join(work, "Pulumi.yaml"),
    rootProject.replace(/^main: .+$/m, `main: ${relocated}`),
  );
}

function job(env: NodeJS.ProcessEnv, extra: Partial<MainJobOptions> = {}) {
  const printed: string[] = [];
  const result = runMainJob({
    projectDir: work,
    env,
    backendDir,
    pulumiHome,
    emulatorStatePath,
    emulatorTiming: FAST_TIMING,
    print: (text) => printed.push(text),
    ...extra,
  });
  return { result, printed };
}

/** A user's environment without any Yotta variable, plus the given ones. */
function userEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, YOTTA_POLL_INTERVAL_MS: "25", ...extra };
  if (!extra.YOTTA_API_KEY) delete env.YOTTA_API_KEY;
  if (!extra.YOTTA_API_URL) delete env.YOTTA_API_URL;
  return env;
}

/** The ids of the Yotta resources a stack's state holds. */
async function idsInStack(stack: string): Promise<string[]> {
  const run = await runPulumi(["stack", "export", "--stack", stack], {
    cwd: work,
    env: { ...process.env, ...engineEnv({ backendDir, pulumiHome }) },
  });
  expect(run.code).toBe(0);
  const { deployment } = JSON.parse(run.stdout) as {
    deployment: { resources?: { type: string; id?: string }[] };
  };
  return (deployment.resources ?? [])
    .filter(
      (r) => r.type.startsWith("pulumi-nodejs:dynamic/yotta:") && !r.type.endsWith(":StackKey"),
    )
    .map((r) => r.id ?? "");
}

let service: RunningEmulator;

beforeAll(async () => {
  fs.rmSync(work, { recursive: true, force: true });
  fs.mkdirSync(work, { recursive: true });
  copyRootProject();
  service = await startEmulator({ apiKey: "live-service-key-5d1c" });
});

afterAll(async () => {
  await service?.close();
  // Both clouds go with the directory: the emulator's file and the stand-in service's memory.
  fs.rmSync(work, { recursive: true, force: true });
});

test("the first run deploys the program to the emulator's stack with pulumi up", async () => {
  const { result, printed } = job(userEnv());
  const run = await result;

  expect(run).toMatchObject({ target: "emulator", stack: STACKS.emulator });
  expect(run.changes).toEqual({ create: 7 });
  expect(run.outputs).toMatchObject({ endpointStatus: "RUNNING" });
  expect(printed.join("")).toContain(`pulumi up --refresh (stack ${STACKS.emulator}`);
  expect(fs.existsSync(path.join(work, `Pulumi.${STACKS.emulator}.yaml`))).toBe(true);
});

test("a second run, with a new emulator on the kept cloud, changes nothing", async () => {
  const run = await job(userEnv()).result;

  expect(run.stack).toBe(STACKS.emulator);
  expect(run.changes).toEqual({ same: 7 });
});

test("with YOTTA_API_KEY it deploys to the service in a stack of its own", async () => {
  const env = userEnv({ YOTTA_API_KEY: service.apiKey });
  // What the real service needs first: the registry password, in that stack's config.
  const pulumi = (args: string[], input?: string) =>
    runPulumi(args, {
      cwd: work,
      env: { ...env, ...engineEnv({ backendDir, pulumiHome }) },
      input,
    });
  expect(await pulumi(["stack", "init", STACKS.yotta])).toMatchObject({ code: 0 });
  expect(
    await pulumi(
      ["config", "set", "registryPassword", "--secret", "--stack", STACKS.yotta],
      "live-registry-password",
    ),
  ).toMatchObject({ code: 0 });

  const run = await job(env, { serviceUrl: service.url }).result;

  expect(STACKS.yotta).not.toBe(STACKS.emulator);
  expect(run).toMatchObject({ target: "yotta", stack: STACKS.yotta });
  expect(run.changes).toEqual({ create: 7 });
  const serviceIds = liveRecords(service.admin).map((r) => r.id);
  const liveIds = await idsInStack(STACKS.yotta);
  const emulatorIds = await idsInStack(STACKS.emulator);
  expect(liveIds.sort()).toEqual(serviceIds.sort());
  expect(liveIds.filter((id) => emulatorIds.includes(id))).toEqual([]);
  expect(service.admin.list("credential").map((c) => c.password)).toEqual([
    "live-registry-password",
  ]);
});

test("the emulator's stack is untouched by the service run: still no changes", async () => {
  const run = await job(userEnv()).result;

  expect(run.stack).toBe(STACKS.emulator);
  expect(run.changes).toEqual({ same: 7 });
});
