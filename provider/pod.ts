import type * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import type { Pod as LivePod, PodCreate } from "../client";
import { isNotFound, isPodPaused, waitFor } from "../client";
import { checkInputs, pickInputs, type CheckResult } from "./check";
import { pollInterval, yotta } from "./config";
import { createOnce } from "./create";
import { diffByTable, type FieldTable, adoptIdRule } from "./diff";
import { ResourceInitError } from "./init-error";
import { NAME_RULES, withName } from "./naming";
import { progress } from "./progress";
import { liveDesired } from "./refresh";
import {
  CommonInputs,
  Environment,
  GpuCount,
  IdRef,
  KNOWN_GPU_TYPES,
  NonNegativeInt,
  Text,
} from "./schemas";
import { deadlineFor, Timeouts, type TimeoutDefaults } from "./timeouts";

export { configure } from "./config";

const TIMEOUTS: TimeoutDefaults = { create: "20m", update: "20m", delete: "10m" };

const Port = z.strictObject({
  port: z
    .number({ error: "must be a number" })
    .int({ message: "must be a whole number" })
    .min(0, { message: "must be 0-65535" })
    .max(65535, { message: "must be 0-65535" }),
  protocol: z.enum(["SSH", "HTTP", "TCP"], { error: "must be SSH, HTTP or TCP" }),
});

const VolumeMount = z.strictObject({
  volumeId: IdRef,
  mountPath: Text(255),
  volumeType: z.enum(["CEPH", "VENDOR"], { error: "must be CEPH or VENDOR" }).default("CEPH"),
  needBackup: z.boolean().optional(),
});

const PodShape = z.strictObject({
  name: Text(255).optional(),
  image: Text(255),
  imageRegistry: z.string().max(255, { message: "must be at most 255 characters" }).optional(),
  imagePublicType: z.enum(["PUBLIC", "PRIVATE"], { error: "must be PUBLIC or PRIVATE" }).optional(),
  credentialId: IdRef.optional(),
  resourceType: z.enum(["GPU", "CPU"], { error: "must be GPU or CPU" }).default("GPU"),
  gpuType: Text(255),
  gpuCount: GpuCount,
  regions: z
    .array(Text(64))
    .refine((r) => new Set(r).size === r.length, { message: "must not repeat a region" })
    .optional(),
  minSingleCardVramInGb: NonNegativeInt.optional(),
  minSingleCardRamInGb: NonNegativeInt.optional(),
  minSingleCardVcpu: NonNegativeInt.optional(),
  shmInGb: NonNegativeInt.optional(),
  containerVolumeInGb: NonNegativeInt.optional(),
  persistentVolumeInGb: NonNegativeInt.optional(),
  persistentMountPath: Text(255).optional(),
  initializationCommand: z.string().optional(),
  environment: Environment.default({}),
  expose: z
    .array(Port)
    .default([])
    .transform((ports) => [...ports].sort((a, b) => a.port - b.port || cmp(a.protocol, b.protocol)))
    .refine((ports) => new Set(ports.map((p) => `${p.port}/${p.protocol}`)).size === ports.length, {
      message: "must not expose the same port and protocol twice",
    }),
  volumes: z
    .array(VolumeMount)
    .default([])
    .transform((mounts) => [...mounts].sort((a, b) => cmp(a.mountPath, b.mountPath))),
  running: z.boolean({ error: "must be true or false" }).default(true),
  ...CommonInputs,
});

/** A pod's inputs, normalized: what `check` returns and what `diff` and `read` compare. */
export const PodInputs = PodShape.superRefine((pod, ctx) => {
  if ((pod.persistentVolumeInGb ?? 0) > 0 && pod.persistentMountPath === undefined) {
    ctx.addIssue({
      code: "custom",
      path: ["persistentMountPath"],
      message: "is required when persistentVolumeInGb is greater than 0",
    });
  }
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
  adoptId: adoptIdRule,
};

/** What the state holds for a pod: the normalized inputs plus what the cloud reports. */
export type PodOutputs = PodInputs & {
  id: string;
  status: string;
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

export async function check(
  olds: Record<string, unknown>,
  news: Record<string, unknown>,
): Promise<CheckResult> {
  const named = withName(olds, news, NAME_RULES.pod);
  const result = checkInputs(PodInputs, named);
  const gpuType = result.inputs.gpuType;
  if (
    typeof gpuType === "string" &&
    !KNOWN_GPU_TYPES.has(gpuType) &&
    result.failures.length === 0
  ) {
    progress(
      "pod",
      String(named.name),
      `gpuType ${gpuType} is not a known code; the service decides`,
    );
  }
  return result;
}

export async function diff(
  _id: string,
  olds: Record<string, unknown>,
  news: Record<string, unknown>,
): Promise<pulumi.dynamic.DiffResult> {
  const { changed, replaces } = diffByTable(
    FIELDS,
    olds as Partial<PodInputs>,
    news as Partial<PodInputs>,
  );
  // A pod that went FAILED cannot be repaired in place; only a new one helps.
  const failed = olds.status === "FAILED";
  return {
    changes: changed.length > 0 || failed,
    replaces: failed ? [...replaces, "status"] : replaces,
    deleteBeforeReplace: false,
  };
}

export async function create(raw: Record<string, unknown>): Promise<pulumi.dynamic.CreateResult> {
  const inputs = PodInputs.parse(storedInputs(raw));
  const deadline = deadlineFor("create", inputs.timeouts, TIMEOUTS);
  const client = yotta();
  const pod = inputs.adoptId
    ? await adopt(inputs)
    : await createOnce({
        kind: "pod",
        name: inputs.name!,
        create: () => client.pods.create(createBody(inputs)),
        find: async () =>
          (await client.pods.findByName(inputs.name!)).find((p) => madeFrom(p, inputs)),
      });
  const settled = await settle(pod, inputs, deadline, raw);
  return { id: settled.id, outs: outputs(inputs, settled) };
}

export async function read(
  id: string,
  props: Record<string, unknown>,
): Promise<pulumi.dynamic.ReadResult> {
  const live = await getOrUndefined(id);
  if (!live || live.status === "TERMINATING" || live.status === "TERMINATED") return {};
  const stored = PodInputs.parse(storedInputs(props));
  return {
    id,
    props: { ...outputs(stored, live), ...liveDesired(stored, desiredOf(live), REPORTED) },
  };
}

export async function update(
  id: string,
  _olds: Record<string, unknown>,
  news: Record<string, unknown>,
): Promise<pulumi.dynamic.UpdateResult> {
  const inputs = PodInputs.parse(storedInputs(news));
  const deadline = deadlineFor("update", inputs.timeouts, TIMEOUTS);
  const live = await yotta().pods.get(id);
  const settled = await settle(live, inputs, deadline, news);
  return { outs: outputs(inputs, settled) };
}

export async function remove(id: string, props: Record<string, unknown>): Promise<void> {
  // Read leniently: state written by an older release must never block a delete.
  const timeouts = Timeouts.safeParse(props.timeouts);
  const deadline = deadlineFor("delete", timeouts.success ? timeouts.data : undefined, TIMEOUTS);
  const name = typeof props.name === "string" ? props.name : id;
  const client = yotta();
  try {
    await client.pods.delete(id);
  } catch (err) {
    if (isNotFound(err)) return;
    throw err;
  }
  await waitFor(() => getOrUndefined(id), {
    done: (p) => p === undefined || p.status === "TERMINATED",
    failed: () => false,
    deadline,
    interval: pollInterval(),
    describe: `pod ${name} to terminate`,
    onProgress: (p) => progress("pod", name, p?.status ?? "gone"),
  });
}

/** Waits until the pod reaches the desired running state, pausing or resuming it on the way. */
async function settle(
  pod: LivePod,
  inputs: PodInputs,
  deadline: number,
  raw: Record<string, unknown>,
): Promise<LivePod> {
  const client = yotta();
  const name = inputs.name ?? pod.id;
  let current = pod;
  try {
    current = await waitFor(() => client.pods.get(pod.id), {
      done: (p) => p.status === "RUNNING" || isPaused(p),
      failed: (p) => p.status === "FAILED" || p.status === "TERMINATED",
      deadline,
      interval: pollInterval(),
      describe: `pod ${name} to start`,
      onProgress: (p) => progress("pod", name, p.status),
    });
    if (inputs.running && isPaused(current)) {
      await client.pods.resume(pod.id);
      current = await waitFor(() => client.pods.get(pod.id), {
        done: (p) => p.status === "RUNNING",
        failed: (p) => p.status === "FAILED" || p.status === "TERMINATED",
        deadline,
        interval: pollInterval(),
        describe: `pod ${name} to resume`,
        onProgress: (p) => progress("pod", name, p.status),
      });
    } else if (!inputs.running && current.status === "RUNNING") {
      await client.pods.pause(pod.id);
      current = await waitFor(() => client.pods.get(pod.id), {
        done: isPaused,
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
      outputs(inputs, last),
      raw,
    );
  }
}

async function adopt(inputs: PodInputs): Promise<LivePod> {
  const id = inputs.adoptId!;
  const live = await getOrUndefined(id);
  if (!live || live.status === "TERMINATING" || live.status === "TERMINATED") {
    throw new Error(`adoptId: pod ${id} does not exist (or is terminated)`);
  }
  const mismatches = mismatchesOf(live, inputs);
  if (mismatches.length > 0) {
    throw new Error(
      `adoptId: pod ${id} does not match the declared inputs: ${mismatches.join("; ")}`,
    );
  }
  return live;
}

function mismatchesOf(live: LivePod, inputs: PodInputs): string[] {
  const declared = desiredOf(live);
  const out: string[] = [];
  for (const field of ["name", "image", "gpuType", "gpuCount"] as const) {
    const actual = declared[field];
    if (actual !== undefined && actual !== inputs[field]) {
      out.push(`${field} is ${JSON.stringify(actual)}, declared ${JSON.stringify(inputs[field])}`);
    }
  }
  return out;
}

/** A pod found by name after an ambiguous create is ours only if it has the spec we sent. */
function madeFrom(pod: LivePod, inputs: PodInputs): boolean {
  return (
    pod.status !== "TERMINATING" &&
    pod.status !== "TERMINATED" &&
    mismatchesOf(pod, inputs).length === 0
  );
}

function createBody(inputs: PodInputs): PodCreate {
  return {
    name: inputs.name!,
    image: inputs.image,
    imageRegistry: inputs.imageRegistry,
    imagePublicType: inputs.imagePublicType,
    containerRegistryAuthId: inputs.credentialId,
    resourceType: inputs.resourceType,
    gpuType: inputs.gpuType,
    gpuCount: inputs.gpuCount,
    regions: inputs.regions,
    minSingleCardVramInGb: inputs.minSingleCardVramInGb,
    minSingleCardRamInGb: inputs.minSingleCardRamInGb,
    minSingleCardVcpu: inputs.minSingleCardVcpu,
    shmInGb: inputs.shmInGb,
    containerVolumeInGb: inputs.containerVolumeInGb,
    persistentVolumeInGb: inputs.persistentVolumeInGb,
    persistentMountPath: inputs.persistentMountPath,
    initializationCommand: inputs.initializationCommand,
    environmentVars: Object.entries(inputs.environment).map(([key, value]) => ({ key, value })),
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
          [...pod.environmentVars].sort((a, b) => cmp(a.key, b.key)).map((e) => [e.key, e.value]),
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
    running: !(pod.desiredState === "PAUSED" || isPaused(pod)),
  };
}

function outputs(inputs: PodInputs, pod: LivePod): PodOutputs {
  return {
    ...inputs,
    id: pod.id,
    status: pod.status,
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

function storedInputs(props: Record<string, unknown>): Record<string, unknown> {
  return pickInputs(PodShape, props);
}

const isPaused = isPodPaused;

async function getOrUndefined(id: string): Promise<LivePod | undefined> {
  try {
    return await yotta().pods.get(id);
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function round(n: number): number {
  return Math.round(n * 10_000) / 10_000;
}
