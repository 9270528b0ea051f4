/** Virtual machines: `/v2/vms` (yotta-api.md §6). */
import { ApiError, Code, invalid } from "../errors";
import {
  GPU_TYPES,
  REGIONS,
  gpuType as findGpu,
  vmType as findVmType,
  vmTypeFor,
} from "../catalog";
import { Fields, MOUNT_PATH, idText, queryInt } from "../validate";
import { idHash } from "../random";
import { PURGE } from "../store";
import { listed, paginate, type Cloud, type Route, type View } from "../cloud";
import { mountVolume, requireMountableVolume, unmountVolumes } from "./volumes";
import type { Step, VmRecord, VmStatus, VolumeRecord } from "../model";

const STATUSES: readonly VmStatus[] = ["initializing", "running", "stopped", "terminated"];
const STORAGE_GB = 500;

function statusView(status: VmStatus, cloud: Cloud): string {
  return cloud.quirks.vmStatusCase === "capitalized"
    ? status.charAt(0).toUpperCase() + status.slice(1)
    : status;
}

export function vmView(vm: VmRecord, view: View, cloud: Cloud): unknown {
  return {
    id: view.id(vm.id),
    name: vm.name,
    status: statusView(vm.status, cloud),
    vmTypeId: vm.vmTypeId,
    gpuDisplayName: findGpu(vm.gpuType).displayName,
    ipAddress: vm.ipAddress,
    cpuCores: vm.cpuCores,
    // The model documents these three sizes as strings.
    memoryInGb: String(vm.memoryInGb),
    gpuCount: vm.gpuCount,
    gpuMemoryInGb: String(vm.gpuMemoryInGb),
    storageInGb: String(vm.storageInGb),
    region: vm.region,
    sshTemplate: `ssh ubuntu@${vm.ipAddress}`,
    createdAt: view.time(vm.createdAt, "iso"),
    isSpot: vm.isSpot ? 1 : 0,
  };
}

export function vmStep(cloud: Cloud) {
  return (vm: VmRecord, step: Step): void => {
    if (step.action === PURGE) {
      cloud.store.remove("vm", vm.id);
      return;
    }
    if (step.action === "running" && vm.status === "initializing") vm.status = "running";
    vm.updatedAt = step.at;
  };
}

/** Terminate (API or out of band): at once, then listed until the retention ends. */
export function terminateVm(cloud: Cloud, vm: VmRecord): void {
  vm.status = "terminated";
  unmountVolumes(cloud.store, Object.keys(vm.volumeMountPaths), vm.id);
  cloud.store.touch(vm);
  const at = cloud.store.now() + cloud.timing.vmRetentionMs;
  cloud.store.schedule(vm, [{ at, action: PURGE }], { replace: true });
}

function find(cloud: Cloud, id: string): VmRecord {
  const found = cloud.store.get("vm", id);
  if (!found) throw new ApiError(Code.VM_NOT_FOUND, "vm not found");
  return found;
}

function readMounts(f: Fields, cloud: Cloud, region: string): Map<VolumeRecord, string> {
  const raw = f.stringMap("volumeMountPaths") ?? {};
  const mounts = new Map<VolumeRecord, string>();
  for (const [key, path] of Object.entries(raw)) {
    const field = `volumeMountPaths.${key}`;
    const id = idText(key);
    if (id === undefined) throw invalid(`${field}: [${key}] is not a volume id`);
    if (!MOUNT_PATH.pattern?.test(path)) throw invalid(`${field} must be an absolute path`);
    const volume = requireMountableVolume(cloud.store, id, field);
    if (
      (volume.storageType === "CEPH" || volume.storageType === "VENDOR") &&
      volume.region !== region
    ) {
      throw invalid(`${field} volume [${id}] is in region [${volume.region}], not [${region}]`);
    }
    if ([...mounts.values()].includes(path)) throw invalid(`${field} path [${path}] is used twice`);
    mounts.set(volume, path);
  }
  return mounts;
}

function createVm(f: Fields, cloud: Cloud): VmRecord {
  const vmTypeId = f.id("vmTypeId", { required: true }) as string;
  const region = f.string("region", { required: true, min: 1 }) as string;
  const name = f.string("name", { required: true, min: 1, max: 255 }) as string;
  const isSpot = f.flag("isSpot") ?? false;
  const type = findVmType(vmTypeId);
  if (!type) throw invalid(`vmTypeId [${vmTypeId}] does not exist`);
  if (type.region.code !== region) {
    throw invalid(
      `region [${region}] does not match vmTypeId [${vmTypeId}] (region ${type.region.code})`,
    );
  }
  if (!cloud.faults.hasCapacity(region, type.gpuType.code)) {
    throw invalid(`region: no capacity for gpu type [${type.gpuType.code}] in [${region}]`);
  }
  const mounts = readMounts(f, cloud, region);
  const now = cloud.store.now();
  const id = cloud.store.newId();
  const vm: VmRecord = {
    kind: "vm",
    id,
    name,
    vmTypeId: type.vmTypeId,
    gpuType: type.gpuType.code,
    region,
    isSpot,
    volumeMountPaths: Object.fromEntries([...mounts].map(([v, path]) => [v.id, path])),
    status: "initializing",
    ipAddress: `198.51.100.${1 + idHash(id, 254)}`,
    cpuCores: type.gpuType.vcpu,
    memoryInGb: type.gpuType.ramGb,
    gpuCount: 1,
    gpuMemoryInGb: type.gpuType.vramGb,
    storageInGb: STORAGE_GB,
    terminationProtected: false,
    createdAt: now,
    updatedAt: now,
    pending: [],
  };
  for (const volume of mounts.keys()) mountVolume(volume, id);
  cloud.store.insert(vm);
  cloud.store.schedule(vm, [{ at: now + cloud.timing.vmInitializingMs, action: "running" }]);
  return vm;
}

export const vmRoutes: Route[] = [
  {
    method: "GET",
    template: "/v2/vms/types",
    handler: (_req, cloud) =>
      GPU_TYPES.map((gpu) => ({
        gpuType: gpu.code,
        regions: REGIONS.filter((r) => gpu.regions.includes(r.code)).map((r) => ({
          region: r.code,
          regionName: r.name,
          available: cloud.faults.hasCapacity(r.code, gpu.code),
          vmTypeId: vmTypeFor(gpu.code, r.code)?.vmTypeId ?? null,
        })),
      })),
  },
  {
    method: "POST",
    template: "/v2/vms",
    handler: ({ body }, cloud) => {
      const vm = createVm(Fields.body(body), cloud);
      const view = cloud.view();
      return view.created(vm.id, vmView(vm, view, cloud));
    },
  },
  {
    method: "GET",
    template: "/v2/vms",
    handler: ({ query }, cloud) => {
      const status = query.get("status")?.toLowerCase() || undefined;
      if (status !== undefined && !(STATUSES as readonly string[]).includes(status)) {
        throw invalid(`status must be one of ${STATUSES.join(", ")}`);
      }
      const page = queryInt(query, "page", { min: 1, default: 1 }) as number;
      const size = queryInt(query, "size", { min: 1, max: 100, default: 10 }) as number;
      const view = cloud.view();
      const matching = listed(cloud, "vm").filter(
        (vm) => status === undefined || vm.status === status,
      );
      return paginate(matching, page, size, (vm) => vmView(vm, view, cloud));
    },
  },
  {
    method: "GET",
    template: "/v2/vms/{id}",
    handler: ({ params }, cloud) => vmView(find(cloud, params.id as string), cloud.view(), cloud),
  },
  {
    method: "PATCH",
    template: "/v2/vms/{id}",
    handler: ({ params, body }, cloud) => {
      const vm = find(cloud, params.id as string);
      const name = Fields.body(body).string("name", { required: true, min: 1, max: 255 }) as string;
      if (vm.status === "terminated") {
        throw new ApiError(Code.VM_STATUS_INVALID, `vm [${vm.id}] is terminated`);
      }
      vm.name = name;
      cloud.store.touch(vm);
      return vmView(vm, cloud.view(), cloud);
    },
  },
  {
    method: "DELETE",
    template: "/v2/vms/{id}",
    handler: ({ params }, cloud) => {
      const vm = find(cloud, params.id as string);
      if (vm.status === "terminated") {
        throw new ApiError(Code.VM_STATUS_INVALID, `vm [${vm.id}] is already terminated`);
      }
      if (vm.terminationProtected) {
        throw new ApiError(
          Code.VM_NO_TERMINATE_PERMISSION,
          `no permission to terminate vm [${vm.id}]`,
        );
      }
      terminateVm(cloud, vm);
      return null;
    },
  },
];
