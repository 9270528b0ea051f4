import type * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import type { Pod as LivePod, PodCreate } from "../client";
import { isNotFound, isPodPaused, waitFor } from "../client";
import { firstPollMs, pollInterval, yotta } from "./config";
import { createOwned } from "./create";
import { tokenIn, withoutToken, CREATE_TOKEN_VAR, type Ownership } from "./ownership";
import { COMMON_FIELDS, mismatches, type FieldTable, type InputTable } from "./diff";
import { ResourceInitError } from "./init-error";
import { progress } from "./progress";
import { LONG_NAMES } from "./naming";
import { act, gpuTypesIn, resourceKit, untilDeleted } from "./resource";
import { describePlacement, Placements, placeInOrder, Regions, type Placement } from "./placement";
import { unlessGone } from "./refresh";
import {
  DISTINCT_PORTS,
  GpuCount,
  GpuType,
  Id,
  Image,
  ImagePublicType,
  ImageRegistry,
  MountPath,
  MountVolumeType,
  NonNegativeInt,
  PodProtocol,
  PositiveInt,
  ResourceType,
  displayName,
  distinctPorts,
  podSpanIssues,
  port,
  report,
} from "../client/core/rules";
import { CommonInputs, Environment } from "./schemas";
import { deadlineFor, type TimeoutDefaults } from "./timeouts";

export { configure } from "./config";

const TIMEOUTS: TimeoutDefaults = { create: "20m", update: "20m", delete: "10m" };

const Port = z.strictObject({
  port: port(0),
  protocol: PodProtocol,
});

const VolumeMount = z.strictObject({
  volumeId: Id,
  mountPath: MountPath,
  volumeType: MountVolumeType.default("CEPH"),
  needBackup: z.boolean().optional(),
});

// The API's rules come from client/core/rules.ts, shared with the client's request schema, so
// what passes here is what the client sends.
const PodShape = z.strictObject({
  name: displayName(255).optional(),
  image: Image,
  imageRegistry: ImageRegistry.optional(),
  imagePublicType: ImagePublicType.optional(),
  credentialId: Id.optional(),
  resourceType: ResourceType.default("GPU"),
  gpuType: GpuType.optional(),
  gpuCount: GpuCount,
  regions: Regions.optional(),
  placements: Placements.optional(),
  minSingleCardVramInGb: NonNegativeInt.optional(),
  minSingleCardRamInGb: NonNegativeInt.optional(),
  minSingleCardVcpu: NonNegativeInt.optional(),
  shmInGb: PositiveInt.optional(),
  containerVolumeInGb: PositiveInt.optional(),
  persistentVolumeInGb: NonNegativeInt.optional(),
  persistentMountPath: MountPath.optional(),
  initializationCommand: z.string({ error: "must be a string" }).optional(),
  environment: Environment.default({}),
  expose: z
    .array(Port)
    .default([])
    .transform((ports) => [...ports].sort((a, b) => a.port - b.port || cmp(a.protocol, b.protocol)))
    .refine(distinctPorts, { message: DISTINCT_PORTS }),
  volumes: z
    .array(VolumeMount)
    .default([])
    .transform((mounts) => [...mounts].sort((a, b) => cmp(a.mountPath, b.mountPath))),
  running: z.boolean({ error: "must be true or false" }).default(true),
  ...CommonInputs,
});

/** A pod's inputs, normalized: what `check` returns and what `diff` and `read` compare. */
export const PodInputs = PodShape.superRefine((pod, ctx) => {
  // Two ways to say where a pod may run; exactly one of them.
  if (pod.placements === undefined && pod.gpuType === undefined) {
    ctx.addIssue({
      code: "custom",
      path: ["gpuType"],
      message: "is required unless placements are given",
    });
  }
  if (pod.placements !== undefined) {
    for (const field of ["gpuType", "regions"] as const) {
      if (pod[field] !== undefined) {
        ctx.addIssue({
          code: "custom",
          path: [field],
          message:
            "cannot be combined with placements: give each placement its GPU type and regions",
        });
      }
    }
  }
  report(
    ctx,
    podSpanIssues(
      {
        ...pod,
        hasCredential: pod.credentialId !== undefined,
        mounts: pod.volumes.map((v) => ({ id: v.volumeId, mountPath: v.mountPath })),
      },
      { credential: "credentialId", volumes: "volumes" },
    ),
  );
}).transform((pod) => ({
  ...pod,
  // A private image is pulled with the credential; without one the registry must be public.
  imagePublicType: pod.imagePublicType ?? (pod.credentialId ? "PRIVATE" : "PUBLIC"),
}));
export type PodInputs = z.output<typeof PodInputs>;

/** Every input but `running` (pause/resume) and the provider's own knobs replaces the pod. */
const FIELDS: FieldTable<PodInputs> = {
  name: "replace",
  image: "replace",
  imageRegistry: "replace",
  imagePublicType: "replace",
  credentialId: "replace",
  resourceType: "replace",
  gpuType: "replace",
  gpuCount: "replace",
  regions: "replace",
  placements: "replace",
  minSingleCardVramInGb: "replace",
  minSingleCardRamInGb: "replace",
  minSingleCardVcpu: "replace",
  shmInGb: "replace",
  containerVolumeInGb: "replace",
  persistentVolumeInGb: "replace",
  persistentMountPath: "replace",
  initializationCommand: "replace",
  environment: "replace",
  expose: "replace",
  volumes: "replace",
  running: "update",
  ...COMMON_FIELDS,
} satisfies InputTable<PodInputs>;

/** What the state holds for a pod: the normalized inputs plus what the cloud reports. */
export type PodOutputs = PodInputs & {
  id: string;
  status: string;
  /** With `placements`: which one the pod got (from 0). */
  placementIndex?: number;
  region?: string;
  location?: string;
  gpuDisplayName?: string;
  /** USD per GPU-hour. */
  singleCardPrice?: number;
  /** USD per hour for the whole pod while it runs. */
  hourlyPrice?: number;
  sshCommand?: string;
  internalIp?: string;
  ports: {
    port: number;
    protocol: string;
    proxyPort?: number;
    host?: string;
    healthy?: boolean;
    url?: string;
  }[];
  createdAt?: string;
};

/** The desired-state fields the API reports back, in input form. */
const REPORTED: (keyof PodInputs)[] = [
  "name",
  "image",
  "gpuType",
  "gpuCount",
  "containerVolumeInGb",
  "persistentVolumeInGb",
  "persistentMountPath",
  "environment",
  "expose",
  "running",
];

const kit = resourceKit({
  kind: "pod",
  schema: PodInputs,
  shape: PodShape,
  fields: FIELDS,
  timeouts: TIMEOUTS,
  names: LONG_NAMES,
  // Pod names need not be unique, so a replacement is always made before the old pod goes.
  uniqueNames: "never",
  gpuTypesOf: (inputs) => gpuTypesIn(inputs.placements ?? [inputs]),
  desired: desiredOnly,
});

export const { check } = kit;

/** The kit's `diff`, and a FAILED pod is replaced. */
export async function diff(
  id: string,
  olds: Record<string, unknown>,
  news: Record<string, unknown>,
): Promise<pulumi.dynamic.DiffResult> {
  const result = await kit.diff(id, olds, news);
  // A pod that went FAILED cannot be repaired in place; only a new one helps.
  if (olds.status !== "FAILED") return result;
  return { ...result, changes: true, replaces: [...(result.replaces ?? []), "status"] };
}

export async function create(raw: Record<string, unknown>): Promise<pulumi.dynamic.CreateResult> {
  const inputs = kit.inputsOf(raw);
  const deadline = deadlineFor("create", inputs.timeouts, TIMEOUTS);
  const { pod, obtained } = inputs.adoptId
    ? await adopt(inputs)
    : await place(inputs, deadline, raw);
  const settled = await settle(pod, inputs, obtained, deadline, raw);
  return { id: settled.id, outs: outputs(inputs, settled, obtained) };
}

/** Creates the pod in the first placement with capacity, within the create deadline. */
async function place(
  inputs: PodInputs,
  deadline: number,
  raw: Record<string, unknown>,
): Promise<Landed> {
  const client = yotta();
  const name = inputs.name!;
  const placed = await placeInOrder({
    kind: "pod",
    name,
    placements: placementsOf(inputs),
    deadline,
    attempt: (placement) =>
      createOwned({
        ...ownershipOf(name, inputs),
        create: (token) => client.pods.create(createBody(inputs, placement, token), { deadline }),
        get: (id) => client.pods.get(id),
        deadline,
        inputs: { ...inputs, gpuType: placement.gpuType },
        raw,
      }),
  });
  // A pod an interrupted run made and this create kept may sit in a later placement than the
  // one being tried when it was found: what it got is where it runs.
  const placements = placementsOf(inputs);
  const landed = madeFrom(placed.result, inputs, placed.placement)
    ? placed.index
    : placements.findIndex((p) => madeFrom(placed.result, inputs, p));
  const index = landed < 0 ? placed.index : landed;
  return {
    pod: placed.result,
    obtained: {
      gpuType: placements[index]?.gpuType ?? placed.placement.gpuType,
      placementIndex: inputs.placements ? index : undefined,
    },
  };
}

/**
 * How to find the pod a create of these inputs made. Pod names are not unique: a pod is ours
 * only if it carries our create's token in its environment (provider/ownership.ts).
 */
function ownershipOf(name: string, inputs: PodInputs | undefined): Ownership<LivePod> {
  const placements = inputs ? placementsOf(inputs) : [];
  return kit.ownership(name, {
    named: async () => (await yotta().pods.findByName(name)).filter(isLive),
    matches: (pod) =>
      inputs !== undefined && placements.some((placement) => madeFrom(pod, inputs, placement)),
    tokenOf: (pod) => tokenIn(pod.environmentVars),
    priceOf: (pod) =>
      pod.singleCardPrice === undefined
        ? undefined
        : round(pod.singleCardPrice * (pod.gpuCount ?? 1)),
  });
}

/** For a record whose create had an unknown outcome: its pods, whatever its stored inputs. */
export function ownership(props: Record<string, unknown>): Ownership<LivePod> {
  return ownershipOf(String(props.name ?? ""), kit.inputsIfValid(props));
}

export const read = kit.read({
  live: getOrUndefined,
  ended: (pod) => !isLive(pod),
  outputs: (stored, live, props) => outputs(stored, live, obtainedFrom(stored, props)),
  desiredOf,
  reported: REPORTED,
});

export const update = kit.update(async (id, inputs, olds, news) => {
  const deadline = deadlineFor("update", inputs.timeouts, TIMEOUTS);
  const live = await yotta().pods.watcher.get(id);
  // Placement never changes in place (a change replaces), so what the pod got stays as recorded.
  const obtained = obtainedFrom(inputs, olds);
  const settled = await settle(live, inputs, obtained, deadline, news);
  return { outs: outputs(inputs, settled, obtained) };
});

export const remove = kit.remove(async (id, { name, deadline }) => {
  const client = yotta();
  try {
    await client.pods.delete(id);
  } catch (err) {
    if (isNotFound(err)) return;
    throw err;
  }
  await untilDeleted(client.pods.watcher.ofOrGone(id, { firstAfterMs: firstPollMs() }), {
    kind: "pod",
    name,
    deadline,
    goal: "terminate",
    ended: "TERMINATED",
  });
});

/** Waits until the pod reaches the desired running state, pausing or resuming it on the way. */
async function settle(
  pod: LivePod,
  inputs: PodInputs,
  obtained: Obtained,
  deadline: number,
  raw: Record<string, unknown>,
): Promise<LivePod> {
  const client = yotta();
  const name = inputs.name ?? pod.id;
  let current = pod;
  try {
    current = await waitFor(client.pods.watcher.of(pod.id, { known: pod }), {
      done: (p) => p.status === "RUNNING" || isPodPaused(p),
      failed: (p) => p.status === "FAILED" || p.status === "TERMINATED",
      deadline,
      interval: pollInterval(),
      describe: `pod ${name} to start`,
      onProgress: (p) => progress("pod", name, p.status),
    });
    if (inputs.running && isPodPaused(current)) {
      await act(
        () => client.pods.resume(pod.id),
        () => getOrUndefined(pod.id),
        (p) => !isPodPaused(p) && p.status !== "PAUSING",
      );
      current = await waitFor(client.pods.watcher.of(pod.id, { firstAfterMs: firstPollMs() }), {
        done: (p) => p.status === "RUNNING",
        failed: (p) => p.status === "FAILED" || p.status === "TERMINATED",
        deadline,
        interval: pollInterval(),
        describe: `pod ${name} to resume`,
        onProgress: (p) => progress("pod", name, p.status),
      });
    } else if (!inputs.running && current.status === "RUNNING") {
      await act(
        () => client.pods.pause(pod.id),
        () => getOrUndefined(pod.id),
        (p) => isPodPaused(p) || p.status === "PAUSING",
      );
      current = await waitFor(client.pods.watcher.of(pod.id, { firstAfterMs: firstPollMs() }), {
        done: isPodPaused,
        failed: (p) => p.status === "FAILED" || p.status === "TERMINATED",
        deadline,
        interval: pollInterval(),
        describe: `pod ${name} to pause`,
        onProgress: (p) => progress("pod", name, p.status),
      });
    }
    return current;
  } catch (err) {
    // The pod exists: record it, so the next `up` repairs or replaces it instead of leaving a
    // billing GPU outside the state.
    const last = (await getOrUndefined(pod.id)) ?? current;
    throw new ResourceInitError(
      `pod ${name} (${pod.id}) did not become ${inputs.running ? "RUNNING" : "PAUSED"}: ${(err as Error).message}`,
      pod.id,
      outputs(inputs, last, obtained),
      raw,
    );
  }
}

async function adopt(inputs: PodInputs): Promise<Landed> {
  const id = inputs.adoptId!;
  const live = await getOrUndefined(id);
  if (!live || !isLive(live)) {
    throw new Error(`adoptId: pod ${id} does not exist (or is terminated)`);
  }
  const placements = placementsOf(inputs);
  // The placement the existing pod fits, judged by what the API reports of it.
  const index = placements.findIndex(
    (p) =>
      (live.gpuType === undefined || live.gpuType === p.gpuType) &&
      (live.region === undefined || p.regions === undefined || p.regions.includes(live.region)),
  );
  const placement = placements[index];
  const mismatches = placement
    ? mismatchesOf(live, inputs, placement)
    : [
        `it runs ${live.gpuType ?? "an unreported GPU type"} in ${live.region ?? "an unreported region"}, ` +
          `which no declared placement allows (${placements.map(describePlacement).join("; ")})`,
      ];
  if (mismatches.length > 0) {
    throw new Error(
      `adoptId: pod ${id} does not match the declared inputs: ${mismatches.join("; ")}`,
    );
  }
  return {
    pod: live,
    obtained: {
      gpuType: placement!.gpuType,
      placementIndex: inputs.placements ? index : undefined,
    },
  };
}

/** What an existing pod must match to be adopted, or to be the one a create made. */
const MATCHED = ["name", "image", "gpuType", "gpuCount"] as const;

function mismatchesOf(live: LivePod, inputs: PodInputs, placement: Placement): string[] {
  return mismatches(desiredOf(live), { ...inputs, gpuType: placement.gpuType }, MATCHED);
}

/** Whether a pod found by name has the spec a create of these inputs sends. */
function madeFrom(pod: LivePod, inputs: PodInputs, placement: Placement): boolean {
  return isLive(pod) && mismatchesOf(pod, inputs, placement).length === 0;
}

function isLive(pod: LivePod): boolean {
  return pod.status !== "TERMINATING" && pod.status !== "TERMINATED";
}

/** The placements to try, in order: the `gpuType`/`regions` form is a list of one. */
function placementsOf(inputs: PodInputs): Placement[] {
  return inputs.placements ?? [{ gpuType: inputs.gpuType!, regions: inputs.regions }];
}

/** What a create obtained: the GPU type it was made with and, with `placements`, which one. */
interface Obtained {
  gpuType: string;
  placementIndex?: number;
}

interface Landed {
  pod: LivePod;
  obtained: Obtained;
}

/** What was obtained, as recorded in a pod's outputs. */
function obtainedFrom(inputs: PodInputs, props: Record<string, unknown>): Obtained {
  if (!inputs.placements) return { gpuType: inputs.gpuType! };
  return {
    gpuType: typeof props.gpuType === "string" ? props.gpuType : inputs.placements[0]!.gpuType,
    placementIndex: typeof props.placementIndex === "number" ? props.placementIndex : undefined,
  };
}

/** The create request; `token`, the create's proof, joins the environment (provider/ownership.ts). */
export function createBody(inputs: PodInputs, placement: Placement, token?: string): PodCreate {
  return {
    name: inputs.name!,
    image: inputs.image,
    imageRegistry: inputs.imageRegistry,
    imagePublicType: inputs.imagePublicType,
    containerRegistryAuthId: inputs.credentialId,
    resourceType: inputs.resourceType,
    gpuType: placement.gpuType,
    gpuCount: inputs.gpuCount,
    regions: placement.regions,
    minSingleCardVramInGb: inputs.minSingleCardVramInGb,
    minSingleCardRamInGb: inputs.minSingleCardRamInGb,
    minSingleCardVcpu: inputs.minSingleCardVcpu,
    shmInGb: inputs.shmInGb,
    containerVolumeInGb: inputs.containerVolumeInGb,
    persistentVolumeInGb: inputs.persistentVolumeInGb,
    persistentMountPath: inputs.persistentMountPath,
    initializationCommand: inputs.initializationCommand,
    environmentVars: [
      ...Object.entries(inputs.environment).map(([key, value]) => ({ key, value })),
      ...(token === undefined ? [] : [{ key: CREATE_TOKEN_VAR, value: token }]),
    ],
    expose: inputs.expose,
    persistentVolumes: inputs.volumes.map((v) => ({
      id: v.volumeId,
      volumeId: v.volumeId,
      volumeType: v.volumeType,
      mountPath: v.mountPath,
      needBackup: v.needBackup,
    })),
  };
}

function desiredOf(pod: LivePod): Partial<PodInputs> {
  return {
    name: pod.name,
    image: pod.image,
    gpuType: pod.gpuType,
    gpuCount: pod.gpuCount,
    containerVolumeInGb: pod.containerVolumeInGb,
    persistentVolumeInGb: pod.persistentVolumeInGb,
    persistentMountPath: pod.persistentMountPath,
    environment: pod.environmentVars
      ? Object.fromEntries(
          withoutToken(pod.environmentVars)
            .sort((a, b) => cmp(a.key, b.key))
            .map((e) => [e.key, e.value]),
        )
      : undefined,
    expose: pod.expose
      ? pod.expose
          .map((p) => ({
            port: p.port,
            protocol: (p.protocol ?? "") as PodInputs["expose"][number]["protocol"],
          }))
          .sort((a, b) => a.port - b.port || cmp(a.protocol, b.protocol))
      : undefined,
    running: !(pod.desiredState === "PAUSED" || isPodPaused(pod)),
  };
}

function outputs(inputs: PodInputs, pod: LivePod, obtained: Obtained): PodOutputs {
  return {
    ...inputs,
    gpuType: obtained.gpuType,
    id: pod.id,
    status: pod.status,
    placementIndex: obtained.placementIndex,
    region: pod.region,
    location: pod.location,
    gpuDisplayName: pod.gpuDisplayName,
    singleCardPrice: pod.singleCardPrice,
    hourlyPrice:
      pod.singleCardPrice === undefined
        ? undefined
        : round(pod.singleCardPrice * (pod.gpuCount ?? inputs.gpuCount)),
    sshCommand: pod.sshCmd,
    internalIp: pod.internalIp,
    ports: (pod.expose ?? []).map((p) => ({
      port: p.port,
      protocol: p.protocol ?? "",
      proxyPort: p.proxyPort,
      host: p.host,
      healthy: p.healthy,
      url: p.ingressUrl,
    })),
    createdAt: pod.createdAt,
  };
}

/**
 * With `placements`, the recorded `gpuType` is what the pod obtained, an output: it is no desired
 * input, so neither `diff` nor a parse of the stored inputs may take it for one.
 */
function desiredOnly(props: Record<string, unknown>): Record<string, unknown> {
  if (props.placements === undefined || props.placements === null) return props;
  const { gpuType: _obtained, ...desired } = props;
  return desired;
}

/** The pod as it is now, read in the watcher's next round (shared with concurrent reads). */
function getOrUndefined(id: string): Promise<LivePod | undefined> {
  return unlessGone(yotta().pods.watcher.get(id));
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function round(n: number): number {
  return Math.round(n * 10_000) / 10_000;
}
