/** Pods: `/v2/pods` (yotta-api.md §2). */
import { ApiError, Code, invalid, statusInvalid } from "../errors";
import {
  POD_DISK_PRICE_PER_GB_HOUR,
  gpuType as findGpu,
  region as findRegion,
  volumePricePerGbHour,
} from "../catalog";
import { Fields, MOUNT_PATH, queryList } from "../validate";
import { idHash } from "../random";
import { PURGE } from "../store";
import { requireCredential } from "./credentials";
import { mountVolume, requireMountableVolume, unmountVolumes } from "./volumes";
import { listed, type Cloud, type Route, type View } from "../cloud";
import type { PodPort, PodRecord, PodStatus, PodVolumeMount, Step, VolumeRecord } from "../model";
import type { Quirks } from "../config";

/** The emulated account (every resource belongs to it). */
export const ORG_ID = "318220751635107841";
export const APPLICANT_ID = "318220751635107843";

const DEFAULT_CONTAINER_VOLUME_GB = 50;
const MAX_GPUS_PER_POD = 8;
const EXPOSE_PROTOCOLS = ["SSH", "HTTP", "TCP"] as const;
const VOLUME_TYPES = ["NFS", "CEPH", "CLOUDSTORAGE", "SYSTEM", "S3", "R2", "VENDOR"] as const;
const LIST_STATUSES = [
  "PENDING",
  "PREPARING",
  "INITIALIZING",
  "INITIALIZE",
  "RUNNING",
  "PAUSING",
  "PAUSED",
  "STOPPED",
  "TERMINATING",
  "TERMINATED",
  "FAILED",
];

export function podStatusView(status: PodStatus, quirks: Quirks): string {
  if (status === "PAUSED") return quirks.pausedPodStatus;
  if (status === "INITIALIZING") return quirks.initializingPodStatus;
  return status;
}

function portView(pod: PodRecord, port: PodPort) {
  const protocol = (port.protocol ?? "TCP").toUpperCase();
  const ingressUrl =
    protocol === "SSH"
      ? `ssh root@${pod.host} -p ${port.proxyPort}`
      : protocol === "HTTP"
        ? `https://${pod.id}-${port.port}.proxy.emulator.invalid`
        : `${pod.host}:${port.proxyPort}`;
  return {
    port: port.port,
    proxyPort: port.proxyPort,
    protocol: port.protocol,
    host: pod.host,
    healthy: port.healthy,
    ingressUrl,
    serviceName: `${protocol} ${port.port}`,
  };
}

export function podView(p: PodRecord, view: View, quirks: Quirks): unknown {
  const ssh = p.expose.find((e) => e.protocol?.toUpperCase() === "SSH");
  return {
    id: view.id(p.id),
    orgId: view.id(ORG_ID),
    applicantId: view.id(APPLICANT_ID),
    name: p.name,
    officialImage: "CUSTOM",
    imagePublicType: p.imagePublicType,
    image: p.image,
    imageRegistry: p.imageRegistry,
    containerRegistryAuthId: view.id(p.containerRegistryAuthId),
    resourceType: p.resourceType,
    gpuType: p.gpuType,
    gpuDisplayName: findGpu(p.gpuType).displayName,
    gpuCount: p.gpuCount,
    shmInGb: p.shmInGb,
    singleCardVramInGb: p.singleCardVramInGb,
    singleCardRamInGb: p.singleCardRamInGb,
    singleCardVcpu: p.singleCardVcpu,
    location: findRegion(p.region)?.location ?? null,
    region: p.region,
    cloudType: "SECURE",
    containerVolumeInGb: p.containerVolumeInGb,
    persistentVolumeInGb: p.persistentVolumeInGb,
    persistentMountPath: p.persistentMountPath,
    networkUploadMbps: 1258.29,
    networkDownloadMbps: 1761.61,
    diskReadSpeedMbps: 2516.58,
    diskWriteSpeedMbps: 5872.03,
    singleCardPrice: p.singleCardPrice,
    persistentVolumePrice: POD_DISK_PRICE_PER_GB_HOUR,
    containerVolumePrice: POD_DISK_PRICE_PER_GB_HOUR,
    initializationCommand: p.initializationCommand,
    environmentVars: p.environmentVars.map((e) => ({ ...e })),
    expose: p.expose.map((e) => portView(p, e)),
    sshCmd: ssh ? `ssh root@${p.host} -p ${ssh.proxyPort}` : "",
    status: podStatusView(p.status, quirks),
    desiredState: p.desiredState,
    persistentVolumes: p.persistentVolumes.map((v) => ({ ...v, id: view.id(v.id) })),
    internalIp: p.internalIp,
    createdAt: view.time(p.createdAt, "epoch"),
    updatedAt: view.time(p.updatedAt, "epoch"),
  };
}

/** Applies a pod's scheduled transition. */
export function podStep(cloud: Cloud) {
  const store = cloud.store;
  return (pod: PodRecord, step: Step): void => {
    switch (step.action) {
      case PURGE:
        store.remove("pod", pod.id);
        return;
      case "healthy":
        if (pod.status === "RUNNING") for (const port of pod.expose) port.healthy = true;
        break;
      case "TERMINATED":
        pod.status = "TERMINATED";
        unmountVolumes(
          store,
          pod.persistentVolumes.map((v) => v.id),
          pod.id,
        );
        store.schedule(pod, [{ at: step.at + cloud.timing.podRetentionMs, action: PURGE }]);
        break;
      case "RUNNING":
        pod.status = "RUNNING";
        store.schedule(pod, [{ at: step.at + cloud.timing.podPortsHealthyMs, action: "healthy" }]);
        break;
      default:
        pod.status = step.action as PodStatus;
    }
    if (pod.status !== "RUNNING") for (const port of pod.expose) port.healthy = false;
    pod.updatedAt = step.at;
  };
}

interface VolumeRequest {
  field: string;
  volume: VolumeRecord;
  mount: PodVolumeMount;
}

function readVolumes(f: Fields, cloud: Cloud): VolumeRequest[] {
  const entries = f.objects("persistentVolumes") ?? [];
  const result: VolumeRequest[] = [];
  entries.forEach((entry, i) => {
    const field = `persistentVolumes[${i}]`;
    const mountPath = entry.string("mountPath", { ...MOUNT_PATH, required: true }) as string;
    const id = entry.id("id");
    const volumeId = entry.id("volumeId");
    // Two documented shapes: the schema's {id, volumeType, ...} and the guide's {volumeId, ...}.
    if (id === undefined && volumeId === undefined) throw invalid(`${field}.id is required`);
    if (id !== undefined && volumeId !== undefined && id !== volumeId) {
      throw invalid(`${field}.id and ${field}.volumeId differ`);
    }
    const volumeType = entry.oneOf("volumeType", VOLUME_TYPES, {
      required: volumeId === undefined,
      caseInsensitive: true,
    });
    const needBackup = entry.boolean("needBackup");
    const volume = requireMountableVolume(cloud.store, (id ?? volumeId) as string, field);
    if (result.some((r) => r.volume.id === volume.id)) {
      throw invalid(`${field} volume [${volume.id}] is mounted twice`);
    }
    if (result.some((r) => r.mount.mountPath === mountPath)) {
      throw invalid(`${field}.mountPath [${mountPath}] is used twice`);
    }
    result.push({
      field,
      volume,
      mount: {
        id: volume.id,
        name: volume.name,
        volumeType: volumeType ?? volume.storageType,
        volumeSize: volume.sizeInGb,
        volumePrice: volumePricePerGbHour(volume.storageType, volume.vendorVolumeType),
        mountPath,
        cloudStorageType:
          volume.storageType === "S3" || volume.storageType === "R2" ? volume.storageType : null,
        needBackup: needBackup ?? null,
      },
    });
  });
  return result;
}

function readExpose(f: Fields): Array<{ port: number; protocol: string | null }> {
  const ports = (f.objects("expose") ?? []).map((e) => ({
    port: e.int("port", { required: true, min: 0, max: 65535 }) as number,
    protocol: e.oneOf("protocol", EXPOSE_PROTOCOLS, { caseInsensitive: true }) ?? null,
  }));
  ports.forEach((p, i) => {
    if (ports.findIndex((q) => q.port === p.port) !== i) {
      throw invalid(`expose[${i}].port [${p.port}] is exposed twice`);
    }
  });
  return ports;
}

/** Where the pod can run: asked-for regions that offer the GPU, hold its volumes, have room. */
function placePod(
  cloud: Cloud,
  gpuCode: string,
  regions: string[] | undefined,
  volumes: VolumeRequest[],
): string {
  const gpu = findGpu(gpuCode);
  let candidates = regions && regions.length > 0 ? regions : [...gpu.regions];
  candidates = candidates.filter((r) => gpu.regions.includes(r));
  if (candidates.length === 0) {
    throw invalid(`regions [${(regions ?? []).join(", ")}] offer no gpu type [${gpuCode}]`);
  }
  for (const { field, volume } of volumes) {
    if (volume.region === null || volume.storageType === "S3" || volume.storageType === "R2") {
      continue;
    }
    candidates = candidates.filter((r) => r === volume.region);
    if (candidates.length === 0) {
      throw invalid(
        `${field} volume [${volume.id}] is in region [${volume.region}], where the pod cannot run`,
      );
    }
  }
  const open = candidates.filter((r) => cloud.faults.hasCapacity(r, gpuCode));
  if (open.length === 0) {
    throw invalid(`regions: no capacity for gpu type [${gpuCode}] in [${candidates.join(", ")}]`);
  }
  return open[0] as string;
}

function createPod(f: Fields, cloud: Cloud): PodRecord {
  const name = f.string("name", { required: true, min: 1, max: 255 }) as string;
  const image = f.string("image", { required: true, min: 1, max: 255 }) as string;
  const imageRegistry = f.string("imageRegistry", { max: 255 });
  const imagePublicType = f.oneOf("imagePublicType", ["PUBLIC", "PRIVATE"]) ?? "PUBLIC";
  const containerRegistryAuthId = f.id("containerRegistryAuthId");
  const resourceType = f.oneOf("resourceType", ["GPU", "CPU"]) ?? "GPU";
  const gpuCode = f.gpuType("gpuType", { required: true }) as string;
  const gpuCount = f.int("gpuCount", {
    required: true,
    powerOfTwo: true,
    max: MAX_GPUS_PER_POD,
  }) as number;
  const regions = f.strings("regions", { unique: true });
  regions?.forEach((r, i) => {
    if (!findRegion(r)) throw invalid(`regions[${i}] region [${r}] not supported`);
  });
  const minVram = f.int("minSingleCardVramInGb", { min: 0 });
  const minRam = f.int("minSingleCardRamInGb", { min: 0 });
  const minVcpu = f.int("minSingleCardVcpu", { min: 0 });
  const shmInGb = f.int("shmInGb", { min: 1 });
  const containerVolumeInGb = f.int("containerVolumeInGb", { min: 1 });
  const persistentVolumeInGb = f.int("persistentVolumeInGb", { min: 0 }) ?? 0;
  const persistentMountPath = f.string("persistentMountPath", MOUNT_PATH);
  const initializationCommand = f.string("initializationCommand") ?? "";
  const environmentVars = f.envVars("environmentVars") ?? [];
  const expose = readExpose(f);

  if (persistentVolumeInGb > 0 && persistentMountPath === undefined) {
    throw invalid("persistentMountPath is required when persistentVolumeInGb > 0");
  }
  if (persistentMountPath !== undefined && persistentVolumeInGb === 0) {
    throw invalid("persistentMountPath needs persistentVolumeInGb > 0");
  }
  if (imagePublicType === "PRIVATE" && containerRegistryAuthId === undefined) {
    throw invalid("containerRegistryAuthId is required for a PRIVATE image");
  }
  if (containerRegistryAuthId !== undefined) {
    requireCredential(cloud.store, containerRegistryAuthId, "containerRegistryAuthId");
  }
  const gpu = findGpu(gpuCode);
  if (minVram !== undefined && minVram > gpu.vramGb) {
    throw invalid(`minSingleCardVramInGb ${minVram} exceeds the ${gpu.vramGb} GB of ${gpuCode}`);
  }
  const volumes = readVolumes(f, cloud);
  if (
    persistentMountPath !== undefined &&
    volumes.some((v) => v.mount.mountPath === persistentMountPath)
  ) {
    throw invalid(
      `persistentMountPath [${persistentMountPath}] is also a persistentVolumes mountPath`,
    );
  }
  const region = placePod(cloud, gpuCode, regions, volumes);

  const store = cloud.store;
  const now = store.now();
  const id = store.newId();
  const pod: PodRecord = {
    kind: "pod",
    id,
    name,
    image,
    imageRegistry: imageRegistry ?? null,
    imagePublicType,
    containerRegistryAuthId: containerRegistryAuthId ?? null,
    resourceType,
    gpuType: gpuCode,
    gpuCount,
    regions: regions ?? null,
    region,
    minSingleCardVramInGb: minVram ?? null,
    minSingleCardRamInGb: minRam ?? null,
    minSingleCardVcpu: minVcpu ?? null,
    shmInGb: shmInGb ?? null,
    singleCardVramInGb: gpu.vramGb,
    singleCardRamInGb: Math.max(gpu.ramGb, minRam ?? 0),
    singleCardVcpu: Math.max(gpu.vcpu, minVcpu ?? 0),
    singleCardPrice: gpu.pricePerHour,
    containerVolumeInGb: containerVolumeInGb ?? DEFAULT_CONTAINER_VOLUME_GB,
    persistentVolumeInGb,
    persistentMountPath: persistentMountPath ?? null,
    initializationCommand,
    environmentVars,
    expose: expose.map((e, i) => ({
      ...e,
      proxyPort: 30000 + ((idHash(id, 20000) + i) % 20000),
      healthy: false,
    })),
    persistentVolumes: volumes.map((v) => v.mount),
    status: "PENDING",
    desiredState: "RUNNING",
    // TEST-NET-3 and a private range: addresses that look real and route nowhere.
    host: `203.0.113.${1 + idHash(id, 254)}`,
    internalIp: `10.${idHash(id, 250)}.${idHash(id, 249)}.${1 + idHash(id, 253)}`,
    createdAt: now,
    updatedAt: now,
    pending: [],
  };
  for (const { volume } of volumes) mountVolume(volume, id);
  store.insert(pod);
  const t = cloud.timing;
  const initializing = now + t.podPendingMs;
  const outcome = cloud.faults.podFails() ? "FAILED" : "RUNNING";
  store.schedule(pod, [
    { at: initializing, action: "INITIALIZING" },
    { at: initializing + t.podInitializingMs, action: outcome },
  ]);
  return pod;
}

function find(cloud: Cloud, id: string): PodRecord {
  const found = cloud.store.get("pod", id);
  if (!found) throw new ApiError(Code.POD_NOT_FOUND, "pod not found");
  return found;
}

/** Pause (API or out of band): RUNNING → PAUSING → PAUSED. */
export function pausePod(cloud: Cloud, pod: PodRecord): void {
  if (pod.status !== "RUNNING") {
    throw statusInvalid(`pod [${pod.id}] cannot be paused in status ${pod.status}`);
  }
  pod.status = "PAUSING";
  pod.desiredState = "PAUSED";
  for (const port of pod.expose) port.healthy = false;
  cloud.store.touch(pod);
  const at = cloud.store.now() + cloud.timing.podPausingMs;
  cloud.store.schedule(pod, [{ at, action: "PAUSED" }], { replace: true });
}

/** Delete (API or out of band): → TERMINATING → TERMINATED; a second delete is a no-op. */
export function deletePod(cloud: Cloud, pod: PodRecord): void {
  if (pod.status === "TERMINATING" || pod.status === "TERMINATED") return;
  pod.status = "TERMINATING";
  for (const port of pod.expose) port.healthy = false;
  cloud.store.touch(pod);
  const at = cloud.store.now() + cloud.timing.podTerminatingMs;
  cloud.store.schedule(pod, [{ at, action: "TERMINATED" }], { replace: true });
}

export const podRoutes: Route[] = [
  {
    method: "POST",
    template: "/v2/pods",
    handler: ({ body }, cloud) => {
      const pod = createPod(Fields.body(body), cloud);
      const view = cloud.view();
      return view.created(pod.id, podView(pod, view, cloud.quirks));
    },
  },
  {
    method: "GET",
    template: "/v2/pods",
    handler: ({ query }, cloud) => {
      const regions = queryList(query, "regionList");
      const statuses = queryList(query, "statusList");
      statuses?.forEach((s) => {
        if (!LIST_STATUSES.includes(s)) throw invalid(`statusList: unknown status [${s}]`);
      });
      const view = cloud.view();
      return listed(cloud, "pod")
        .filter((p) => !regions || regions.includes(p.region))
        .filter((p) => !statuses || statuses.includes(podStatusView(p.status, cloud.quirks)))
        .map((p) => podView(p, view, cloud.quirks));
    },
  },
  {
    method: "GET",
    template: "/v2/pods/{id}",
    handler: ({ params }, cloud) =>
      podView(find(cloud, params.id as string), cloud.view(), cloud.quirks),
  },
  {
    method: "DELETE",
    template: "/v2/pods/{id}",
    handler: ({ params }, cloud) => {
      deletePod(cloud, find(cloud, params.id as string));
      return null;
    },
  },
  {
    method: "POST",
    template: "/v2/pods/{id}/pause",
    handler: ({ params }, cloud) => {
      pausePod(cloud, find(cloud, params.id as string));
      return null;
    },
  },
  {
    method: "POST",
    template: "/v2/pods/{id}/resume",
    handler: ({ params }, cloud) => {
      const pod = find(cloud, params.id as string);
      if (pod.status !== "PAUSED") {
        throw statusInvalid(`pod [${pod.id}] cannot be resumed in status ${pod.status}`);
      }
      pod.status = "INITIALIZING";
      pod.desiredState = "RUNNING";
      cloud.store.touch(pod);
      const at = cloud.store.now() + cloud.timing.podResumingMs;
      cloud.store.schedule(pod, [{ at, action: "RUNNING" }], { replace: true });
      return null;
    },
  },
];
