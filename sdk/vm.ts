import * as pulumi from "@pulumi/pulumi";
import { ownerKey } from "./internal/stack-key";
import { outputKeys } from "./internal/resource";
import { thinProvider } from "./internal/thin-provider";
import type { TimeoutsArgs } from "./types";

const provider = thinProvider("vm");

// Every output the class declares must be a key of the registered properties, or the engine's
// value never reaches the object.
const OUTPUTS = outputKeys(
  "name",
  "gpuType",
  "region",
  "isSpot",
  "volumeMountPaths",
  "vmTypeId",
  "status",
  "ipAddress",
  "sshTemplate",
  "cpuCores",
  "memoryInGb",
  "gpuCount",
  "gpuMemoryInGb",
  "storageInGb",
  "gpuDisplayName",
  "createdAt",
);

export interface VmArgs {
  /** The VM's name (1–255 characters). Default: the Pulumi name plus a random suffix. Renames in place. */
  name?: pulumi.Input<string>;
  /** GPU code such as `NVIDIA_H100_80G`. Replaces. */
  gpuType: pulumi.Input<string>;
  /**
   * Region such as `us-east-1`. The GPU type must be available there when the VM is created;
   * otherwise the create fails listing the regions where it is. Replaces.
   */
  region: pulumi.Input<string>;
  /** A spot (interruptible, cheaper) VM. Default `false`. Replaces. */
  isSpot?: pulumi.Input<boolean>;
  /**
   * Volumes to mount: volume id → absolute path, e.g. `{ [volumeId]: "/home/ubuntu/data" }`. Build
   * it with `apply` when the id comes from a `Volume`. Replaces.
   */
  volumeMountPaths?: pulumi.Input<Record<string, pulumi.Input<string>>>;
  /**
   * Id of an existing VM to manage instead of creating one. Its name, GPU type, region and spot
   * flag must match (see docs/resources.md).
   */
  adoptId?: pulumi.Input<string>;
  /** Defaults: create 20m, update 5m, delete 10m. */
  timeouts?: pulumi.Input<TimeoutsArgs>;
}

/**
 * A Yotta GPU virtual machine with SSH access.
 *
 * There is no stop or start call: a VM runs until it is deleted (terminated). Only `name` changes
 * in place; every other input replaces the VM, and its local disk with it.
 *
 * @example
 * ```ts
 * import * as yotta from "pulumi-yotta";
 *
 * const home = new yotta.Volume("home", { storageType: "CEPH", region: "us-east-1", sizeInGb: 200 });
 * const box = new yotta.Vm("devbox", {
 *   gpuType: "NVIDIA_RTX_4090_24G",
 *   region: "us-east-1",
 *   volumeMountPaths: home.id.apply((id) => ({ [id]: "/home/ubuntu/data" })),
 * });
 * export const ssh = box.sshTemplate;
 * ```
 */
export class Vm extends pulumi.dynamic.Resource {
  declare public readonly name: pulumi.Output<string>;
  declare public readonly gpuType: pulumi.Output<string>;
  declare public readonly region: pulumi.Output<string>;
  declare public readonly isSpot: pulumi.Output<boolean>;
  declare public readonly volumeMountPaths: pulumi.Output<Record<string, string>>;
  /** The VM type the GPU type and region resolved to when the VM was created. */
  declare public readonly vmTypeId: pulumi.Output<string | undefined>;
  /** `initializing`, `running`, `stopped` or `terminated`. */
  declare public readonly status: pulumi.Output<string>;
  declare public readonly ipAddress: pulumi.Output<string | undefined>;
  /** The ssh command that reaches the VM, e.g. `ssh ubuntu@203.0.113.7`. */
  declare public readonly sshTemplate: pulumi.Output<string | undefined>;
  declare public readonly cpuCores: pulumi.Output<number | undefined>;
  /** Host memory, in GB. */
  declare public readonly memoryInGb: pulumi.Output<number | undefined>;
  declare public readonly gpuCount: pulumi.Output<number | undefined>;
  /** Memory per GPU, in GB. */
  declare public readonly gpuMemoryInGb: pulumi.Output<number | undefined>;
  /** Local disk, in GB. */
  declare public readonly storageInGb: pulumi.Output<number | undefined>;
  /** The GPU's marketing name, e.g. `RTX 4090`. */
  declare public readonly gpuDisplayName: pulumi.Output<string | undefined>;
  declare public readonly createdAt: pulumi.Output<string | undefined>;

  constructor(name: string, args: VmArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      provider,
      name,
      { ...OUTPUTS, ...args, autonamePrefix: name, ownerKey: ownerKey("vm", name, opts) },
      opts,
      "yotta",
      "Vm",
    );
  }
}
