import type * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import type { Vm as LiveVm, VmType } from "../client";
import { isBusy, isNotAllowed, isNotFound, waitFor } from "../client";
import { firstPollMs, pollInterval, yotta } from "./config";
import { createOwned } from "./create";
import type { Ownership } from "./ownership";
import { COMMON_FIELDS, mismatches, type FieldTable, type InputTable } from "./diff";
import { ResourceInitError } from "./init-error";
import { progress } from "./progress";
import { LONG_NAMES } from "./naming";
import { resourceKit, untilDeleted } from "./resource";
import { unlessGone } from "./refresh";
import { GpuType, Region, VolumeMountPaths, displayName } from "../client/core/rules";
import { CommonInputs, sortKeys } from "./schemas";
import { deadlineFor, type TimeoutDefaults } from "./timeouts";

export { configure } from "./config";

const TIMEOUTS: TimeoutDefaults = { create: "20m", update: "5m", delete: "10m" };

/**
 * A VM's inputs, normalized: what `check` returns and what `diff` and `read` compare. The API's
 * rules come from client/core/rules.ts, shared with the client's request schema.
 */
export const VmInputs = z.strictObject({
  name: displayName(255).optional(),
  gpuType: GpuType,
  region: Region,
  isSpot: z.boolean({ error: "must be true or false" }).default(false),
  /** Volume id → absolute mount path; a map, so order-free, and sorted by id. */
  volumeMountPaths: VolumeMountPaths.default({}).transform(sortKeys),
  ...CommonInputs,
});

export type VmInputs = z.output<typeof VmInputs>;

/** The only update call renames; every other input makes a new VM. */
const FIELDS: FieldTable<VmInputs> = {
  name: "update",
  gpuType: "replace",
  region: "replace",
  isSpot: "replace",
  volumeMountPaths: "replace",
  ...COMMON_FIELDS,
} satisfies InputTable<VmInputs>;

/** What the state holds for a VM: the normalized inputs plus what the cloud reports. */
export type VmOutputs = VmInputs & {
  id: string;
  /** The VM type the GPU type and region resolved to at create. */
  vmTypeId?: string;
  status: string;
  ipAddress?: string;
  /** The ssh command that reaches the VM. */
  sshTemplate?: string;
  cpuCores?: number;
  memoryInGb?: number;
  gpuCount?: number;
  gpuMemoryInGb?: number;
  storageInGb?: number;
  gpuDisplayName?: string;
  createdAt?: string;
};

const REPORTED: (keyof VmInputs)[] = ["name", "region", "isSpot"];

const kit = resourceKit({
  kind: "vm",
  schema: VmInputs,
  shape: VmInputs,
  fields: FIELDS,
  timeouts: TIMEOUTS,
  names: LONG_NAMES,
  // VM names need not be unique, so a replacement is always made before the old VM goes.
  uniqueNames: "never",
  gpuTypesOf: (inputs) => [inputs.gpuType],
});

export const { check, diff } = kit;

export async function create(raw: Record<string, unknown>): Promise<pulumi.dynamic.CreateResult> {
  const inputs = kit.inputsOf(raw);
  const deadline = deadlineFor("create", inputs.timeouts, TIMEOUTS);
  const { vm, vmTypeId } = inputs.adoptId ? await adopt(inputs) : await make(inputs, deadline, raw);
  const running = await untilRunning(vm, inputs, vmTypeId, deadline, raw);
  return { id: running.id, outs: outputs(inputs, running, vmTypeId) };
}

export const read = kit.read({
  live: getOrUndefined,
  ended: (vm) => vm.status === "terminated",
  outputs: (stored, live, props) =>
    outputs(stored, live, typeof props.vmTypeId === "string" ? props.vmTypeId : undefined),
  desiredOf,
  reported: REPORTED,
});

export const update = kit.update(async (id, inputs, olds) => {
  const client = yotta();
  const live = await client.vms.watcher.get(id);
  if (inputs.name !== undefined && inputs.name !== live.name) {
    await client.vms.rename(id, inputs.name);
    progress("vm", inputs.name, `renamed from ${live.name}`);
  }
  const storedTypeId = typeof olds.vmTypeId === "string" ? olds.vmTypeId : undefined;
  return { outs: outputs(inputs, await client.vms.watcher.get(id), storedTypeId) };
});

export const remove = kit.remove(async (id, { name, deadline }) => {
  const client = yotta();
  for (;;) {
    try {
      await client.vms.terminate(id);
      break;
    } catch (err) {
      if (isNotFound(err)) return;
      if (isNotAllowed(err)) {
        throw new Error(
          `vm ${name} (${id}) may not be terminated by this API key (termination protection, or ` +
            `the account's permissions): ${(err as Error).message}`,
        );
      }
      if (!isBusy(err)) throw err;
      // 11001: already terminated (done), or in a status that refuses it for now.
      const live = await getOrUndefined(id);
      if (!live || live.status === "terminated") return;
      if (live.status !== "initializing") throw err;
      await waitFor(client.vms.watcher.of(id), {
        done: (v) => v.status !== "initializing",
        deadline,
        interval: pollInterval(),
        describe: `vm ${name} to finish starting before it is terminated`,
        onProgress: (v) => progress("vm", name, v.status),
      });
    }
  }
  await untilDeleted(client.vms.watcher.ofOrGone(id, { firstAfterMs: firstPollMs() }), {
    kind: "vm",
    name,
    deadline,
    goal: "terminate",
    ended: "terminated",
  });
});

/** Creates the VM exactly once, from the VM type its GPU type and region resolve to now. */
async function make(
  inputs: VmInputs,
  deadline: number,
  raw: Record<string, unknown>,
): Promise<{ vm: LiveVm; vmTypeId: string }> {
  const client = yotta();
  const vmTypeId = await availableVmType(inputs.gpuType, inputs.region);
  const vm = await createOwned({
    ...ownershipOf(inputs.name!, inputs, vmTypeId),
    create: () =>
      client.vms.create(
        {
          vmTypeId,
          region: inputs.region,
          name: inputs.name!,
          isSpot: inputs.isSpot,
          ...(Object.keys(inputs.volumeMountPaths).length > 0
            ? { volumeMountPaths: inputs.volumeMountPaths }
            : {}),
        },
        { deadline },
      ),
    get: (id) => client.vms.get(id),
    deadline,
    inputs: { ...inputs, vmTypeId },
    raw,
  });
  return { vm, vmTypeId };
}

/**
 * How to find the VM a create of these inputs made. Names need not be unique: a VM is ours only
 * if it was not there before our request and is of the type we asked for.
 */
function ownershipOf(
  name: string,
  inputs: VmInputs | undefined,
  vmTypeId: string | undefined,
): Ownership<LiveVm> {
  return kit.ownership(name, {
    named: async () =>
      (await yotta().vms.findByName(name)).filter((v) => v.status !== "terminated"),
    matches: (v) =>
      inputs !== undefined &&
      (v.vmTypeId === undefined || vmTypeId === undefined || v.vmTypeId === vmTypeId) &&
      mismatches(desiredOf(v), inputs, MATCHED).length === 0,
  });
}

/** For a record whose create had an unknown outcome: its VMs, whatever its stored inputs. */
export function ownership(props: Record<string, unknown>): Ownership<LiveVm> {
  const vmTypeId = typeof props.vmTypeId === "string" ? props.vmTypeId : undefined;
  return ownershipOf(String(props.name ?? ""), kit.inputsIfValid(props), vmTypeId);
}

/**
 * The VM type for a GPU type in a region, from the types call (the only availability lookup).
 * Runs in `create`, not `check`: availability changes by the minute, and `check` stays off the
 * network. When the pair cannot be had, the error lists where the GPU type can.
 */
async function availableVmType(gpuType: string, region: string): Promise<string> {
  const types = await yotta().vms.types();
  const type = types.find((t) => t.gpuType === gpuType);
  if (!type) {
    const offered = types.filter((t) => t.regions.some((r) => r.available)).map((t) => t.gpuType);
    throw new Error(
      `gpuType ${gpuType} is not offered for VMs; GPU types available now: ${offered.join(", ") || "none"}`,
    );
  }
  const entry = type.regions.find((r) => r.region === region);
  if (entry?.available) return entry.vmTypeId;
  const available = type.regions.filter((r) => r.available).map((r) => r.region);
  const where =
    available.length > 0
      ? `it is available in ${available.join(", ")}`
      : "it is available in no region right now";
  throw new Error(
    `gpuType ${gpuType} is ${entry ? "not available now" : "not offered"} in region ${region}; ${where}`,
  );
}

/**
 * Waits until the VM runs. One that exists but does not get there is recorded with its id: the
 * error carries the outputs, so the engine keeps a billing VM in the state.
 */
async function untilRunning(
  vm: LiveVm,
  inputs: VmInputs,
  vmTypeId: string | undefined,
  deadline: number,
  raw: Record<string, unknown>,
): Promise<LiveVm> {
  const name = inputs.name ?? vm.id;
  let last = vm;
  try {
    return await waitFor(yotta().vms.watcher.of(vm.id, { known: vm }), {
      done: (v) => v.status === "running",
      // There is no start call: a stopped or terminated VM will not run by waiting.
      failed: (v) => v.status === "terminated" || v.status === "stopped",
      deadline,
      interval: pollInterval(),
      describe: `vm ${name} to start`,
      onProgress: (v) => {
        last = v;
        progress("vm", name, v.status);
      },
    });
  } catch (err) {
    last = (await getOrUndefined(vm.id)) ?? last;
    throw new ResourceInitError(
      `vm ${name} (${vm.id}) did not become running: ${(err as Error).message}`,
      vm.id,
      outputs(inputs, last, vmTypeId),
      raw,
    );
  }
}

async function adopt(inputs: VmInputs): Promise<{ vm: LiveVm; vmTypeId: string | undefined }> {
  const id = inputs.adoptId!;
  const live = await getOrUndefined(id);
  if (!live || live.status === "terminated") {
    throw new Error(`adoptId: vm ${id} does not exist (or is terminated)`);
  }
  const differences = mismatches(desiredOf(live), inputs, ["name", ...MATCHED]);
  // The VM does not report its GPU type; its VM type names one GPU type in one region.
  const types = await yotta().vms.types();
  const declared = vmTypeIdOf(types, inputs.gpuType, inputs.region);
  if (live.vmTypeId !== undefined && declared !== live.vmTypeId) {
    const actual = typeOfId(types, live.vmTypeId);
    differences.push(
      actual
        ? `gpuType is ${JSON.stringify(actual.gpuType)}, declared ${JSON.stringify(inputs.gpuType)}`
        : `vmTypeId is ${live.vmTypeId}, which is not gpuType ${inputs.gpuType} in ${inputs.region}`,
    );
  }
  if (differences.length > 0) {
    throw new Error(
      `adoptId: vm ${id} does not match the declared inputs: ${differences.join("; ")}`,
    );
  }
  return { vm: live, vmTypeId: live.vmTypeId ?? declared };
}

/**
 * What an existing VM must match (besides its VM type) to be the one a create made or, with the
 * name, to be adopted.
 */
const MATCHED = ["region", "isSpot"] as const;

function vmTypeIdOf(types: VmType[], gpuType: string, region: string): string | undefined {
  return types.find((t) => t.gpuType === gpuType)?.regions.find((r) => r.region === region)
    ?.vmTypeId;
}

function typeOfId(
  types: VmType[],
  vmTypeId: string,
): { gpuType: string; region: string } | undefined {
  for (const type of types) {
    const entry = type.regions.find((r) => r.vmTypeId === vmTypeId);
    if (entry) return { gpuType: type.gpuType, region: entry.region };
  }
  return undefined;
}

/**
 * The desired-state fields the API reports back. The GPU type (only as the VM type) and the
 * mounts are not reported: they keep their last applied values.
 */

function desiredOf(vm: LiveVm): Partial<VmInputs> {
  return { name: vm.name, region: vm.region, isSpot: vm.isSpot };
}

function outputs(inputs: VmInputs, vm: LiveVm, vmTypeId: string | undefined): VmOutputs {
  return {
    ...inputs,
    id: vm.id,
    vmTypeId: vm.vmTypeId ?? vmTypeId,
    status: vm.status,
    ipAddress: vm.ipAddress,
    sshTemplate: vm.sshTemplate,
    cpuCores: vm.cpuCores,
    memoryInGb: vm.memoryInGb,
    gpuCount: vm.gpuCount,
    gpuMemoryInGb: vm.gpuMemoryInGb,
    storageInGb: vm.storageInGb,
    gpuDisplayName: vm.gpuDisplayName,
    createdAt: vm.createdAt,
  };
}

/** The VM as it is now, read in the watcher's next round (shared with concurrent reads). */
function getOrUndefined(id: string): Promise<LiveVm | undefined> {
  return unlessGone(yotta().vms.watcher.get(id));
}
