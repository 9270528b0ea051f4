/** Pods: `/v2/pods` (docs/api.md §2). There is no update call; pause/resume is the only change. */
import { z } from "zod";
import {
  Bool,
  EnvVarOut,
  Id,
  IdRef,
  Int,
  list,
  Num,
  optional,
  records,
  status,
  Str,
  Timestamp,
} from "../core/fields";
import { path, type RequestOptions, type Transport } from "../core/http";
import { Watcher, type WatcherOptions } from "../core/watch";
import {
  DISTINCT_PORTS,
  EnvVars,
  GpuCount,
  GpuType,
  Image,
  ImagePublicType,
  ImageRegistry,
  MountPath,
  MountVolumeType,
  NonNegativeInt,
  PodProtocol,
  PositiveInt,
  Regions,
  ResourceType,
  displayName,
  distinctPorts,
  podSpanIssues,
  port,
  report,
} from "../core/rules";
import { parseRequest, withName } from "../core/validation";
import { createdResource } from "./created";

// ---- requests (strict: the documented shape exactly, with the rules of core/rules.ts) ----

const PodPortIn = z.strictObject({
  port: port(0),
  protocol: PodProtocol.optional(),
});

/**
 * An existing volume to attach. The guide's shape is `{volumeId, mountPath, needBackup}`, the
 * server schema's `{id, volumeType, mountPath}`; the body carries both ids (docs/api.md §2,
 * Decision), so give either.
 */
const PodVolumeIn = z
  .strictObject({
    id: IdRef.optional(),
    volumeId: IdRef.optional(),
    volumeType: MountVolumeType,
    mountPath: MountPath,
    needBackup: z.boolean().optional(),
  })
  .refine((v) => v.id !== undefined || v.volumeId !== undefined, {
    message: "needs the volume's id (volumeId)",
    path: ["volumeId"],
  })
  .refine(
    (v) => v.id === undefined || v.volumeId === undefined || String(v.id) === String(v.volumeId),
    {
      message: "must be the same volume as id when both are given",
      path: ["volumeId"],
    },
  )
  .transform(({ id, volumeId, ...rest }) => ({
    id: id ?? volumeId,
    volumeId: volumeId ?? id,
    ...rest,
  }));

export const PodCreate = z
  .strictObject({
    name: displayName(255),
    image: Image,
    imageRegistry: ImageRegistry.optional(),
    imagePublicType: ImagePublicType.optional(),
    /** A credential's id, for private images. */
    containerRegistryAuthId: IdRef.optional(),
    resourceType: ResourceType.optional(),
    gpuType: GpuType,
    gpuCount: GpuCount,
    regions: Regions.optional(),
    minSingleCardVramInGb: NonNegativeInt.optional(),
    minSingleCardRamInGb: NonNegativeInt.optional(),
    minSingleCardVcpu: NonNegativeInt.optional(),
    shmInGb: PositiveInt.optional(),
    containerVolumeInGb: PositiveInt.optional(),
    persistentVolumeInGb: NonNegativeInt.optional(),
    persistentMountPath: MountPath.optional(),
    initializationCommand: z.string().optional(),
    environmentVars: EnvVars.optional(),
    expose: z.array(PodPortIn).refine(distinctPorts, { message: DISTINCT_PORTS }).optional(),
    persistentVolumes: z.array(PodVolumeIn).optional(),
  })
  .superRefine((p, ctx) =>
    report(
      ctx,
      podSpanIssues(
        {
          ...p,
          hasCredential: p.containerRegistryAuthId !== undefined,
          mounts: (p.persistentVolumes ?? []).map((v) => ({ id: v.id, mountPath: v.mountPath })),
        },
        { credential: "containerRegistryAuthId", volumes: "persistentVolumes" },
      ),
    ),
  );
/** What a caller passes to `pods.create` (ids as strings). */
export type PodCreate = z.input<typeof PodCreate>;

// ---- responses (lenient: see core/fields.ts) ----

export const POD_STATUSES = [
  "PENDING",
  "PREPARING",
  "INITIALIZING",
  "RUNNING",
  "PAUSING",
  "PAUSED",
  "STOPPED",
  "TERMINATING",
  "TERMINATED",
  "FAILED",
] as const;
export type PodStatus = (typeof POD_STATUSES)[number];

/**
 * Upper case, and v1's `INITIALIZE` read as `INITIALIZING`. `STOPPED` is kept as sent (one
 * table lists it for paused pods): {@link isPodPaused} treats it as PAUSED, and a caller that
 * cares which spelling the service used can still see it.
 */
export function normalizePodStatus(raw: string): string {
  const upper = raw.toUpperCase();
  return upper === "INITIALIZE" ? "INITIALIZING" : upper;
}

export const PodPort = z.looseObject({
  port: Int,
  proxyPort: optional(Int),
  protocol: optional(Str.transform((p) => p.toUpperCase())),
  host: optional(Str),
  /** Whether the port answers; may lag RUNNING by about 30 s. */
  healthy: optional(Bool),
  ingressUrl: optional(Str),
  serviceName: optional(Str),
});
export type PodPort = z.output<typeof PodPort>;

export const PodVolume = z.looseObject({
  id: optional(Id),
  name: optional(Str),
  volumeType: optional(Str),
  volumeSize: optional(Int),
  mountPath: optional(Str),
  needBackup: optional(Bool),
});
export type PodVolume = z.output<typeof PodVolume>;

export const Pod = z.looseObject({
  id: Id,
  name: Str,
  status: status<PodStatus>(normalizePodStatus),
  desiredState: optional(status<"RUNNING" | "PAUSED">((s) => s.toUpperCase())),
  image: optional(Str),
  imageRegistry: optional(Str),
  imagePublicType: optional(Str),
  containerRegistryAuthId: optional(Id),
  resourceType: optional(Str),
  gpuType: optional(Str),
  gpuDisplayName: optional(Str),
  gpuCount: optional(Int),
  region: optional(Str),
  location: optional(Str),
  cloudType: optional(Str),
  shmInGb: optional(Int),
  singleCardVramInGb: optional(Num),
  singleCardRamInGb: optional(Num),
  singleCardVcpu: optional(Num),
  /** USD per GPU-hour. */
  singleCardPrice: optional(Num),
  containerVolumeInGb: optional(Int),
  persistentVolumeInGb: optional(Int),
  persistentMountPath: optional(Str),
  initializationCommand: optional(Str),
  environmentVars: optional(list(EnvVarOut)),
  expose: optional(list(PodPort)),
  sshCmd: optional(Str),
  internalIp: optional(Str),
  persistentVolumes: optional(list(PodVolume)),
  createdAt: optional(Timestamp),
  updatedAt: optional(Timestamp),
});
export type Pod = z.output<typeof Pod>;

/** PAUSED, or STOPPED where the service spells a paused pod that way. */
export function isPodPaused(pod: Pick<Pod, "status">): boolean {
  return pod.status === "PAUSED" || pod.status === "STOPPED";
}

export interface PodListFilter {
  regions?: readonly string[];
  statuses?: readonly string[];
}

export class Pods {
  readonly #http: Transport;
  /**
   * Shared rounds of reads for every caller of this client: waits, refreshes and name lookups
   * of many pods cost one list (client/core/watch.ts).
   */
  readonly watcher: Watcher<Pod>;

  constructor(http: Transport, watch?: WatcherOptions) {
    this.#http = http;
    this.watcher = new Watcher(
      {
        list: (options) => this.list({}, options),
        get: (id, options) => this.get(id, options),
        idOf: (pod) => pod.id,
      },
      watch,
    );
  }

  /**
   * Creates a pod; it usually comes back before it is RUNNING (see `waitFor`). Never retried
   * after an ambiguous failure: use {@link findByName} to see whether it was made.
   */
  async create(body: PodCreate, options?: RequestOptions): Promise<Pod> {
    const data = await this.#http.send({
      call: "pods.create",
      kind: "create",
      method: "POST",
      path: "/v2/pods",
      body: parseRequest(PodCreate, body, "pods.create"),
      response: z.unknown(),
      options,
    });
    return createdResource(data, Pod, "pods.create", "POST /v2/pods", (id) =>
      this.get(id, options),
    );
  }

  /** Every pod (terminated ones stay listed for about a day), optionally filtered. */
  async list(filter: PodListFilter = {}, options?: RequestOptions): Promise<Pod[]> {
    return this.#http.send({
      call: "pods.list",
      kind: "read",
      method: "GET",
      path: "/v2/pods",
      query: { regionList: filter.regions, statusList: filter.statuses },
      response: records(Pod),
      options,
    });
  }

  async get(id: string, options?: RequestOptions): Promise<Pod> {
    return this.#http.send({
      call: "pods.get",
      kind: "read",
      method: "GET",
      path: path`/v2/pods/${id}`,
      response: Pod,
      options,
    });
  }

  /** Starts termination: TERMINATING, then TERMINATED. */
  async delete(id: string, options?: RequestOptions): Promise<void> {
    await this.#http.send({
      call: "pods.delete",
      kind: "delete",
      method: "DELETE",
      path: path`/v2/pods/${id}`,
      response: z.unknown(),
      options,
    });
  }

  /** RUNNING → PAUSING → PAUSED; storage stays billed. */
  async pause(id: string, options?: RequestOptions): Promise<void> {
    await this.#action(id, "pause", options);
  }

  /** PAUSED → INITIALIZING → RUNNING. */
  async resume(id: string, options?: RequestOptions): Promise<void> {
    await this.#action(id, "resume", options);
  }

  /**
   * Pods with exactly this name (names are not unique), terminated ones included, from a list
   * made after the call; without `options`, a list shared with the watcher's other callers.
   */
  async findByName(name: string, options?: RequestOptions): Promise<Pod[]> {
    const pods = options ? await this.list({}, options) : await this.watcher.list();
    return withName(pods, name, "pods.list");
  }

  async #action(id: string, action: "pause" | "resume", options?: RequestOptions): Promise<void> {
    await this.#http.send({
      call: `pods.${action}`,
      kind: "action",
      method: "POST",
      path: path`/v2/pods/${id}/${action}`,
      response: z.unknown(),
      options,
    });
  }
}
