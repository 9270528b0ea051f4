import { execFile } from "node:child_process";
import * as path from "node:path";
import { promisify } from "node:util";
import { LocalWorkspace, PulumiCommand } from "@pulumi/pulumi/automation";
import type { Kind } from "../../client";
import { configure } from "../../provider/config";
import { findUnmanaged, type Records, type Unmanaged } from "../../provider/inventory";
import { findPulumi, messageOf } from "../drift/detect";
import { redact, SECRET_ENV_VARS } from "../drift/redact";

/** What `unmanaged` found: the account's live resources that none of the stacks records. */
export interface UnmanagedReport {
  stacks: string[];
  /** `none`: every live resource is recorded. `found`: some are not. `error`: the scan failed. */
  status: "none" | "found" | "error";
  /** How many records the stacks hold (with a cloud id, or pending). */
  records: number;
  resources: (Unmanaged & { age?: string })[];
  errors: string[];
}

export interface FindUnmanagedOptions {
  stacks: string[];
  /** The project directory, holding `Pulumi.yaml`. */
  workDir: string;
  /** Added to this process's environment for the CLI, as for the drift check. */
  envVars?: Record<string, string>;
  pulumiCommand?: PulumiCommand;
  /** Now, for the ages (epoch ms). */
  now?: number;
}

/** `pulumi-nodejs:dynamic/yotta:Pod` and the like: the kinds this package records. */
const KIND_OF: Record<string, Kind> = {
  "pulumi-nodejs:dynamic/yotta:Pod": "pod",
  "pulumi-nodejs:dynamic/yotta:Endpoint": "endpoint",
  "pulumi-nodejs:dynamic/yotta:Volume": "volume",
  "pulumi-nodejs:dynamic/yotta:Credential": "credential",
  "pulumi-nodejs:dynamic/yotta:Vm": "vm",
};

interface StateResource {
  urn: string;
  type: string;
  id?: string;
  inputs?: Record<string, unknown>;
  outputs?: Record<string, unknown>;
  delete?: boolean;
}

/**
 * Reads each stack's state (`pulumi stack export --show-secrets`; nothing is written, and no
 * secret leaves this process) and lists what the account holds beyond it. The account is the
 * one the first stack's `yotta:apiKey` / `yotta:apiUrl` name, else `YOTTA_API_KEY` /
 * `YOTTA_API_URL`, as for the providers. Never throws: a failure is the report's `error`.
 */
export async function findUnmanagedIn(options: FindUnmanagedOptions): Promise<UnmanagedReport> {
  const workDir = path.resolve(options.workDir);
  const env = { ...process.env, ...options.envVars };
  const report: UnmanagedReport = {
    stacks: options.stacks,
    status: "error",
    records: 0,
    resources: [],
    errors: [],
  };
  const secrets: string[] = SECRET_ENV_VARS.map((name) => env[name] ?? "");
  try {
    const pulumi = options.pulumiCommand ?? (await findPulumi());
    const records: Records = { ids: [], pending: [], inFlight: [] };
    for (const stack of options.stacks) {
      const state = await exportState(pulumi.command, stack, workDir, env);
      collect(records, stack, state);
    }
    report.records = records.ids.length + records.pending.length;
    const config = await stackConfig(options.stacks[0]!, workDir, options.envVars, pulumi);
    secrets.push(...config.secrets);
    await configure({ config: { get: (key: string) => config.values[key] } } as never);
    const now = options.now ?? Date.now();
    report.resources = (await findUnmanaged(records))
      .map((r) => ({ ...r, age: ageOf(r.createdAt, now) }))
      .sort((a, b) => a.kind.localeCompare(b.kind) || a.name.localeCompare(b.name));
    report.status = report.resources.length > 0 ? "found" : "none";
  } catch (error) {
    report.status = "error";
    report.errors.push(redact(messageOf(error), secrets.filter(Boolean)));
  }
  return report;
}

async function exportState(
  pulumi: string,
  stack: string,
  cwd: string,
  env: NodeJS.ProcessEnv,
): Promise<{
  resources?: StateResource[];
  pending_operations?: { resource: StateResource; type: string }[];
}> {
  const { stdout } = await promisify(execFile)(
    pulumi,
    ["stack", "export", "--show-secrets", "--stack", stack, "--non-interactive"],
    { cwd, env, maxBuffer: 1 << 30 },
  );
  const parsed = JSON.parse(stdout) as { deployment?: Record<string, unknown> };
  return (parsed.deployment ?? {}) as never;
}

function collect(
  records: Records,
  stack: string,
  state: {
    resources?: StateResource[];
    pending_operations?: { resource: StateResource; type: string }[];
  },
): void {
  for (const r of state.resources ?? []) {
    const kind = KIND_OF[r.type];
    if (!kind || !r.id) continue;
    if (r.id.startsWith("pending-")) records.pending.push({ kind, props: r.outputs ?? {} });
    else records.ids.push({ kind, id: r.id });
  }
  for (const op of state.pending_operations ?? []) {
    const kind = KIND_OF[op.resource.type];
    const name = op.resource.inputs?.name;
    if (kind && op.type === "creating" && typeof name === "string") {
      records.inFlight.push({ kind, name, stack, urn: op.resource.urn });
    }
  }
}

/** The first stack's `yotta:*` settings, decrypted; none when it sets none. */
async function stackConfig(
  stack: string,
  workDir: string,
  envVars: Record<string, string> | undefined,
  pulumiCommand: PulumiCommand,
): Promise<{ values: Record<string, string>; secrets: string[] }> {
  const workspace = await LocalWorkspace.create({ workDir, envVars, pulumiCommand });
  const all = await workspace.getAllConfig(stack);
  const values: Record<string, string> = {};
  const secrets: string[] = [];
  for (const key of ["yotta:apiKey", "yotta:apiUrl"]) {
    const entry = all[key];
    if (!entry) continue;
    values[key] = entry.value;
    if (entry.secret) secrets.push(entry.value);
  }
  return { values, secrets };
}

/** `3d 4h`, `2h 5m`, `7m`: how long ago `createdAt` was. */
export function ageOf(createdAt: string | undefined, now: number): string | undefined {
  const at = createdAt === undefined ? NaN : Date.parse(createdAt);
  if (!Number.isFinite(at)) return undefined;
  const minutes = Math.max(0, Math.floor((now - at) / 60_000));
  const days = Math.floor(minutes / 1440);
  const hours = Math.floor((minutes % 1440) / 60);
  if (days > 0) return `${days}d ${hours}h`;
  if (hours > 0) return `${hours}h ${minutes % 60}m`;
  return `${minutes}m`;
}
