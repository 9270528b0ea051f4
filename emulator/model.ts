/**
 * The stored records of the emulated cloud. They are plain JSON (ids are decimal strings, times
 * are epoch milliseconds of the emulator's clock) so the state file is just these objects.
 * What a client sees is made from them by the views in `resources/`.
 */
import type { EnvVar } from "./validate";

/** The emulated kinds: those of {@link RecordOf}, the record type of each. */
export type Kind = keyof RecordOf;

const LISTED: Record<Kind, true> = {
  pod: true,
  endpoint: true,
  volume: true,
  credential: true,
  vm: true,
};

/** Every kind, in the order snapshots and counts list them. */
export const KINDS = Object.keys(LISTED) as readonly Kind[];

/**
 * A scheduled lifecycle step. Lifecycles are evaluated lazily: a step whose time has come is
 * applied before the next request is handled, so the timeline is the same whether the clock is
 * real or advanced by the admin API, and no timers are left running.
 */
export interface Step {
  at: number;
  action: string;
  /** The sub-object the step concerns (a worker or task id). */
  ref?: string;
}

interface BaseRecord {
  id: string;
  createdAt: number;
  updatedAt: number;
  /** Steps still to come, in time order. */
  pending: Step[];
}

export type PodStatus =
  | "PENDING"
  | "INITIALIZING"
  | "RUNNING"
  | "PAUSING"
  | "PAUSED"
  | "TERMINATING"
  | "TERMINATED"
  | "FAILED";

export interface PodPort {
  port: number;
  protocol: string | null;
  proxyPort: number;
  healthy: boolean;
}

export interface PodVolumeMount {
  id: string;
  name: string;
  volumeType: string;
  volumeSize: number | null;
  volumePrice: number;
  mountPath: string;
  cloudStorageType: string | null;
  needBackup: boolean | null;
}

export interface PodRecord extends BaseRecord {
  kind: "pod";
  name: string;
  image: string;
  imageRegistry: string | null;
  imagePublicType: string;
  containerRegistryAuthId: string | null;
  resourceType: string;
  gpuType: string;
  gpuCount: number;
  regions: string[] | null;
  region: string;
  minSingleCardVramInGb: number | null;
  minSingleCardRamInGb: number | null;
  minSingleCardVcpu: number | null;
  shmInGb: number | null;
  singleCardVramInGb: number;
  singleCardRamInGb: number;
  singleCardVcpu: number;
  singleCardPrice: number;
  containerVolumeInGb: number;
  persistentVolumeInGb: number;
  persistentMountPath: string | null;
  initializationCommand: string;
  environmentVars: EnvVar[];
  expose: PodPort[];
  persistentVolumes: PodVolumeMount[];
  status: PodStatus;
  desiredState: "RUNNING" | "PAUSED";
  host: string;
  internalIp: string;
}

export type EndpointStatus = "INITIALIZING" | "RUNNING" | "STOPPING" | "STOPPED" | "FAILED";

export interface EndpointResource {
  region: string;
  gpuType: string;
  gpuCount: number;
}

export type WorkerStatus = "INITIALIZING" | "RUNNING" | "FAILED" | "TERMINATING";

export interface LogLine {
  timestamp: number;
  log: string;
  offset: number;
}

export interface WorkerRecord {
  workerId: string;
  status: WorkerStatus;
  region: string | null;
  ip: string;
  createdAt: number;
  updatedAt: number;
  logs: LogLine[];
}

export type TaskStatus = "PROCESSING" | "DELIVERED" | "SUCCESS" | "FAILED";

export interface TaskRecord {
  taskId: string;
  status: TaskStatus;
  workerId: string | null;
  workerPort: number;
  processUri: string;
  webhook: string | null;
  webhookAuthKey: string | null;
  deliveryStatus: "INIT" | "SUCCESS" | "FAILED" | "MAX_RETRIES_EXCEEDED";
  deliveryAttempts: number;
  error: string | null;
  input: unknown;
  output: unknown;
  headers: Record<string, string> | null;
  createdAt: number;
  updatedAt: number;
  deliveredAt: number | null;
}

export interface EndpointRecord extends BaseRecord {
  kind: "endpoint";
  name: string;
  image: string;
  imageRegistry: string | null;
  containerRegistryAuthId: string | null;
  resources: EndpointResource[];
  workers: number;
  containerVolumeInGb: number;
  minSingleCardVramInGb: number | null;
  minSingleCardRamInGb: number | null;
  minSingleCardVcpu: number | null;
  initializationCommand: string | null;
  environmentVars: EnvVar[];
  expose: { port: number; protocol: string } | null;
  serviceMode: "ALB" | "QUEUE" | "CUSTOM";
  webhook: string | null;
  status: EndpointStatus;
  workerList: WorkerRecord[];
  tasks: TaskRecord[];
}

export type VolumeStatus = "creating" | "active" | "resizing" | "deleting" | "error";

export interface VolumeRecord extends BaseRecord {
  kind: "volume";
  name: string;
  storageType: "S3" | "R2" | "CEPH" | "VENDOR";
  region: string | null;
  sizeInGb: number | null;
  /** The size a running resize will reach. */
  targetSizeInGb: number | null;
  vendorVolumeType: "NVMe" | "HDD" | null;
  status: VolumeStatus;
  /** Pods and VMs (by id) that mount the volume; `mountCount` is its length. */
  mountedBy: string[];
}

export interface CredentialRecord extends BaseRecord {
  kind: "credential";
  name: string;
  type: string;
  username: string;
  /** Stored so a test can check what was sent; never returned by the API. */
  password: string;
}

export type VmStatus = "initializing" | "running" | "stopped" | "terminated";

export interface VmRecord extends BaseRecord {
  kind: "vm";
  name: string;
  vmTypeId: number;
  gpuType: string;
  region: string;
  isSpot: boolean;
  volumeMountPaths: Record<string, string>;
  status: VmStatus;
  ipAddress: string;
  cpuCores: number;
  memoryInGb: number;
  gpuCount: number;
  gpuMemoryInGb: number;
  storageInGb: number;
  /** When true, terminate answers 11002 (set through the admin API). */
  terminationProtected: boolean;
}

export interface RecordOf {
  pod: PodRecord;
  endpoint: EndpointRecord;
  volume: VolumeRecord;
  credential: CredentialRecord;
  vm: VmRecord;
}

export type AnyRecord = RecordOf[Kind];
