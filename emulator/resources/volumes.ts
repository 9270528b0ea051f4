/** Storage volumes: `/v2/volumes` (yotta-api.md §4). */
import { ApiError, Code, invalid, statusInvalid } from "../errors";
import { region as findRegion, volumePricePerGbHour } from "../catalog";
import { Fields, queryInt } from "../validate";
import { listed, paginate, type Cloud, type Route, type View } from "../cloud";
import type { Step, VolumeRecord } from "../model";
import type { Store } from "../store";

const STORAGE_TYPES = ["S3", "R2", "CEPH", "VENDOR"] as const;
const VENDOR_TYPES = ["NVMe", "HDD"] as const;
const NAME = { min: 1, max: 255 };
const SIZE = { min: 1, max: 10240 };

export function volumeView(v: VolumeRecord, view: View, typeField: string): unknown {
  const perHour = volumePricePerGbHour(v.storageType, v.vendorVolumeType) * (v.sizeInGb ?? 0);
  return {
    id: view.id(v.id),
    name: v.name,
    sizeInGb: v.sizeInGb,
    region: v.region,
    [typeField]: v.storageType,
    status: v.status,
    vendorVolumeType: v.vendorVolumeType,
    mountCount: v.mountedBy.length,
    cost: Math.round(perHour * 1e6) / 1e6,
    createdAt: view.time(v.createdAt, "epoch"),
  };
}

/** A volume a pod or VM asks to mount: it must exist and be `active`. */
export function requireMountableVolume(store: Store, id: string, field: string): VolumeRecord {
  const volume = store.get("volume", id);
  if (!volume || volume.status === "deleting")
    throw invalid(`${field} volume [${id}] does not exist`);
  if (volume.status !== "active") {
    throw statusInvalid(`${field} volume [${id}] is not active (status ${volume.status})`);
  }
  return volume;
}

export function mountVolume(volume: VolumeRecord, holderId: string): void {
  if (!volume.mountedBy.includes(holderId)) volume.mountedBy.push(holderId);
}

/** Releases a pod's or VM's mounts (volumes deleted out of band are skipped). */
export function unmountVolumes(store: Store, volumeIds: readonly string[], holderId: string): void {
  for (const id of volumeIds) {
    const volume = store.get("volume", id);
    if (volume) volume.mountedBy = volume.mountedBy.filter((h) => h !== holderId);
  }
}

export function volumeStep(cloud: Cloud) {
  const store = cloud.store;
  return (volume: VolumeRecord, step: Step): void => {
    if (step.action === "active") {
      if (volume.status === "resizing" && volume.targetSizeInGb !== null) {
        volume.sizeInGb = volume.targetSizeInGb;
        volume.targetSizeInGb = null;
      }
      if (volume.status === "creating" || volume.status === "resizing") volume.status = "active";
      volume.updatedAt = step.at;
    } else if (step.action === "deleted") {
      store.remove("volume", volume.id);
    }
  };
}

function find(cloud: Cloud, id: string): VolumeRecord {
  const found = cloud.store.get("volume", id);
  if (!found) throw new ApiError(Code.RECORD_NOT_EXIST, "record does not exist");
  return found;
}

function assertNameFree(store: Store, name: string, self?: string): void {
  if (store.list("volume").some((v) => v.name === name && v.id !== self)) {
    throw invalid(`name [${name}] already exists`);
  }
}

function createVolume(f: Fields, cloud: Cloud): VolumeRecord {
  const name = f.string("name", { ...NAME, required: true }) as string;
  const storageType = f.oneOf("storageType", STORAGE_TYPES, {
    required: true,
  }) as VolumeRecord["storageType"];
  const region = f.string("region", { min: 1 });
  const sizeInGb = f.int("sizeInGb", SIZE);
  const vendorVolumeType = f.oneOf("vendorVolumeType", VENDOR_TYPES);
  const needsRegion = storageType === "CEPH" || storageType === "VENDOR";
  if (needsRegion && region === undefined) {
    throw invalid(`region is required for storageType ${storageType}`);
  }
  if (storageType === "S3" && region !== undefined) {
    throw invalid("region is not supported for storageType S3");
  }
  if (region !== undefined && !findRegion(region))
    throw invalid(`region [${region}] not supported`);
  if (needsRegion && sizeInGb === undefined) {
    throw invalid(`sizeInGb is required for storageType ${storageType}`);
  }
  if (!needsRegion && sizeInGb !== undefined) {
    throw invalid(`sizeInGb is not supported for storageType ${storageType} (unlimited size)`);
  }
  if (storageType === "VENDOR" && vendorVolumeType === undefined) {
    throw invalid("vendorVolumeType is required for storageType VENDOR");
  }
  if (storageType !== "VENDOR" && vendorVolumeType !== undefined) {
    throw invalid(`vendorVolumeType is not supported for storageType ${storageType}`);
  }
  assertNameFree(cloud.store, name);
  const now = cloud.store.now();
  const record: VolumeRecord = {
    kind: "volume",
    id: cloud.store.newId(),
    name,
    storageType,
    region: region ?? null,
    sizeInGb: sizeInGb ?? null,
    targetSizeInGb: null,
    vendorVolumeType: vendorVolumeType ?? null,
    status: "creating",
    mountedBy: [],
    createdAt: now,
    updatedAt: now,
    pending: [],
  };
  cloud.store.insert(record);
  cloud.store.schedule(record, [{ at: now + cloud.timing.volumeCreatingMs, action: "active" }]);
  return record;
}

export const volumeRoutes: Route[] = [
  {
    method: "POST",
    template: "/v2/volumes",
    handler: ({ body }, cloud) => {
      const record = createVolume(Fields.body(body), cloud);
      const view = cloud.view();
      return view.created(record.id, volumeView(record, view, cloud.quirks.volumeTypeField));
    },
  },
  {
    method: "GET",
    template: "/v2/volumes",
    handler: ({ query }, cloud) => {
      const storageType = query.get("storageType");
      if (!storageType) throw invalid("storageType is required");
      if (!(STORAGE_TYPES as readonly string[]).includes(storageType)) {
        throw invalid(`storageType must be one of ${STORAGE_TYPES.join(", ")}`);
      }
      const region = query.get("region") || undefined;
      const page = queryInt(query, "page", { min: 1, default: 1 }) as number;
      const size = queryInt(query, "size", { min: 1, max: 100, default: 10 }) as number;
      const matching = listed(cloud, "volume").filter(
        (v) => v.storageType === storageType && (!region || v.region === region),
      );
      const view = cloud.view();
      return paginate(matching, page, size, (v) =>
        volumeView(v, view, cloud.quirks.volumeTypeField),
      );
    },
  },
  {
    method: "GET",
    template: "/v2/volumes/{id}",
    handler: ({ params }, cloud) =>
      volumeView(find(cloud, params.id as string), cloud.view(), cloud.quirks.volumeTypeField),
  },
  {
    method: "POST",
    template: "/v2/volumes/{id}/name",
    handler: ({ params, body }, cloud) => {
      const volume = find(cloud, params.id as string);
      const name = Fields.body(body).string("name", { ...NAME, required: true }) as string;
      if (volume.status === "deleting")
        throw statusInvalid(`volume [${volume.id}] is being deleted`);
      assertNameFree(cloud.store, name, volume.id);
      volume.name = name;
      cloud.store.touch(volume);
      return volumeView(volume, cloud.view(), cloud.quirks.volumeTypeField);
    },
  },
  {
    method: "POST",
    template: "/v2/volumes/{id}/resize",
    handler: ({ params, body }, cloud) => {
      const volume = find(cloud, params.id as string);
      const sizeInGb = Fields.body(body).int("sizeInGb", { ...SIZE, required: true }) as number;
      if (volume.storageType !== "CEPH" && volume.storageType !== "VENDOR") {
        throw invalid(`sizeInGb cannot be changed for storageType ${volume.storageType}`);
      }
      if (volume.status !== "active") {
        throw statusInvalid(`volume [${volume.id}] cannot be resized in status ${volume.status}`);
      }
      if (volume.mountedBy.length > 0) {
        throw statusInvalid(`volume [${volume.id}] cannot be resized while mounted`);
      }
      if (sizeInGb <= (volume.sizeInGb ?? 0)) {
        throw invalid(`sizeInGb must be larger than the current size ${volume.sizeInGb}`);
      }
      volume.status = "resizing";
      volume.targetSizeInGb = sizeInGb;
      cloud.store.touch(volume);
      const at = cloud.store.now() + cloud.timing.volumeResizingMs;
      cloud.store.schedule(volume, [{ at, action: "active" }], { replace: true });
      return volumeView(volume, cloud.view(), cloud.quirks.volumeTypeField);
    },
  },
  {
    method: "DELETE",
    template: "/v2/volumes/{id}",
    handler: ({ params }, cloud) => {
      const volume = find(cloud, params.id as string);
      if (volume.status === "deleting") return null;
      if (volume.mountedBy.length > 0) {
        throw statusInvalid(
          `volume [${volume.id}] cannot be deleted while mounted (mountCount ${volume.mountedBy.length})`,
        );
      }
      if (volume.status !== "active" && volume.status !== "error") {
        throw statusInvalid(`volume [${volume.id}] cannot be deleted in status ${volume.status}`);
      }
      volume.status = "deleting";
      cloud.store.touch(volume);
      const at = cloud.store.now() + cloud.timing.volumeDeletingMs;
      cloud.store.schedule(volume, [{ at, action: "deleted" }], { replace: true });
      return null;
    },
  },
];
