// The promises checked after every soak step. Each check reads the cloud (the emulator's records)
// and the stack's state (`stack export`) and says, in a line, what broke.
import { foreignChange, type CloudRecord, type ForeignRecord } from "./cloud";
import type { EmulatorAdmin } from "../../../emulator";
import type { CloudKind } from "./plan";

export interface Diagnostic {
  urn?: string;
  severity: string;
  message: string;
}

export interface StepOutcome {
  /** `up 1`, `refresh`, `update up 2`, `destroy 3`. */
  step: string;
  ok: boolean;
  /** The operation's error, when it failed. */
  error?: string;
  /** Everything the engine printed. */
  output: string;
  diagnostics: Diagnostic[];
  ms: number;
  /** The engine was killed during it (SIGKILL), and `pulumi cancel` run after. */
  killed?: boolean;
}

export interface StateEntry {
  urn: string;
  /** The last part of the URN. */
  pulumiName: string;
  kind: CloudKind;
  id?: string;
  /** Kept only to be deleted: the old half of a replacement whose delete has not happened. */
  pendingDelete: boolean;
  /** The cloud name the outputs record. */
  cloudName?: string;
  /**
   * A create attempt whose outcome the provider does not know yet, recorded under a `pending-…`
   * id (docs/resources.md, "Ownership"): the name it used and the ids that held it before.
   */
  attempt?: { name: string; knownIds: string[]; token?: string };
}

/** A pending record's id: the provider's, never sent to the API. */
export function isPendingId(id: string | undefined): boolean {
  return id?.startsWith("pending-") === true;
}

export interface StateView {
  resources: StateEntry[];
  /** Operations the engine started and never heard the end of. */
  pendingOperations: string[];
}

export interface Violation {
  invariant: string;
  detail: string;
  /** The first step after which it was seen. */
  step: string;
}

export interface Observation {
  outcome: StepOutcome;
  /** For comparing foreign records with their snapshots. */
  admin: EmulatorAdmin;
  state: StateView;
  cloud: CloudRecord[];
  foreign: readonly ForeignRecord[];
  /** `destroy` when the step was a destroy. */
  operation: "up" | "refresh" | "destroy";
  /** The explicit cloud names the program gives (before and after a rename), by Pulumi name. */
  explicitNames: ReadonlyMap<string, readonly string[]>;
  /** How many declarations give each `kind "name"` (twins give one name twice); default 1. */
  declaredNames?: ReadonlyMap<string, number>;
  /**
   * A run was killed since the last refresh: the engine keeps its pending create operations,
   * warning about them, until a `pulumi refresh` clears them (however the creates were settled).
   */
  killedSinceRefresh?: boolean;
}

/** A violation without its step, keyed so the same breakage is reported once per seed. */
export interface Finding {
  invariant: string;
  /** What it concerns (an id, a name): with `invariant`, the key it is reported once under. */
  subject: string;
  detail: string;
}

export function checkStep(o: Observation): Finding[] {
  // Killed mid-way, the state may miss what its creates made and keep pending operations: the
  // next operation must settle all that, and is checked in full. Only others' resources are
  // checked here.
  if (o.outcome.killed) return foreignUntouched(o);
  return [
    ...foreignUntouched(o),
    ...stateMatchesCloud(o),
    ...noDuplicates(o),
    ...(o.outcome.ok ? noOrphans(o) : []),
    ...(o.outcome.ok && o.operation === "destroy" ? destroyLeavesNothing(o) : []),
    ...noCrash(o),
    ...failuresNameTheirResource(o),
  ];
}

function foreignUntouched(o: Observation): Finding[] {
  const findings: Finding[] = [];
  for (const f of o.foreign) {
    const what = `foreign ${f.kind} "${f.name}" (${f.id})`;
    const change = foreignChange(o.admin, f);
    if (change) {
      findings.push({ invariant: "foreign touched", subject: f.id, detail: `${what}: ${change}` });
    }
    const held = o.state.resources.find((r) => r.kind === f.kind && r.id === f.id);
    if (held) {
      findings.push({
        invariant: "foreign in state",
        subject: f.id,
        detail: `${what} is in the state as ${held.pulumiName} (adopted)`,
      });
    }
  }
  return findings;
}

/** Each state entry is one cloud record, under the very id the cloud issued. */
function stateMatchesCloud(o: Observation): Finding[] {
  const findings: Finding[] = [];
  for (const r of o.state.resources) {
    if (r.id === undefined || r.id === "") continue;
    if (isPendingId(r.id)) {
      // Allowed while the outcome is unknown; a successful up replaces it, a destroy settles it.
      if (o.outcome.ok && o.operation !== "refresh") {
        findings.push({
          invariant: "pending left",
          subject: r.id,
          detail: `state still holds ${r.pulumiName} as ${r.id} after a successful ${o.operation}`,
        });
      }
      continue;
    }
    const record = o.cloud.find((c) => c.kind === r.kind && c.id === r.id);
    if (record) {
      if (!record.live && !r.pendingDelete && o.outcome.ok && o.operation !== "destroy") {
        findings.push({
          invariant: "ghost",
          subject: r.id,
          detail: `state holds ${r.pulumiName} (${r.id}) whose ${r.kind} is ${record.status}`,
        });
      }
      continue;
    }
    const named = o.cloud.filter((c) => c.kind === r.kind && c.name === r.cloudName && c.live);
    findings.push(
      named.length > 0
        ? {
            invariant: "id mismatch",
            subject: r.id,
            detail: `state holds ${r.pulumiName} as ${r.id}; the cloud's ${r.kind} "${r.cloudName}" is ${named.map((c) => c.id).join(", ")}`,
          }
        : {
            invariant: "ghost",
            subject: r.id,
            detail: `state holds ${r.pulumiName} (${r.id}), a ${r.kind} the cloud does not have`,
          },
    );
  }
  return findings;
}

/** No two live records of ours for one name, beyond the old half of a replacement. */
function noDuplicates(o: Observation): Finding[] {
  const foreignIds = new Set(o.foreign.map((f) => f.id));
  const retiring = new Set(o.state.resources.filter((r) => r.pendingDelete).map((r) => r.id));
  const groups = new Map<string, CloudRecord[]>();
  for (const c of o.cloud) {
    if (!c.live || foreignIds.has(c.id) || retiring.has(c.id)) continue;
    const key = `${c.kind} "${c.name}"`;
    groups.set(key, [...(groups.get(key) ?? []), c]);
  }
  const findings: Finding[] = [];
  for (const [key, records] of groups) {
    if (records.length <= (o.declaredNames?.get(key) ?? 1)) continue;
    const tracked = records.filter((c) => o.state.resources.some((r) => r.id === c.id));
    findings.push({
      invariant: "duplicate",
      subject: key,
      detail: `${records.length} live ${key}: ${records.map((c) => `${c.id} ${c.status}`).join(", ")}; the state holds ${tracked.map((c) => c.id).join(", ") || "none"}`,
    });
  }
  return findings;
}

/**
 * After a step that succeeded, everything of ours that is live is in the state: under its id, or
 * as what a pending record's attempt made (a record of its name that was not there before).
 */
function noOrphans(o: Observation): Finding[] {
  const foreignIds = new Set(o.foreign.map((f) => f.id));
  const tracked = new Set(o.state.resources.map((r) => r.id));
  // What a pending record's create made: with a token, only the pod or endpoint carrying it.
  const attempted = (c: CloudRecord) =>
    o.state.resources.some(
      (r) =>
        r.kind === c.kind &&
        r.attempt?.name === c.name &&
        !r.attempt.knownIds.includes(c.id) &&
        (r.attempt.token === undefined || tokenOf(o.admin, c) === r.attempt.token),
    );
  return o.cloud
    .filter((c) => c.live && !foreignIds.has(c.id) && !tracked.has(c.id) && !attempted(c))
    .map((c) => ({
      invariant: "orphan",
      subject: c.id,
      detail: `live ${c.kind} "${c.name}" (${c.id}, ${c.status}) is in no state`,
    }));
}

function destroyLeavesNothing(o: Observation): Finding[] {
  const foreignIds = new Set(o.foreign.map((f) => f.id));
  const findings: Finding[] = o.state.resources.map((r) => ({
    invariant: "destroy left",
    subject: r.urn,
    detail: `the state still holds ${r.pulumiName} (${r.id ?? "no id"}) after destroy`,
  }));
  for (const c of o.cloud) {
    if (foreignIds.has(c.id) || !c.live) continue;
    findings.push({
      invariant: "destroy left",
      subject: c.id,
      detail: `${c.kind} "${c.name}" (${c.id}) is ${c.status} after destroy`,
    });
  }
  return findings;
}

/**
 * What only a crash prints: a rejection or exception nobody handled, a programming error, the
 * provider process gone, or an operation the engine never heard the end of.
 */
const CRASH_SIGNS: RegExp[] = [
  /unhandled ?(promise )?rejection/i,
  /uncaught ?exception/i,
  /\bpanic:/,
  /\b(TypeError|ReferenceError|SyntaxError|RangeError)\b/,
  /Cannot find module/,
  /error reading from server: EOF|transport is closing/i,
  /Program failed with an unhandled exception/i,
];

function noCrash(o: Observation): Finding[] {
  const text = [o.outcome.output, o.outcome.error ?? ""].join("\n");
  const findings: Finding[] = [];
  for (const sign of CRASH_SIGNS) {
    const line = text.split("\n").find((l) => sign.test(l));
    if (line) {
      findings.push({
        invariant: "crash",
        subject: sign.source,
        detail: line.trim().slice(0, 200),
      });
    }
  }
  for (const op of o.state.pendingOperations) {
    if (o.killedSinceRefresh && op.startsWith("creating ")) continue;
    findings.push({
      invariant: "pending operation",
      subject: op,
      detail: `the state keeps a pending operation: ${op}`,
    });
  }
  return findings;
}

/** A failure says which resource failed: its Pulumi name or its cloud name. */
function failuresNameTheirResource(o: Observation): Finding[] {
  if (o.outcome.ok) return [];
  const errors = o.outcome.diagnostics.filter((d) => d.severity === "error" && d.urn);
  const onResources = errors.filter((d) => !isStackOrComponent(d.urn!));
  const findings: Finding[] = [];
  for (const d of onResources) {
    const pulumiName = d.urn!.slice(d.urn!.lastIndexOf("::") + 2);
    const names = [pulumiName, ...(o.explicitNames.get(pulumiName) ?? [])];
    if (!names.some((n) => d.message.includes(n))) {
      findings.push({
        invariant: "unnamed failure",
        subject: `${pulumiName}: ${d.message.slice(0, 40)}`,
        detail: `the error for ${pulumiName} names neither it nor its cloud name: ${firstLine(d.message)}`,
      });
    }
  }
  if (onResources.length === 0) {
    findings.push({
      invariant: "unnamed failure",
      subject: firstLine(o.outcome.error ?? "").slice(0, 60),
      detail: `${o.outcome.step} failed with no error on any resource: ${firstLine(o.outcome.error ?? "")}`,
    });
  }
  return findings;
}

function isStackOrComponent(urn: string): boolean {
  return /::pulumi:pulumi:Stack::|::yotta:index:GpuFleet::/.test(urn);
}

/** The line of an error that says what happened: not a heading, a count or a bullet. */
export function firstLine(text: string): string {
  return (
    text
      .split("\n")
      .map((l) => l.trim().replace(/^\* /, ""))
      .find((l) => l !== "" && !/^(error:|Diagnostics:|\d+ errors? occurred:)$/.test(l)) ?? ""
  ).slice(0, 300);
}

/** The create token a pod or endpoint record carries in its environment (provider/ownership.ts). */
export function tokenOf(
  admin: EmulatorAdmin,
  c: Pick<CloudRecord, "kind" | "id">,
): string | undefined {
  if (c.kind !== "pod" && c.kind !== "endpoint") return undefined;
  const record = admin.get(c.kind, c.id) as { environmentVars?: { key: string; value: string }[] };
  return record?.environmentVars?.find((e) => e.key === "PULUMI_YOTTA_CREATE_TOKEN")?.value;
}
