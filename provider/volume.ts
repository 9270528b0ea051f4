import type * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import type { Volume as LiveVolume, VolumeCreate } from "../client";
import {
  isBusy,
  isNotFound,
  type Polled,
  type WatchStart,
  STORAGE_TYPES,
  waitFor,
} from "../client";
import type { CheckResult } from "./check";
import { firstPollMs, pollInterval, yotta } from "./config";
import { createOwned } from "./create";
import type { Ownership } from "./ownership";
import { COMMON_FIELDS, mismatches, type FieldTable, type InputTable } from "./diff";
import { ResourceInitError } from "./init-error";
import { progress } from "./progress";
import { LONG_NAMES } from "./naming";
import { act, resourceKit, untilDeleted } from "./resource";
import { unlessGone } from "./refresh";
import {
  Region,
  StorageTypeIn,
  VendorVolumeType,
  VolumeSize,
  displayName,
  report,
  volumeSpanIssues,
  type StorageType,
} from "../client/core/rules";
import { CommonInputs } from "./schemas";
import { deadlineFor, type TimeoutDefaults } from "./timeouts";

export { configure } from "./config";

const TIMEOUTS: TimeoutDefaults = { create: "10m", update: "10m", delete: "10m" };

// The API's rules, and which fields each storage type needs or refuses (docs/api.md §4), come
// from client/core/rules.ts, shared with the client's request schema.
const VolumeShape = z.strictObject({
  name: displayName(255).optional(),
  storageType: StorageTypeIn,
  region: Region.optional(),
  sizeInGb: VolumeSize.optional(),
  vendorVolumeType: VendorVolumeType.optional(),
  ...CommonInputs,
});

/** A volume's inputs, normalized: what `check` returns and what `diff` and `read` compare. */
export const VolumeInputs = VolumeShape.superRefine((volume, ctx) =>
  report(ctx, volumeSpanIssues(volume)),
);
export type VolumeInputs = z.output<typeof VolumeInputs>;

/** The inputs whose change makes a new volume; every other change is applied in place. */
const REPLACING = ["storageType", "region", "vendorVolumeType"] as const;

const FIELDS: FieldTable<VolumeInputs> = {
  name: "update",
  storageType: "replace",
  region: "replace",
  vendorVolumeType: "replace",
  // Growing resizes in place. Shrinking is refused by `check` and again by `update`; it must never
  // turn into a replacement, which would destroy the data the user meant to keep. (A refresh can
  // find a volume grown out of band, so `diff` sees a shrink that `check` never did.)
  sizeInGb: "update",
  ...COMMON_FIELDS,
} satisfies InputTable<VolumeInputs>;

/** What the state holds for a volume: the normalized inputs plus what the cloud reports. */
export type VolumeOutputs = VolumeInputs & {
  id: string;
  status: string;
  /** Pods and VMs mounting the volume. */
  mountCount: number;
  /** USD per hour. */
  cost?: number;
  createdAt?: string;
};

/** The desired-state fields the API reports back, in input form. */
const REPORTED: (keyof VolumeInputs)[] = [
  "name",
  "storageType",
  "region",
  "sizeInGb",
  "vendorVolumeType",
];

const kit = resourceKit({
  kind: "volume",
  schema: VolumeInputs,
  shape: VolumeShape,
  fields: FIELDS,
  timeouts: TIMEOUTS,
  names: LONG_NAMES,
  uniqueNames: "always",
});

export const { diff } = kit;

/** The kit's `check`, and a volume never shrinks. */
export async function check(
  olds: Record<string, unknown>,
  news: Record<string, unknown>,
): Promise<CheckResult> {
  const result = await kit.check(olds, news);
  const shrink = shrinkOf(olds, result.inputs);
  if (shrink && !result.failures.some((f) => f.property === "sizeInGb")) {
    result.failures.push({ property: "sizeInGb", reason: shrinkMessage(shrink.from, shrink.to) });
  }
  return result;
}

export async function create(raw: Record<string, unknown>): Promise<pulumi.dynamic.CreateResult> {
  const inputs = kit.inputsOf(raw);
  const deadline = deadlineFor("create", inputs.timeouts, TIMEOUTS);
  const client = yotta();
  const volume = inputs.adoptId
    ? await adopt(inputs)
    : await createOwned({
        ...ownershipOf(inputs.name!, inputs.storageType, inputs),
        create: () => client.volumes.create(createBody(inputs), { deadline }),
        get: (id) => client.volumes.get(id),
        deadline,
        inputs,
        raw,
      });
  const active = await untilActive(volume, inputs, deadline, raw, "become active");
  return { id: active.id, outs: outputs(inputs, active) };
}

/**
 * How to find the volume a create of these inputs made. Names are unique per account: a name
 * another volume holds is refused before anything is sent, and a re-send cannot duplicate.
 */
function ownershipOf(
  name: string,
  storageType: unknown,
  inputs: VolumeInputs | undefined,
): Ownership<LiveVolume> {
  return kit.ownership(name, {
    named: async () =>
      (await yotta().volumes.findByName(name, storageType as VolumeInputs["storageType"])).filter(
        (v) => v.status !== "deleting",
      ),
    matches: (v) => inputs !== undefined && mismatches(desiredOf(v), inputs, MATCHED).length === 0,
    priceOf: (v) => v.cost,
  });
}

/** For a record whose create had an unknown outcome: its volumes, whatever its stored inputs. */
export function ownership(props: Record<string, unknown>): Ownership<LiveVolume> {
  return ownershipOf(String(props.name ?? ""), props.storageType, kit.inputsIfValid(props));
}

export const read = kit.read({
  live: (id, props) => getOrUndefined(id, props.storageType),
  ended: (volume) => volume.status === "deleting",
  outputs: (stored, live) => outputs(stored, live),
  desiredOf,
  reported: REPORTED,
});

export const update = kit.update(async (id, inputs, olds, news) => {
  const deadline = deadlineFor("update", inputs.timeouts, TIMEOUTS);
  const client = yotta();
  const name = inputs.name ?? id;
  const watcher = client.volumes.watcher(inputs.storageType);
  let live = await watcher.get(id);

  // The size to grow from: the live one, else (should the API leave it out) the recorded one.
  const current = live.sizeInGb ?? (typeof olds.sizeInGb === "number" ? olds.sizeInGb : undefined);
  const target = inputs.sizeInGb;
  const resize = target !== undefined && current !== undefined && target !== current;

  // Everything that would refuse the change is checked before the first call, so a refused
  // resize never leaves a half-applied rename behind.
  if (resize && target < current) {
    throw new Error(
      `volume ${name} (${id}): sizeInGb ${shrinkMessage(current, target)}; set it to ${current} or more`,
    );
  }
  if (resize && (live.mountCount ?? 0) > 0) {
    throw new Error(
      `volume ${name} (${id}) cannot be resized while mounted; it is mounted by ${await mountersOf(live)}. ` +
        "Delete those or detach the volume, then run the update again.",
    );
  }

  if (inputs.name !== undefined && inputs.name !== live.name) {
    await client.volumes.rename(id, inputs.name);
    progress("volume", name, `renamed from ${live.name}`);
  }
  if (resize) {
    // A volume still being created or resized refuses a resize (12001): let it settle first.
    live = await untilActive(live, inputs, deadline, news, "become active before the resize");
    await act(
      () => client.volumes.resize(id, target),
      () => getOrUndefined(id, inputs.storageType),
      (v) => v.status === "resizing" || v.sizeInGb === target,
    );
    progress("volume", name, `resizing from ${current} GB to ${target} GB`);
    live = await untilActive(
      live,
      inputs,
      deadline,
      news,
      `finish resizing to ${target} GB`,
      (v) => v.status === "active" && (v.sizeInGb ?? target) === target,
    );
  } else {
    live = await watcher.get(id);
  }
  return { outs: outputs(inputs, live) };
});

export const remove = kit.remove(async (id, { name, deadline }, props) => {
  const client = yotta();
  for (;;) {
    try {
      await client.volumes.delete(id);
      break;
    } catch (err) {
      if (isNotFound(err)) return;
      if (!isBusy(err)) throw err;
      // 12001: mounted, or still being created or resized. Say who mounts it, or wait it out.
      const live = await getOrUndefined(id, props.storageType);
      if (!live) return;
      if ((live.mountCount ?? 0) > 0) {
        throw new Error(
          `volume ${name} (${id}) cannot be deleted while mounted; it is mounted by ${await mountersOf(live)}. ` +
            "Delete those first or detach the volume from them.",
        );
      }
      if (live.status !== "creating" && live.status !== "resizing") throw err;
      await waitFor(watched(id, props.storageType), {
        done: (v) => v.status !== "creating" && v.status !== "resizing",
        deadline,
        interval: pollInterval(),
        describe: `volume ${name} to settle before its delete`,
        onProgress: (v) => progress("volume", name, v.status),
      });
    }
  }
  await untilDeleted(watchedOrGone(id, props.storageType, { firstAfterMs: firstPollMs() }), {
    kind: "volume",
    name,
    deadline,
    goal: "be deleted",
    failedAt: "error",
  });
});

/**
 * Waits until the volume is `active` (and whatever else `done` asks). A volume that exists but
 * does not get there is recorded with its id: the error carries the outputs, so the engine keeps
 * the resource in the state instead of losing track of storage that bills.
 */
async function untilActive(
  volume: LiveVolume,
  inputs: VolumeInputs,
  deadline: number,
  raw: Record<string, unknown>,
  goal: string,
  done: (v: LiveVolume) => boolean = (v) => v.status === "active",
): Promise<LiveVolume> {
  const name = inputs.name ?? volume.id;
  try {
    return await waitFor(watched(volume.id, inputs.storageType), {
      done,
      failed: (v) => v.status === "error" || v.status === "deleting",
      deadline,
      interval: pollInterval(),
      describe: `volume ${name} to ${goal}`,
      onProgress: (v) => progress("volume", name, v.status),
    });
  } catch (err) {
    const last = (await getOrUndefined(volume.id, inputs.storageType)) ?? volume;
    throw new ResourceInitError(
      `volume ${name} (${volume.id}) did not ${goal}: ${(err as Error).message}`,
      volume.id,
      outputs(inputs, last),
      raw,
    );
  }
}

async function adopt(inputs: VolumeInputs): Promise<LiveVolume> {
  const id = inputs.adoptId!;
  const live = await getOrUndefined(id);
  if (!live || live.status === "deleting") {
    throw new Error(`adoptId: volume ${id} does not exist (or is being deleted)`);
  }
  const differences = mismatches(desiredOf(live), inputs, ["name", ...MATCHED]);
  if (differences.length > 0) {
    throw new Error(
      `adoptId: volume ${id} does not match the declared inputs: ${differences.join("; ")}`,
    );
  }
  return live;
}

/**
 * What an existing volume must match to be the one a create made (found by its unique name) or,
 * with the name, to be adopted.
 */
const MATCHED = [...REPLACING, "sizeInGb"] as const;

/** A smaller `sizeInGb` for a volume that is kept (nothing that replaces it changed). */
function shrinkOf(
  olds: Record<string, unknown>,
  news: Record<string, unknown>,
): { from: number; to: number } | undefined {
  const from = olds.sizeInGb;
  const to = news.sizeInGb;
  if (typeof from !== "number" || typeof to !== "number" || to >= from) return undefined;
  const replaced =
    REPLACING.some((field) => olds[field] !== news[field]) ||
    (news.adoptId !== undefined && news.adoptId !== olds.adoptId);
  return replaced ? undefined : { from, to };
}

function shrinkMessage(from: number, to: number): string {
  return `cannot shrink from ${from} GB to ${to} GB: shrinking would destroy data`;
}

export function createBody(inputs: VolumeInputs): VolumeCreate {
  return {
    name: inputs.name!,
    storageType: inputs.storageType,
    region: inputs.region,
    sizeInGb: inputs.sizeInGb,
    vendorVolumeType: inputs.vendorVolumeType,
  };
}

function desiredOf(volume: LiveVolume): Partial<VolumeInputs> {
  return {
    name: volume.name,
    storageType: volume.storageType as StorageType,
    region: volume.region,
    sizeInGb: volume.sizeInGb,
    vendorVolumeType: volume.vendorVolumeType as VolumeInputs["vendorVolumeType"],
  };
}

function outputs(inputs: VolumeInputs, volume: LiveVolume): VolumeOutputs {
  return {
    ...inputs,
    id: volume.id,
    status: volume.status,
    mountCount: volume.mountCount ?? 0,
    cost: volume.cost,
    createdAt: volume.createdAt,
  };
}

/**
 * Who mounts the volume, for an error message. Pods list their volumes; VMs do not report their
 * mounts, so whatever the pods do not account for is counted but cannot be named.
 */
async function mountersOf(volume: LiveVolume): Promise<string> {
  const count = volume.mountCount ?? 0;
  let pods: string[];
  try {
    pods = (await yotta().pods.watcher.list())
      .filter(
        (p) =>
          p.status !== "TERMINATED" && (p.persistentVolumes ?? []).some((v) => v.id === volume.id),
      )
      .map((p) => `pod ${p.name} (${p.id})`);
  } catch {
    return `${count} pod(s) or VM(s) (listing pods to name them failed)`;
  }
  const unnamed = count - pods.length;
  if (unnamed > 0) {
    pods.push(`${unnamed} more that the API does not name (VMs do not report their mounts)`);
  }
  return pods.join(", ");
}

/**
 * The volume as it is now. With its storage type known (a list covers one), read in that type's
 * watcher round, shared with concurrent reads; else on its own.
 */
function getOrUndefined(id: string, storageType?: unknown): Promise<LiveVolume | undefined> {
  const watcher = watcherOf(storageType);
  return unlessGone(watcher ? watcher.get(id) : yotta().volumes.get(id));
}

/** `waitFor`'s source for the volume: its storage type's watcher, else its own GETs. */
function watched(
  id: string,
  storageType: unknown,
): Polled<LiveVolume> | (() => Promise<LiveVolume>) {
  return watcherOf(storageType)?.of(id) ?? (() => yotta().volumes.get(id));
}

function watchedOrGone(
  id: string,
  storageType: unknown,
  start?: WatchStart<LiveVolume>,
): Polled<LiveVolume | undefined> | (() => Promise<LiveVolume | undefined>) {
  return watcherOf(storageType)?.ofOrGone(id, start) ?? (() => getOrUndefined(id));
}

/** Read leniently: a stored storage type from an older release may be missing or unknown. */
function watcherOf(storageType: unknown) {
  return STORAGE_TYPES.includes(storageType as StorageType)
    ? yotta().volumes.watcher(storageType as StorageType)
    : undefined;
}
