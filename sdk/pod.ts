import * as pulumi from "@pulumi/pulumi";
import { ownerKey } from "./internal/stack-key";
import { outputKeys, secretInputs, withSecretOutputs } from "./internal/resource";
import { thinProvider } from "./internal/thin-provider";
import type { PodPort, PortArgs, TimeoutsArgs, VolumeMountArgs } from "./types";

const provider = thinProvider("pod");

// Every output the class declares must be a key of the registered properties, or the engine's
// value never reaches the object.
const OUTPUTS = outputKeys(
  "name",
  "image",
  "gpuType",
  "gpuCount",
  "environment",
  "running",
  "status",
  "placementIndex",
  "region",
  "location",
  "gpuDisplayName",
  "singleCardPrice",
  "hourlyPrice",
  "sshCommand",
  "internalIp",
  "ports",
  "createdAt",
);

/** One acceptable place to run: a GPU type, in any of the given regions. */
export interface PlacementArgs {
  /** GPU code such as `NVIDIA_H100_80G`. */
  gpuType: pulumi.Input<string>;
  /** Regions to accept for this GPU type; any region that sells it when absent. */
  regions?: pulumi.Input<pulumi.Input<string>[]>;
}

/** Everything about a pod but where it runs. */
export interface PodSpecArgs {
  /**
   * The pod's name (1–255 characters). Default: the Pulumi name plus a random suffix. Changing it
   * replaces the pod.
   */
  name?: pulumi.Input<string>;
  /** Container image, e.g. `pytorch/pytorch:2.4.0-cuda12.1-cudnn9-runtime`. Replaces. */
  image: pulumi.Input<string>;
  /** Registry host of a private image; Docker Hub when absent. Replaces. */
  imageRegistry?: pulumi.Input<string>;
  /** `PUBLIC` or `PRIVATE`. Default: `PRIVATE` when `credentialId` is set, else `PUBLIC`. Replaces. */
  imagePublicType?: pulumi.Input<"PUBLIC" | "PRIVATE">;
  /** Id of the registry `Credential` that pulls a private image. Replaces. */
  credentialId?: pulumi.Input<string>;
  /** `GPU` (default) or `CPU`. Replaces. */
  resourceType?: pulumi.Input<"GPU" | "CPU">;
  /** GPUs per pod: a power of two (1, 2, 4, 8). Replaces. */
  gpuCount: pulumi.Input<number>;
  /** Lower bound on each card's VRAM, in GB. Replaces. */
  minSingleCardVramInGb?: pulumi.Input<number>;
  /** Lower bound on host RAM per card, in GB. Replaces. */
  minSingleCardRamInGb?: pulumi.Input<number>;
  /** Lower bound on vCPUs per card. Replaces. */
  minSingleCardVcpu?: pulumi.Input<number>;
  /** Shared memory (`/dev/shm`), in GB. Replaces. */
  shmInGb?: pulumi.Input<number>;
  /** Container disk, in GB; the service's default when absent. Replaces. */
  containerVolumeInGb?: pulumi.Input<number>;
  /** Persistent disk created with the pod, in GB; needs `persistentMountPath`. Replaces. */
  persistentVolumeInGb?: pulumi.Input<number>;
  /** Where the persistent disk is mounted. Replaces. */
  persistentMountPath?: pulumi.Input<string>;
  /** Command run when the container starts. Replaces. */
  initializationCommand?: pulumi.Input<string>;
  /** Environment variables. Stored as a secret output. Replaces. */
  environment?: pulumi.Input<Record<string, pulumi.Input<string>>>;
  /** Ports to expose (SSH, HTTP or TCP). Replaces. */
  expose?: pulumi.Input<pulumi.Input<PortArgs>[]>;
  /** Existing volumes to attach. Replaces. */
  volumes?: pulumi.Input<pulumi.Input<VolumeMountArgs>[]>;
  /**
   * `true` (default) keeps the pod running; `false` pauses it (GPU billing stops, storage stays
   * billed). Changes in place.
   */
  running?: pulumi.Input<boolean>;
  /** Id of an existing pod to manage instead of creating one (see docs/resources.md). */
  adoptId?: pulumi.Input<string>;
  /**
   * Defaults: create 20m, update 20m, delete 10m. With `placements`, every attempt shares the
   * create timeout.
   */
  timeouts?: pulumi.Input<TimeoutsArgs>;
}

/** Where a pod runs, the simple way: one GPU type, in any of the given regions. */
export interface GpuTypePlacementArgs {
  /** GPU code such as `NVIDIA_H100_80G` (see `getGpuTypes()`). Replaces. */
  gpuType: pulumi.Input<string>;
  /** Acceptable regions, e.g. `["us-east-1", "eu-2"]`; any region when absent. Replaces. */
  regions?: pulumi.Input<pulumi.Input<string>[]>;
  placements?: never;
}

/** Where a pod runs, as ordered preferences tried until one has capacity (docs/fleets.md). */
export interface OrderedPlacementArgs {
  /**
   * Acceptable placements, most preferred first. Create tries them in order; a "no capacity"
   * answer moves to the next, any other error stops. The outputs `gpuType`, `region` and
   * `placementIndex` say what was obtained. Replaces.
   */
  placements: pulumi.Input<pulumi.Input<PlacementArgs>[]>;
  gpuType?: never;
  regions?: never;
}

/** A pod's inputs: the spec, and either `gpuType` (with `regions`) or `placements`. */
export type PodArgs = PodSpecArgs & (GpuTypePlacementArgs | OrderedPlacementArgs);

/**
 * A Yotta GPU pod: a container on one or more GPUs.
 *
 * @example
 * ```ts
 * import * as yotta from "pulumi-yotta";
 *
 * const trainer = new yotta.Pod("trainer", {
 *   image: "pytorch/pytorch:2.4.0-cuda12.1-cudnn9-runtime",
 *   gpuType: "NVIDIA_H100_80G",
 *   gpuCount: 8,
 *   regions: ["us-east-1", "us-west-2"],
 *   expose: [{ port: 22, protocol: "SSH" }],
 * });
 * export const ssh = trainer.sshCommand;
 *
 * // H100s in us-east-1 if there is room, else in us-west-2, else A100s anywhere.
 * const flexible = new yotta.Pod("flexible", {
 *   image: "pytorch/pytorch:2.4.0-cuda12.1-cudnn9-runtime",
 *   gpuCount: 4,
 *   placements: [
 *     { gpuType: "NVIDIA_H100_80G", regions: ["us-east-1"] },
 *     { gpuType: "NVIDIA_H100_80G", regions: ["us-west-2"] },
 *     { gpuType: "NVIDIA_A100_80G" },
 *   ],
 * });
 * export const landedIn = flexible.region;
 * ```
 */
export class Pod extends pulumi.dynamic.Resource {
  declare public readonly name: pulumi.Output<string>;
  declare public readonly image: pulumi.Output<string>;
  /** The GPU type: the one given, or the one obtained from `placements`. */
  declare public readonly gpuType: pulumi.Output<string>;
  declare public readonly gpuCount: pulumi.Output<number>;
  declare public readonly environment: pulumi.Output<Record<string, string>>;
  declare public readonly running: pulumi.Output<boolean>;
  /** `PENDING`, `INITIALIZING`, `RUNNING`, `PAUSING`, `PAUSED`, `FAILED`, ... */
  declare public readonly status: pulumi.Output<string>;
  /** With `placements`: which one the pod got, from 0 (0 is the most preferred). */
  declare public readonly placementIndex: pulumi.Output<number | undefined>;
  /** The region the pod landed in. */
  declare public readonly region: pulumi.Output<string | undefined>;
  declare public readonly location: pulumi.Output<string | undefined>;
  declare public readonly gpuDisplayName: pulumi.Output<string | undefined>;
  /** USD per GPU-hour. */
  declare public readonly singleCardPrice: pulumi.Output<number | undefined>;
  /** USD per hour for the whole pod while it runs. */
  declare public readonly hourlyPrice: pulumi.Output<number | undefined>;
  declare public readonly sshCommand: pulumi.Output<string | undefined>;
  declare public readonly internalIp: pulumi.Output<string | undefined>;
  declare public readonly ports: pulumi.Output<PodPort[]>;
  declare public readonly createdAt: pulumi.Output<string | undefined>;

  constructor(name: string, args: PodArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      provider,
      name,
      // Environment values are often tokens: encrypted in the state's inputs as well as outputs.
      {
        ...OUTPUTS,
        ...secretInputs(args, ["environment"]),
        autonamePrefix: name,
        ownerKey: ownerKey("pod", name, opts),
      },
      withSecretOutputs(opts, ["environment"]),
      "yotta",
      "Pod",
    );
  }
}
