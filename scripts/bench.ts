// The fleet benchmark (docs/performance.md): fleets of plain pods through the real engine against
// the emulator at its realistic timing, with the provider's default poll intervals, and what each
// costs in wall time, API requests and state; then the same fleets under a 10 requests/s limit.
// It prints figures beside the goals of issue 12 and never fails on them. The pods come from the
// package as a user's npm install has it: packed, installed with @pulumi/pulumi outside the
// repository, the program run from there (docs/performance.md).
//
//   npm run bench                         fleets of 1 and 50 pods
//   npm run bench -- --pods 1,50,200      any sizes (the first is the base of the wall-time ratio)
//   npm run bench -- --large              the same as --pods 1,50,200
//
// Exits 1 only when a step failed unexpectedly; failed operations under the limit are figures.
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import { createRequire } from "node:module";
import * as os from "node:os";
import * as path from "node:path";
import { parseArgs } from "node:util";
import type * as Automation from "@pulumi/pulumi/automation";
import type { EngineEvent, PulumiFn, Stack } from "@pulumi/pulumi/automation";
import type * as Yotta from "pulumi-yotta";
import {
  REALISTIC_TIMING,
  startEmulator,
  type EmulatorOptions,
  type LoggedRequest,
  type RunningEmulator,
} from "../emulator";
import {
  engineEnv,
  installDependencies,
  packPackage,
  pulumiCliDir,
  repoRoot,
  runPulumi,
  runPulumiCliScript,
} from "./engine";

/** The limit of the rate-limited runs, per API key, with a burst of as many. */
const RATE_LIMIT = 10;
/** Far more than the largest fleet's phase makes, so the log never drops an entry we count. */
const REQUEST_LOG_SIZE = 1_000_000;
const PARALLEL = 64;

/** API requests of one phase by kind, as the issue's table breaks them down. */
export interface RequestCounts {
  total: number;
  /** POST /v2/pods */
  creates: number;
  /** GET /v2/pods/{id} */
  gets: number;
  /** GET /v2/pods */
  lists: number;
  others: number;
}

export function countRequests(log: Pick<LoggedRequest, "method" | "route">[]): RequestCounts {
  const counts: RequestCounts = { total: log.length, creates: 0, gets: 0, lists: 0, others: 0 };
  for (const { method, route } of log) {
    if (method === "POST" && route === "/v2/pods") counts.creates++;
    else if (method === "GET" && route === "/v2/pods/{id}") counts.gets++;
    else if (method === "GET" && route === "/v2/pods") counts.lists++;
    else counts.others++;
  }
  return counts;
}

/** What one pod resource takes in the stack's state, as `pulumi stack export` prints it. */
export interface PodState {
  /** The resource's entry as compact JSON, averaged over the fleet's pods. */
  bytes: number;
  /** The serialized provider's text, once. */
  providerBytes: number;
  /** How many times one entry holds that text (inputs, outputs). */
  providerCopies: number;
  /**
   * Whether that text is the short form, a `require` of the package's module
   * `pulumi-yotta/provider/stored/pod`, rather than the whole object (docs/design.md).
   */
  providerRequired: boolean;
}

/** What the short form of a pod's stored provider text requires. */
export const STORED_POD_MODULE = "pulumi-yotta/provider/stored/pod";

interface StateEntry {
  type?: string;
  inputs?: Record<string, unknown>;
  outputs?: Record<string, unknown>;
}

/** The type a dynamic resource of module `yotta`, type `Pod` has in the state. */
export const POD_TYPE = "pulumi-nodejs:dynamic/yotta:Pod";

/** The pod entries of an exported deployment, measured; undefined when it has none. */
export function podState(resources: StateEntry[]): PodState | undefined {
  const pods = resources.filter((r) => r.type === POD_TYPE);
  const first = pods[0];
  if (!first) return undefined;
  const total = pods.reduce((sum, r) => sum + Buffer.byteLength(JSON.stringify(r)), 0);
  const copies = [first.inputs?.__provider, first.outputs?.__provider].filter(
    (p): p is string => typeof p === "string",
  );
  return {
    bytes: Math.round(total / pods.length),
    providerBytes: copies[0] === undefined ? 0 : Buffer.byteLength(copies[0]),
    providerCopies: copies.length,
    providerRequired: copies[0]?.includes(`require(${JSON.stringify(STORED_POD_MODULE)})`) ?? false,
  };
}

/** What one engine operation cost. */
export interface Phase {
  ms: number;
  requests: RequestCounts;
  /** Resources whose step failed. */
  failed: number;
  /** Requests the rate limiter turned away with 429. */
  refused: number;
}

export interface FleetRun {
  up: Phase;
  destroy: Phase;
  /** Measured without the rate limit only. */
  refresh?: Phase;
  state?: PodState;
}

/** One column of the table: a fleet size, measured without and (when run) with the limit. */
export interface Column {
  pods: number;
  free: FleetRun;
  limited?: FleetRun;
}

interface Row {
  label: string;
  cell: (column: Column, base: Column) => string | undefined;
  goal?: string;
}

const seconds = (ms: number) => (ms / 1000).toFixed(1);
const ratio = (a: number, b: number) => (a / b).toFixed(2);
const bytes = (n: number) => `${n.toLocaleString("en-US")} B`;

function requestRows(
  name: string,
  phase: (run: FleetRun) => Phase | undefined,
  per: string,
  goal?: string,
): Row[] {
  const share = (pick: (c: RequestCounts) => number) => (column: Column) => {
    const p = phase(column.free);
    return p && (pick(p.requests) / column.pods).toFixed(2);
  };
  return [
    { label: `${name}: API requests per ${per}`, cell: share((c) => c.total), goal },
    { label: "↳ POST /v2/pods", cell: share((c) => c.creates) },
    { label: "↳ GET /v2/pods/{id}", cell: share((c) => c.gets) },
    { label: "↳ GET /v2/pods (lists)", cell: share((c) => c.lists) },
    { label: "↳ other", cell: share((c) => c.others) },
  ];
}

function rows(baseSize: number): Row[] {
  const limit = `at ${RATE_LIMIT} requests/s`;
  const limitedOnly = (cell: (limited: FleetRun, free: FleetRun) => string) => (column: Column) =>
    column.limited && cell(column.limited, column.free);
  return [
    { label: "`up` wall time (s)", cell: (c) => seconds(c.free.up.ms) },
    {
      label: `\`up\` wall time ÷ the ${baseSize}-pod \`up\``,
      cell: (c, base) => ratio(c.free.up.ms, base.free.up.ms),
      goal: "≤ 1.2",
    },
    ...requestRows("`up`", (run) => run.up, "pod, create → RUNNING", "≤ 1.3"),
    ...requestRows("`refresh`", (run) => run.refresh, "resource", "≤ 0.1"),
    ...requestRows("`destroy`", (run) => run.destroy, "pod", "≤ 1.3"),
    { label: "`destroy` wall time (s)", cell: (c) => seconds(c.free.destroy.ms) },
    {
      label: "state bytes per pod resource",
      cell: (c) => c.free.state && bytes(c.free.state.bytes),
      goal: "≤ 3 KB (3,072 B)",
    },
    {
      label: "↳ of which the serialized provider, × copies",
      cell: ({ free: { state } }) =>
        state && `${bytes(state.providerBytes)} × ${state.providerCopies}`,
    },
    {
      label: `↳ that text is \`require("${STORED_POD_MODULE}")\``,
      cell: ({ free: { state } }) => state && (state.providerRequired ? "yes" : "no"),
      goal: "yes",
    },
    {
      label: `${limit}: failed operations in \`up\``,
      cell: limitedOnly((l) => String(l.up.failed)),
      goal: "0",
    },
    {
      label: `${limit}: failed operations in \`destroy\``,
      cell: limitedOnly((l) => String(l.destroy.failed)),
      goal: "0",
    },
    { label: `${limit}: \`up\` wall time (s)`, cell: limitedOnly((l) => seconds(l.up.ms)) },
    {
      label: `${limit}: \`up\` wall time ÷ unlimited`,
      cell: limitedOnly((l, free) => ratio(l.up.ms, free.up.ms)),
      goal: "≤ 1.5",
    },
    {
      label: `${limit}: \`destroy\` wall time (s)`,
      cell: limitedOnly((l) => seconds(l.destroy.ms)),
    },
    {
      label: `${limit}: \`destroy\` wall time ÷ unlimited`,
      cell: limitedOnly((l, free) => ratio(l.destroy.ms, free.destroy.ms)),
      goal: "≤ 1.5",
    },
    {
      label: `${limit}: requests refused with 429, \`up\` / \`destroy\``,
      cell: limitedOnly((l) => `${l.up.refused} / ${l.destroy.refused}`),
    },
  ];
}

/** The figures as a Markdown table, one column per fleet size, the goals (for 50 pods) last. */
export function formatTable(columns: Column[]): string {
  const base = columns[0];
  if (!base) throw new Error("no fleet was measured");
  const header = [
    "",
    ...columns.map((c) => (c.pods === 1 ? "1 pod" : `${c.pods} pods`)),
    "goal (50 pods)",
  ];
  const body = rows(base.pods).map((row) => [
    row.label,
    ...columns.map((c) => row.cell(c, base) ?? "—"),
    row.goal ?? "",
  ]);
  const widths = header.map((_, i) => Math.max(...[header, ...body].map((r) => r[i]!.length)));
  const line = (cells: string[]) =>
    `| ${cells.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join(" | ")} |`;
  const rule = `| ${widths.map((w, i) => (i === 0 ? "-".repeat(w) : `${"-".repeat(w - 1)}:`)).join(" | ")} |`;
  return [line(header), rule, ...body.map(line)].join("\n");
}

function machineLine(): string {
  const cpus = os.cpus();
  const load = os.loadavg().map((l) => l.toFixed(2));
  return (
    `machine: ${cpus.length} cores, ${cpus[0]?.model.trim() ?? "unknown CPU"}, Node ${process.version}, ` +
    `load average ${load.join(" ")} at start`
  );
}

/**
 * The date, the commit measured, and whether the code under test differs from it: the build
 * compiles the working tree.
 */
function revisionLine(): string {
  const date = new Date().toISOString().slice(0, 10);
  const git = (...args: string[]) =>
    execFileSync("git", args, { cwd: repoRoot, encoding: "utf8", stdio: "pipe" }).trim();
  try {
    const commit = git("rev-parse", "--short", "HEAD");
    const changed = git("status", "--porcelain", "--", "client", "provider", "sdk", "emulator");
    return `measured on ${date} at commit ${commit}${changed ? ", with uncommitted changes to the code" : ""}`;
  } catch {
    return `measured on ${date}, outside a git checkout`;
  }
}

/** Runs one engine operation with an empty request log and counts what it cost. */
async function measure(
  t: FleetStack,
  operation: (onEvent: (event: EngineEvent) => void) => Promise<unknown>,
  failuresExpected: boolean,
): Promise<Phase> {
  const { admin } = t.emulator;
  admin.clearRequests();
  admin.clearFaultsFired();
  const failed = new Set<string>();
  const onEvent = (event: EngineEvent) => {
    const urn = event.resOpFailedEvent?.metadata.urn;
    if (urn) failed.add(urn);
  };
  const started = performance.now();
  try {
    await operation(onEvent);
  } catch (error) {
    // A counted failed operation is a figure; any other error is the benchmark's own.
    if (!failuresExpected || failed.size === 0) throw error;
  }
  const ms = performance.now() - started;
  const log = admin.requests();
  if (log.length >= REQUEST_LOG_SIZE) throw new Error("the request log overflowed");
  return {
    ms,
    requests: countRequests(log),
    failed: failed.size,
    refused: admin.faultsFired().byType.requestsPerSecond ?? 0,
  };
}

/** The stack's state as `pulumi stack export` prints it (secrets stay encrypted). */
async function exportedResources(t: FleetStack): Promise<StateEntry[]> {
  const env = {
    ...process.env,
    ...engineEnv({ backendDir: path.join(t.workDir, ".pulumi-state") }),
  };
  const run = await runPulumi(["stack", "export", "--stack", t.stack.name], {
    cwd: t.workDir,
    env,
  });
  if (run.code !== 0) throw new Error(`pulumi stack export exited with ${run.code}: ${run.stderr}`);
  const exported = JSON.parse(run.stdout) as { deployment: { resources?: StateEntry[] } };
  return exported.deployment.resources ?? [];
}

/**
 * Packs this repository and installs it, with the @pulumi/pulumi it pins, into a new directory
 * outside the repository, as a user's `npm install` does; returns that directory. There the
 * package sits under one `node_modules`, where its resources store the short form of their
 * provider text; a program run in this repository (whose `node_modules/pulumi-yotta` links to the
 * checkout) would store the whole object instead (docs/design.md).
 */
function installAsUser(): string {
  const { devDependencies } = JSON.parse(
    fs.readFileSync(path.join(repoRoot, "package.json"), "utf8"),
  ) as { devDependencies: Record<string, string> };
  const sdkVersion = devDependencies["@pulumi/pulumi"];
  if (!sdkVersion) throw new Error("package.json pins no @pulumi/pulumi");
  const root = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), "yotta-bench-")));
  const tarball = packPackage(root);
  installDependencies(root, { "@pulumi/pulumi": sdkVersion, "pulumi-yotta": `file:${tarball}` });
  return root;
}

/**
 * What a program in the install loads from its `node_modules`: the package, and the Automation
 * API of the @pulumi/pulumi beside it. The program's resources register through the SDK that
 * runs it, which must be that one, not this repository's (whose request classes the install's
 * SDK does not take): hence no `openInlineStack` here, which runs the repository's.
 */
interface UserInstall {
  root: string;
  yotta: typeof Yotta;
  automation: typeof Automation;
}

/**
 * Loads the install's modules. Run it from `root`: the package chooses the form of its provider
 * text when it loads, from the working directory (sdk/internal/thin-provider.ts).
 */
function loadInstall(root: string): UserInstall {
  const fromRoot = createRequire(path.join(root, "index.js"));
  return {
    root,
    yotta: fromRoot("pulumi-yotta") as typeof Yotta,
    automation: fromRoot("@pulumi/pulumi/automation") as typeof Automation,
  };
}

/** A fleet's inline-program stack, in its own folder of the install, with its emulator. */
interface FleetStack {
  stack: Stack;
  workDir: string;
  emulator: RunningEmulator;
  /** Destroys what the stack still holds, stops the emulator, removes the folder. */
  dispose(): Promise<void>;
}

/** An inline stack against the pinned CLI and local state, as scripts/engine.ts opens one. */
async function openFleetStack(
  install: UserInstall,
  name: string,
  emulatorOptions: EmulatorOptions,
  program: PulumiFn,
): Promise<FleetStack> {
  const { LocalWorkspace, PulumiCommand } = install.automation;
  const emulator = await startEmulator(emulatorOptions);
  const workDir = path.join(install.root, name);
  const backendDir = path.join(workDir, ".pulumi-state");
  fs.mkdirSync(backendDir, { recursive: true });
  const stack = await LocalWorkspace.createOrSelectStack(
    { projectName: name, stackName: "bench", program },
    {
      workDir,
      // Empty: the provider's own poll intervals, not the fast ones the tests use.
      envVars: { ...engineEnv({ backendDir }), YOTTA_POLL_INTERVAL_MS: "" },
      pulumiCommand: await PulumiCommand.get({ root: path.dirname(pulumiCliDir()) }),
    },
  );
  await stack.setAllConfig({
    "yotta:apiKey": { value: emulator.apiKey, secret: true },
    "yotta:apiUrl": { value: emulator.url },
  });
  return {
    stack,
    workDir,
    emulator,
    dispose: async () => {
      try {
        await stack.destroy();
      } finally {
        await emulator.close();
        fs.rmSync(workDir, { recursive: true, force: true });
      }
    },
  };
}

/** Deploys a fleet of plain pods, measures it and destroys it; with `limited`, at the limit. */
async function runFleet(install: UserInstall, pods: number, limited: boolean): Promise<FleetRun> {
  const name = `bench-${pods}${limited ? "-limited" : ""}`;
  const emulator: EmulatorOptions = {
    baseTiming: REALISTIC_TIMING,
    // The token bucket refills on the emulator's clock, which runs in real time here.
    limits: {
      requestLogSize: REQUEST_LOG_SIZE,
      ...(limited ? { requestsPerSecond: RATE_LIMIT, burst: RATE_LIMIT } : {}),
    },
  };
  const t = await openFleetStack(install, name, emulator, async () => {
    const made = Array.from(
      { length: pods },
      (_, i) =>
        new install.yotta.Pod(`pod-${i}`, {
          image: "pytorch/pytorch:2.4.0",
          gpuType: "NVIDIA_RTX_4090_24G",
          gpuCount: 1,
        }),
    );
    // Returns once the engine has answered every registration, as the tests' programs do
    // (`settled` in tests/support/engine.ts tells why).
    await Promise.all(made.map((pod) => new Promise<void>((done) => pod.urn.apply(() => done()))));
  });
  const step = (what: string) => console.error(`${name}: ${what}`);
  const options = { parallel: PARALLEL, continueOnError: limited };
  try {
    step("up");
    const up = await measure(t, (onEvent) => t.stack.up({ ...options, onEvent }), limited);
    let refresh: Phase | undefined;
    let state: PodState | undefined;
    if (!limited) {
      state = podState(await exportedResources(t));
      step("refresh");
      refresh = await measure(t, (onEvent) => t.stack.refresh({ ...options, onEvent }), false);
    }
    step("destroy");
    const destroy = await measure(
      t,
      (onEvent) => t.stack.destroy({ ...options, onEvent }),
      limited,
    );
    return { up, destroy, refresh, state };
  } finally {
    // What a limited destroy left behind goes without the limit.
    t.emulator.admin.setLimits({ requestsPerSecond: 0 });
    await t.dispose();
  }
}

function fleetSizes(): number[] {
  const { values } = parseArgs({
    options: { pods: { type: "string" }, large: { type: "boolean", default: false } },
  });
  const sizes = (values.pods ?? (values.large ? "1,50,200" : "1,50")).split(",").map(Number);
  if (sizes.some((n) => !Number.isInteger(n) || n < 1)) {
    throw new Error(`--pods takes whole numbers above 0, such as 1,50,200, not ${values.pods}`);
  }
  return sizes;
}

async function main(): Promise<void> {
  const sizes = fleetSizes();
  const measured = `${revisionLine()}\n${machineLine()}`;
  const started = performance.now();
  // Once here, with its messages: a first build of the CLI takes minutes.
  runPulumiCliScript();
  const root = installAsUser();
  // The program runs in this process, from the install as a user's runs from the project's: the
  // serializer names modules relative to the working directory, the package chooses the form of
  // its provider text from there, and an inline stack's provider process starts there.
  const home = process.cwd();
  process.chdir(root);
  const columns: Column[] = [];
  try {
    const install = loadInstall(root);
    for (const pods of sizes) {
      const free = await runFleet(install, pods, false);
      // One pod never comes near the limit: its run would repeat the unlimited one.
      const limited = pods > 1 ? await runFleet(install, pods, true) : undefined;
      columns.push({ pods, free, limited });
    }
  } finally {
    process.chdir(home);
    fs.rmSync(root, { recursive: true, force: true });
  }
  console.log(`${measured}\n\n${formatTable(columns)}\n`);
  console.log(`bench took ${seconds(performance.now() - started)} s`);
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(error instanceof Error ? (error.stack ?? error.message) : error);
    process.exitCode = 1;
  });
}
