import * as pulumi from "@pulumi/pulumi";
import { ownerKey } from "./internal/stack-key";
import { outputKeys } from "./internal/resource";
import { thinProvider } from "./internal/thin-provider";
import type { TimeoutsArgs } from "./types";

const provider = thinProvider("volume");

// Every output the class declares must be a key of the registered properties, or the engine's
// value never reaches the object.
const OUTPUTS = outputKeys(
  "name",
  "storageType",
  "region",
  "sizeInGb",
  "vendorVolumeType",
  "status",
  "mountCount",
  "cost",
  "createdAt",
);

export interface VolumeArgs {
  /**
   * The volume's name (1–255 characters), unique in the account. Default: the Pulumi name plus a
   * random suffix. Changing it renames the volume in place.
   */
  name?: pulumi.Input<string>;
  /**
   * `CEPH` (network storage for pods, in one region), `VENDOR` (third-party block storage),
   * `S3` or `R2` (object storage, no fixed size). Replaces.
   */
  storageType: pulumi.Input<"S3" | "R2" | "CEPH" | "VENDOR">;
  /**
   * Region, e.g. `us-east-1`: required for `CEPH` and `VENDOR`, optional for `R2`, not allowed for
   * `S3`. Replaces.
   */
  region?: pulumi.Input<string>;
  /**
   * Size in GB, 1–10240: required for `CEPH` and `VENDOR`, not allowed for `S3` and `R2`. A larger
   * value resizes the volume in place (it must not be mounted); a smaller one is refused, since
   * shrinking would destroy data.
   */
  sizeInGb?: pulumi.Input<number>;
  /** `NVMe` or `HDD`: required for `VENDOR`, not allowed otherwise. Replaces. */
  vendorVolumeType?: pulumi.Input<"NVMe" | "HDD">;
  /**
   * Id of an existing volume to manage instead of creating one. Its name, storage type, region,
   * size and vendor type must match the declared ones (see docs/resources.md).
   */
  adoptId?: pulumi.Input<string>;
  /** Defaults: create 10m, update (resize) 10m, delete 10m. */
  timeouts?: pulumi.Input<TimeoutsArgs>;
}

/**
 * A Yotta storage volume: network storage that pods and VMs mount, or an object store.
 *
 * A replacement (new storage type, region or vendor type) makes a new, empty volume. Volume names
 * are unique in the account, so a volume with an explicit `name` is deleted before its
 * replacement is made; an auto-named one gets a fresh name and is replaced after.
 *
 * @example
 * ```ts
 * import * as yotta from "pulumi-yotta";
 *
 * const datasets = new yotta.Volume("datasets", {
 *   storageType: "CEPH",
 *   region: "us-east-1",
 *   sizeInGb: 500,
 * });
 * const trainer = new yotta.Pod("trainer", {
 *   image: "pytorch/pytorch:2.4.0-cuda12.1-cudnn9-runtime",
 *   gpuType: "NVIDIA_H100_80G",
 *   gpuCount: 8,
 *   regions: ["us-east-1"],
 *   volumes: [{ volumeId: datasets.id, mountPath: "/data" }],
 * });
 * ```
 */
export class Volume extends pulumi.dynamic.Resource {
  declare public readonly name: pulumi.Output<string>;
  declare public readonly storageType: pulumi.Output<"S3" | "R2" | "CEPH" | "VENDOR">;
  declare public readonly region: pulumi.Output<string | undefined>;
  /** Size in GB; absent for object storage. */
  declare public readonly sizeInGb: pulumi.Output<number | undefined>;
  declare public readonly vendorVolumeType: pulumi.Output<"NVMe" | "HDD" | undefined>;
  /** `creating`, `active`, `resizing`, `deleting` or `error`. */
  declare public readonly status: pulumi.Output<string>;
  /** How many pods and VMs mount the volume; resize and delete need 0. */
  declare public readonly mountCount: pulumi.Output<number>;
  /** USD per hour for the storage (object storage bills by use and shows 0). */
  declare public readonly cost: pulumi.Output<number | undefined>;
  declare public readonly createdAt: pulumi.Output<string | undefined>;

  constructor(name: string, args: VolumeArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      provider,
      name,
      { ...OUTPUTS, ...args, autonamePrefix: name, ownerKey: ownerKey("volume", name, opts) },
      opts,
      "yotta",
      "Volume",
    );
  }
}
