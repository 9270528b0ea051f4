// An end-to-end fixture: a fresh emulator on a loopback port and an inline-program stack whose
// provider process talks to it, configured the way a user configures a stack.
import * as fs from "node:fs";
import * as path from "node:path";
import { PulumiCommand, type PulumiFn } from "@pulumi/pulumi/automation";
import {
  startEmulator,
  type EmulatorAdmin,
  type EmulatorOptions,
  type Kind,
  type RequestFilter,
  type RunningEmulator,
} from "../../emulator";
import { YottaClient } from "../../client";
import { detectDrift, type DriftReport } from "../../sdk/drift";
import { createTestStack, engineEnv, pulumiCliDir, type TestStack } from "./engine";

export interface YottaStack extends TestStack {
  emulator: RunningEmulator;
  /** For arranging and inspecting the cloud behind Pulumi's back. */
  client: YottaClient;
  /** Destroys what the stack still holds, stops the emulator, removes the work directory. */
  dispose(): Promise<void>;
}

export async function createYottaStack(options: {
  name: string;
  program: PulumiFn;
  emulator?: EmulatorOptions;
  /** More environment for the engine and the provider process. */
  env?: Record<string, string>;
}): Promise<YottaStack> {
  const emulator = await startEmulator(options.emulator);
  const test = await createTestStack({
    name: options.name,
    program: options.program,
    config: {
      "yotta:apiKey": { value: emulator.apiKey, secret: true },
      "yotta:apiUrl": emulator.url,
    },
    // The emulator's transitions take milliseconds; the real service's take minutes.
    env: { YOTTA_POLL_INTERVAL_MS: "25", ...options.env },
  });
  const client = new YottaClient({ apiKey: emulator.apiKey, baseUrl: emulator.url });
  return {
    ...test,
    emulator,
    client,
    dispose: async () => {
      try {
        await test.stack.destroy();
      } finally {
        await emulator.close();
        await test.cleanup();
      }
    },
  };
}

/** Every engine event's text in one string, for asserting what a user would see. */
export function collectOutput(): { onOutput: (line: string) => void; text: () => string } {
  const lines: string[] = [];
  return { onOutput: (line) => lines.push(line), text: () => lines.join("") };
}

/** Every stack state file under a work directory's local backend, as the text on disk. */
export function readStateFile(workDir: string): string {
  const files = fs
    .readdirSync(path.join(workDir, ".pulumi-state"), { recursive: true, encoding: "utf8" })
    .filter((f) => f.endsWith(".json") && f.includes("stacks"));
  if (files.length === 0) throw new Error(`no state file under ${workDir}`);
  return files
    .map((f) => fs.readFileSync(path.join(workDir, ".pulumi-state", f), "utf8"))
    .join("\n");
}

/** What the drift command reports for a test stack: the drift library over the stack's backend. */
export async function driftReportOf(t: TestStack): Promise<DriftReport> {
  return detectDrift({
    stackName: t.stack.name,
    workDir: t.workDir,
    envVars: engineEnv({ backendDir: path.join(t.workDir, ".pulumi-state") }),
    // The pinned CLI, which the test process does not have on its PATH.
    pulumiCommand: await PulumiCommand.get({ root: path.dirname(pulumiCliDir()) }),
  });
}

export interface StateResource {
  urn: string;
  /** The resource type token, e.g. `pulumi-nodejs:dynamic:Resource` or a component's. */
  type: string;
  /** The Pulumi name: the last part of the URN. */
  name: string;
  id?: string;
  outputs: Record<string, unknown>;
  /** Set when a create or update recorded the resource without it becoming ready. */
  initErrors?: string[];
}

/**
 * The custom resources a stack's state holds (its key aside), by Pulumi name. Read through `stack export`, which
 * decrypts secrets: never use it to show that something is encrypted (see readStateFile).
 */
export async function stateResources(t: TestStack): Promise<Map<string, StateResource>> {
  const { deployment } = await t.stack.exportStack();
  const resources = (deployment.resources ?? []) as (StateResource & { custom?: boolean })[];
  return new Map(
    resources
      // The stack's key (`yotta-stack-key`) holds no cloud resource.
      .filter(
        (r) => r.custom && !r.urn.includes("::pulumi:providers:") && !r.type.endsWith(":StackKey"),
      )
      .map((r) => {
        const name = r.urn.slice(r.urn.lastIndexOf("::") + 2);
        return [name, { ...r, name, outputs: r.outputs ?? {} }];
      }),
  );
}

export interface LiveRecord {
  kind: Kind;
  id: string;
  name: string;
  status?: string;
}

/**
 * What the emulated cloud still holds that bills or keeps a name taken: every record but pods
 * and VMs that are terminated (those stay listed for a while, as on the real service).
 */
export function liveRecords(admin: EmulatorAdmin): LiveRecord[] {
  const kinds: Kind[] = ["pod", "endpoint", "volume", "credential", "vm"];
  return kinds
    .flatMap((kind) =>
      admin.list(kind).map((r) => ({
        kind,
        id: r.id,
        name: r.name,
        status: "status" in r ? r.status : undefined,
      })),
    )
    .filter((r) => r.status !== "TERMINATED" && r.status !== "terminated");
}

/**
 * The API calls in the emulator's request log, in order, as `METHOD path`
 * (`PUT /v2/serverless/123/workers`), so a test compares whole call sequences at a glance.
 */
export function apiCalls(admin: EmulatorAdmin, filter: RequestFilter = {}): string[] {
  return admin.requests(filter).map((r) => `${r.method} ${r.path}`);
}

/** The list call of each kind. */
const LIST_PATHS: Record<Kind, string> = {
  pod: "/v2/pods",
  endpoint: "/v2/serverless",
  volume: "/v2/volumes",
  credential: "/v2/container-registry-auths",
  vm: "/v2/vms",
};

/**
 * The call among `calls` (as {@link apiCalls} gives them) that read the resource: its own GET, or
 * a list of its kind, which the reads of one kind arriving together share. Undefined when none.
 */
export function readOf(calls: string[], kind: Kind, id: string): string | undefined {
  return calls.find(
    (c) => c === `GET ${LIST_PATHS[kind]}/${id}` || c.split("?")[0] === `GET ${LIST_PATHS[kind]}`,
  );
}

/** The kind of a resource of the state, from the last part of its type token (`…:Pod`). */
export function kindOfType(type: string): Kind | undefined {
  const name = type.slice(type.lastIndexOf(":") + 1).toLowerCase();
  return name in LIST_PATHS ? (name as Kind) : undefined;
}

/** The calls that change something: every method but GET. */
export function apiWrites(admin: EmulatorAdmin): string[] {
  return admin
    .requests()
    .filter((r) => r.method !== "GET")
    .map((r) => `${r.method} ${r.path}`);
}

/**
 * The error message of an engine operation that must fail ("the operation succeeded" if it did
 * not). A test stack's program leaves nothing behind when the engine stops on the failure
 * (createTestStack), so there is nothing to wait for once the operation has settled.
 */
export async function failureOf(operation: Promise<unknown>): Promise<string> {
  return operation.then(
    () => "the operation succeeded",
    (err: unknown) => (err instanceof Error ? err.message : String(err)),
  );
}
