// One soak seed from start to end: a fresh emulator, someone else's resources in the account, a
// random program under random faults through up, refresh, an update, up and destroy, with every
// invariant checked after every step.
import * as fs from "node:fs";
import * as path from "node:path";
import type { Stack } from "@pulumi/pulumi/automation";
import {
  startEmulator,
  type EmulatorAdmin,
  type Fault,
  type RunningEmulator,
} from "../../../emulator";
import { YottaClient } from "../../../client";
import { killTree, pulumiCliRunning } from "../../../scripts/engine";
import { createTestStack, type TestStack } from "../engine";
import { failureOf } from "../yotta-stack";
import {
  cloudRecords,
  emulatorFeatures,
  faultsFired,
  makeForeign,
  makeForeignPodUnderFaults,
  type ForeignRecord,
} from "./cloud";
import {
  checkStep,
  firstLine,
  tokenOf,
  type Diagnostic,
  type Finding,
  type StateEntry,
  type StateView,
  type StepOutcome,
  type Violation,
} from "./invariants";
import {
  describePlan,
  LOOK_WINDOW_MS,
  planSeed,
  REQUEST_TIMEOUT_MS,
  type CloudKind,
  type Decl,
  type Pressure,
} from "./plan";
import { declare, ownerOf } from "./program";

export interface SeedReport {
  seed: number;
  plan: string[];
  /** Engine operations run: each up, refresh and destroy attempt. */
  operations: number;
  steps: { step: string; ok: boolean; ms: number; error?: string }[];
  apiCalls: number;
  faults: Record<string, number>;
  violations: Violation[];
  /** Expected failures accepted, declarations dropped, faults cleared, phases that never converged. */
  notes: string[];
  /** Held names refused as expected (each declaration then dropped). */
  expectedFailures: number;
  /** Whether the faults had to be cleared before the last destroy. */
  faultsCleared: boolean;
  /** `up` or `update` when that phase ran out of attempts. */
  unconverged: string[];
  ms: number;
}

export interface SeedOptions {
  /** Progress lines as the seed runs. */
  log?: (line: string) => void;
  /**
   * Keep the work directory (state and all) for inspection, with `engine.txt` (what each step
   * printed) and `requests.txt` (every API call, faults marked) in it.
   */
  keep?: boolean;
}

const MAX_ATTEMPTS = 3;

/**
 * Runs a seed. When the engine ends a failed deployment, the inline program may still have a call
 * in flight that rejects late with gRPC UNAVAILABLE; `failureOf` absorbs exactly that while the
 * seed runs (every other failure is caught and reported inside). It can do so only in a plain
 * Node process (the soak script, or a child the test starts: see child.ts), not under jest.
 */
export async function runSeed(seed: number, options: SeedOptions = {}): Promise<SeedReport> {
  let report: SeedReport | undefined;
  const outcome = await failureOf(
    runGuarded(seed, options).then((r) => {
      report = r;
    }),
  );
  if (!report) throw new Error(`seed ${seed}: ${outcome}`);
  return report;
}

async function runGuarded(seed: number, options: SeedOptions): Promise<SeedReport> {
  const started = Date.now();
  const log = options.log ?? (() => undefined);
  const plan = planSeed(seed, await emulatorFeatures());
  const report: SeedReport = {
    seed,
    plan: describePlan(plan),
    operations: 0,
    steps: [],
    apiCalls: 0,
    faults: {},
    violations: [],
    notes: [],
    expectedFailures: 0,
    faultsCleared: false,
    unconverged: [],
    ms: 0,
  };
  const seen = new Set<string>();
  const record = (step: string, findings: Finding[]) => {
    for (const f of findings) {
      const key = `${f.invariant}|${f.subject}`;
      if (seen.has(key)) continue;
      seen.add(key);
      report.violations.push({ invariant: f.invariant, detail: f.detail, step });
      log(`  VIOLATION ${f.invariant}: ${f.detail}`);
    }
  };

  let emulator: RunningEmulator | undefined;
  let test: TestStack | undefined;
  try {
    emulator = await startEmulator({ seed, quirks: plan.pressure.quirks });
    const admin = emulator.admin;
    const client = new YottaClient({ apiKey: emulator.apiKey, baseUrl: emulator.url });
    const foreign = await makeForeign(client, admin, plan.foreign);
    admin.clearRequests();
    const initial = admin.config();
    admin.setFaults(plan.faults);
    if (plan.pressure.limits) admin.setLimits(plan.pressure.limits);
    if (plan.pressure.timing) admin.setTiming(plan.pressure.timing);

    const program = { decls: [...plan.declarations] as Decl[] };
    test = await createTestStack({
      name: `soak-${seed}`,
      program: async () => declare(program.decls),
      config: {
        "yotta:apiKey": { value: emulator.apiKey, secret: true },
        "yotta:apiUrl": emulator.url,
      },
      env: {
        YOTTA_POLL_INTERVAL_MS: "25",
        YOTTA_REQUEST_TIMEOUT_MS: String(REQUEST_TIMEOUT_MS),
        YOTTA_LOOK_WINDOW_MS: String(LOOK_WINDOW_MS),
      },
    });
    const stack = test.stack;
    const update = plan.update;
    const explicitNames = new Map<string, string[]>(
      plan.declarations.flatMap((d) => ("name" in d && d.name ? [[d.logical, [d.name]]] : [])),
    );
    const declaredNames = new Map<string, number>();
    for (const d of plan.declarations) {
      if (!("name" in d) || !d.name) continue;
      const key = `${d.kind} "${d.name}"`;
      declaredNames.set(key, (declaredNames.get(key) ?? 0) + 1);
    }
    /** Someone else makes a pod with this declaration's name and spec (a console user). */
    const foreignTwin = async (logical: string | undefined, when: string): Promise<void> => {
      const d = plan.declarations.find((x) => x.logical === logical);
      if (!d || d.kind !== "pod" || !d.name) return;
      const spec = { ...d, name: d.name, credential: undefined, volume: undefined };
      const made = await makeForeignPodUnderFaults(client, admin, {
        spec,
        collidesWith: d.logical,
        sameSpec: true,
      });
      foreign.push(made);
      log(`  a foreign pod "${d.name}" (${made.id}) was made ${when}`);
    };
    const lateMs = lateCommitMs(plan.faults);
    const transcript: string[] = [];
    // podFails leaves no mark in the request log: count the pods seen FAILED.
    const failedPods = new Set<string>();

    /** Runs one engine operation and checks every invariant after it. */
    const kill = plan.hostile.kill;
    let killedSinceRefresh = false;
    const step = async (
      name: string,
      operation: "up" | "refresh" | "destroy",
    ): Promise<StepOutcome> => {
      const killHere = kill !== undefined && name === `${kill.phase} 1`;
      const start = admin.requests().length;
      const outcome = await runOperation(
        stack,
        name,
        operation,
        killHere ? () => admin.requests().length >= start + kill.afterRequests : undefined,
        // After a killed run the user drops the engine's pending creates with the refresh
        // (docs/resources.md): the creates themselves were settled by the `up` after it.
        killedSinceRefresh,
      );
      if (outcome.killed) killedSinceRefresh = true;
      if (outcome.killed) {
        report.notes.push(`${name}: the engine was killed after ${kill!.afterRequests} requests`);
        log(`  ${name}: killed after ${kill!.afterRequests} requests; pulumi cancel`);
      }
      transcript.push(
        `===== ${name} (${outcome.ok ? "ok" : `failed: ${failureSummary(outcome)}`})\n${outcome.output}`,
      );
      report.operations++;
      report.steps.push({
        step: name,
        ok: outcome.ok,
        ms: outcome.ms,
        error: outcome.ok ? undefined : failureSummary(outcome),
      });
      log(
        `  ${name}: ${outcome.ok ? "ok" : `failed: ${failureSummary(outcome)}`} (${seconds(outcome.ms)})`,
      );
      // A request the client gave up on may still commit: let it land before looking.
      await settled(admin, lateMs);
      const state = await readState(stack, plan.declarations);
      const cloud = cloudRecords(admin);
      for (const c of cloud) if (c.kind === "pod" && c.status === "FAILED") failedPods.add(c.id);
      record(
        name,
        checkStep({
          outcome,
          admin,
          state,
          cloud,
          foreign,
          operation,
          explicitNames,
          declaredNames,
          killedSinceRefresh,
        }),
      );
      if (operation === "refresh" && outcome.ok) killedSinceRefresh = false;
      return outcome;
    };

    /** `up` until it succeeds, at most three times (a fourth when a declaration was dropped). */
    const adoptPending = () =>
      adoptWhatPendingRecordsMade(stack, program, plan, admin, update, (line) => {
        report.notes.push(line);
        log(`  ${line}`);
      });

    const upPhase = async (label: string): Promise<void> => {
      let limit = MAX_ATTEMPTS;
      for (let attempt = 1; attempt <= limit; attempt++) {
        const outcome = await step(`${label} ${attempt}`, "up");
        if (outcome.ok) return;
        if (outcome.killed) limit++;
        const dropped = acceptCollisions(outcome, program, foreign, report, record);
        if (dropped && attempt === limit) limit++;
        // The failed `up` may have left a pending record whose create made a pod: the user
        // follows the advice and adopts it before running `up` again.
        if (plan.hostile.adoptPending) await adoptPending();
      }
      report.notes.push(`${label} did not succeed in ${limit} attempts`);
      report.unconverged.push(label);
    };

    // While the first `up` runs: once it has sent a pod create, someone else makes a twin.
    let upDone = false;
    const during = (async () => {
      if (!plan.hostile.foreignDuring) return;
      while (!upDone && admin.requests({ method: "POST", path: "/v2/pods" }).length === 0) {
        await new Promise((r) => setTimeout(r, 25));
      }
      if (!upDone) await foreignTwin(plan.hostile.foreignDuring, "while up ran");
    })();
    // Awaited after the phase; a failure here is the harness's, reported as such.
    during.catch(() => undefined);
    await upPhase("up").finally(() => (upDone = true));
    await during;
    await foreignTwin(plan.hostile.foreignAfter, "after the look windows");
    await step("refresh", "refresh");
    if (update && program.decls.some((d) => d.logical === update.target)) {
      program.decls = program.decls.map((d) => (d.logical === update.target ? update.apply(d) : d));
      // A rename: errors from here on may name the resource by its new name.
      const renamed = program.decls.find((d) => d.logical === update.target);
      if (renamed && "name" in renamed && renamed.name) {
        explicitNames.set(renamed.logical, [
          ...(explicitNames.get(renamed.logical) ?? []),
          renamed.name,
        ]);
      }
    } else if (update) {
      report.notes.push(`update of ${update.target} skipped: the declaration was dropped`);
    }
    await upPhase("update");

    let destroyLimit = MAX_ATTEMPTS;
    for (let attempt = 1; attempt <= destroyLimit; attempt++) {
      if (attempt === destroyLimit) {
        clearPressure(admin, initial, plan.pressure);
        report.notes.push("faults cleared before the last destroy");
        report.faultsCleared = true;
      }
      const outcome = await step(`destroy ${attempt}`, "destroy");
      if (outcome.ok) break;
      if (outcome.killed) {
        destroyLimit++;
        continue;
      }
      if (attempt === destroyLimit) {
        record(`destroy ${attempt}`, [
          {
            invariant: "destroy stuck",
            subject: "destroy",
            detail: `destroy fails even with every fault cleared: ${failureSummary(outcome)}`,
          },
        ]);
      }
    }

    if (options.keep) {
      // What a replay needs to be read: every engine output and every API call, faults marked.
      const calls = admin
        .requests()
        .map(
          (r) =>
            `${r.seq} ${new Date(r.time).toISOString().slice(11, 23)} ${r.method} ${r.path} → ${r.status ?? "-"} ${r.code ?? "-"}${r.fault ? ` [${r.fault}]` : ""}`,
        );
      await fs.promises.writeFile(path.join(test.workDir, "requests.txt"), `${calls.join("\n")}\n`);
      await fs.promises.writeFile(path.join(test.workDir, "engine.txt"), transcript.join("\n"));
    }
    report.apiCalls = admin.requests().length;
    report.faults = faultsFired(admin.requests());
    if (failedPods.size > 0) report.faults.podFails = failedPods.size;
    if (plan.faults.some((f) => f.type === "noCapacity")) report.faults["noCapacity (armed)"] = 1;
  } catch (error) {
    record("harness", [
      {
        invariant: "harness",
        subject: "error",
        detail: `the soak itself failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
      },
    ]);
  } finally {
    await emulator?.close().catch(() => undefined);
    if (!options.keep) await test?.cleanup().catch(() => undefined);
  }
  report.ms = Date.now() - started;
  return report;
}

/**
 * The user follows the advice for a pending record: the pod its create made (the one carrying its
 * token) is set as the declaration's `adoptId`. Not for a declaration the update will replace.
 */
async function adoptWhatPendingRecordsMade(
  stack: Stack,
  program: { decls: Decl[] },
  plan: { declarations: Decl[] },
  admin: EmulatorAdmin,
  update: { target: string } | undefined,
  note: (line: string) => void,
): Promise<void> {
  const state = await readState(stack, plan.declarations);
  for (const entry of state.resources) {
    const token = entry.attempt?.token;
    if (!token || entry.kind !== "pod" || entry.pulumiName === update?.target) continue;
    const made = admin
      .list("pod")
      .find(
        (p) =>
          p.status !== "TERMINATING" &&
          p.status !== "TERMINATED" &&
          tokenOf(admin, { kind: "pod", id: p.id }) === token,
      );
    if (!made) continue;
    program.decls = program.decls.map((d) =>
      d.logical === entry.pulumiName && d.kind === "pod" ? { ...d, adoptId: made.id } : d,
    );
    note(`adoptId ${made.id} set on ${entry.pulumiName}, a pending record whose create made it`);
  }
}

async function runOperation(
  stack: Stack,
  step: string,
  operation: "up" | "refresh" | "destroy",
  killWhen?: () => boolean,
  clearPendingCreates = false,
): Promise<StepOutcome> {
  const started = Date.now();
  const lines: string[] = [];
  const diagnostics: Diagnostic[] = [];
  const options = {
    color: "never" as const,
    onOutput: (line: string) => lines.push(line),
    onEvent: (event: { diagnosticEvent?: { urn?: string; severity: string; message: string } }) => {
      const d = event.diagnosticEvent;
      if (d)
        diagnostics.push({ urn: d.urn || undefined, severity: d.severity, message: d.message });
    },
  };
  let error: string | undefined;
  // The kill: the CLI the Automation API started, and everything below it, once `killWhen` says.
  let killed = false;
  const watch =
    killWhen &&
    setInterval(() => {
      if (killed || !killWhen()) return;
      const cli = pulumiCliRunning(operation);
      if (cli === undefined) return;
      killed = true;
      killTree(cli);
    }, 20);
  try {
    if (operation === "up") await stack.up(options);
    else if (operation === "refresh") await stack.refresh({ ...options, clearPendingCreates });
    else await stack.destroy(options);
  } catch (err) {
    error = err instanceof Error ? err.message : String(err);
  } finally {
    if (watch) clearInterval(watch);
  }
  if (killed) {
    // What Pulumi tells the user to do next.
    await stack.cancel();
  }
  return {
    step,
    ok: error === undefined,
    killed,
    error,
    output: lines.join(""),
    diagnostics,
    ms: Date.now() - started,
  };
}

/** What the state holds, from `stack export` (ids exactly as recorded). */
async function readState(stack: Stack, decls: readonly Decl[]): Promise<StateView> {
  const { deployment } = await stack.exportStack();
  const resources = (deployment.resources ?? []) as {
    urn: string;
    type: string;
    id?: string;
    custom?: boolean;
    delete?: boolean;
    outputs?: Record<string, unknown>;
  }[];
  const entries: StateEntry[] = [];
  for (const r of resources) {
    if (!r.custom || r.type.startsWith("pulumi:providers:")) continue;
    // The stack's key holds no cloud resource.
    if (r.type.endsWith(":StackKey")) continue;
    const pulumiName = r.urn.slice(r.urn.lastIndexOf("::") + 2);
    entries.push({
      urn: r.urn,
      pulumiName,
      kind: kindOf(r.type, pulumiName, decls),
      id: r.id,
      pendingDelete: r.delete === true,
      cloudName: typeof r.outputs?.name === "string" ? r.outputs.name : undefined,
      attempt: attemptOf(r.outputs?.[PENDING_KEY]),
    });
  }
  const pending = (
    (deployment as { pending_operations?: { type?: string; resource?: { urn?: string } }[] })
      .pending_operations ?? []
  ).map((p) => `${p.type ?? "?"} ${p.resource?.urn ?? "?"}`);
  return { resources: entries, pendingOperations: pending };
}

/** Where the provider keeps a pending record's attempt (provider/pending.ts). */
const PENDING_KEY = "__pendingCreate";

function attemptOf(value: unknown): StateEntry["attempt"] {
  const a = value as { name?: unknown; knownIds?: unknown; token?: unknown } | null | undefined;
  if (typeof a?.name !== "string") return undefined;
  return {
    name: a.name,
    knownIds: Array.isArray(a.knownIds) ? a.knownIds.map(String) : [],
    token: typeof a.token === "string" ? a.token : undefined,
  };
}

function kindOf(type: string, pulumiName: string, decls: readonly Decl[]): CloudKind {
  const match = /(Pod|Volume|Credential|Endpoint)$/.exec(type);
  if (match) return match[1]!.toLowerCase() as CloudKind;
  const owner = ownerOf(decls, pulumiName);
  if (owner?.kind === "fleet") return pulumiName.endsWith("-shared") ? "volume" : "pod";
  if (owner) return owner.kind;
  throw new Error(`cannot tell the kind of ${type} ${pulumiName}`);
}

/**
 * After a failed `up`: an explicit volume or credential name someone else already holds is the
 * one permanent failure the program may meet. The error must name the holder's id and point to
 * `adoptId`; then the declaration is dropped for the rest of the seed. An error about the name
 * that does not say so is a violation. Returns whether a declaration was dropped.
 */
function acceptCollisions(
  outcome: StepOutcome,
  program: { decls: Decl[] },
  foreign: readonly ForeignRecord[],
  report: SeedReport,
  record: (step: string, findings: Finding[]) => void,
): boolean {
  let dropped = false;
  for (const holder of foreign) {
    const decl = program.decls.find((d) => d.logical === holder.collidesWith);
    if (!decl || (decl.kind !== "volume" && decl.kind !== "credential")) continue;
    const errors = outcome.diagnostics.filter(
      (d) => d.severity === "error" && d.urn?.endsWith(`::${decl.logical}`),
    );
    const clear = errors.find((d) => d.message.includes(holder.id) && /adoptId/.test(d.message));
    if (clear) {
      report.expectedFailures++;
      report.notes.push(
        `${decl.logical}: name "${holder.name}" held by ${holder.id}, refused as expected; dropped`,
      );
      program.decls = program.decls.filter((d) => d !== decl);
      dropped = true;
      continue;
    }
    const unclear = errors.find((d) => /exist|taken|in use|already/i.test(d.message));
    if (unclear) {
      // Still a permanent failure: reported, then dropped like an expected one.
      program.decls = program.decls.filter((d) => d !== decl);
      dropped = true;
      record(outcome.step, [
        {
          invariant: "collision unclear",
          subject: decl.logical,
          detail: `${decl.logical}: the name "${holder.name}" is held by ${holder.id}, and the error does not name that id and adoptId: ${firstLine(unclear.message)}`,
        },
      ]);
    }
  }
  return dropped;
}

/**
 * Waits until no request is in flight: through `admin.idle()` where the emulator has it, else for
 * as long as a request held by a latency fault can still take after its client gave up.
 */
async function settled(admin: EmulatorAdmin, lateMs: number): Promise<void> {
  const idle = (admin as { idle?: () => Promise<void> }).idle;
  if (typeof idle === "function") await idle.call(admin);
  else if (lateMs > 0) await sleep(lateMs);
}

/** How long a request that outlasted the client can still take to commit. */
function lateCommitMs(faults: readonly Fault[]): number {
  const longest = Math.max(
    0,
    ...faults.flatMap((f) => (f.type === "latency" ? [f.ms + (f.jitterMs ?? 0)] : [])),
  );
  return longest > REQUEST_TIMEOUT_MS ? longest - REQUEST_TIMEOUT_MS + 200 : 0;
}

/** No faults, and the limits and timing the emulator started with. */
function clearPressure(
  admin: EmulatorAdmin,
  initial: ReturnType<EmulatorAdmin["config"]>,
  pressure: Pressure,
): void {
  admin.clearFaults();
  const restore = (changed: object | undefined, from: object) =>
    Object.fromEntries(
      Object.keys(changed ?? {}).map((k) => [k, (from as Record<string, number>)[k]]),
    );
  if (pressure.limits) admin.setLimits(restore(pressure.limits, initial.limits));
  if (pressure.timing) admin.setTiming(restore(pressure.timing, initial.timing));
}

function failureSummary(outcome: StepOutcome): string {
  const onResource = outcome.diagnostics.find(
    (d) => d.severity === "error" && d.urn && !d.urn.includes("::pulumi:pulumi:Stack::"),
  );
  const where = onResource
    ? `${onResource.urn!.slice(onResource.urn!.lastIndexOf("::") + 2)}: `
    : "";
  if (onResource) return `${where}${firstLine(onResource.message)}`;
  // No resource failed: the engine's own error line says why (the thrown error starts with the
  // command line).
  const engine = outcome.diagnostics.find((d) => d.severity === "error");
  return firstLine(engine?.message ?? outcome.error ?? "");
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)}s`;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
