import * as pulumi from "@pulumi/pulumi";
import { ownerKey } from "./internal/stack-key";
import { outputKeys, secretInputs, withSecretOutputs } from "./internal/resource";
import { thinProvider } from "./internal/thin-provider";
import type { TimeoutsArgs } from "./types";

const provider = thinProvider("endpoint");

// Every output the class declares must be a key of the registered properties, or the engine's
// value never reaches the object.
const OUTPUTS = outputKeys(
  "name",
  "image",
  "serviceMode",
  "resources",
  "workers",
  "containerVolumeInGb",
  "environment",
  "expose",
  "webhook",
  "running",
  "status",
  "totalWorkers",
  "runningWorkers",
  "perHourPrice",
  "cost",
  "domain",
  "createdAt",
);

/** Where an endpoint's workers may run: one GPU type in one region. */
export interface EndpointResourceArgs {
  /** A region code such as `us-east-1`. */
  region: pulumi.Input<string>;
  /** A GPU code such as `NVIDIA_RTX_4090_24G`. */
  gpuType: pulumi.Input<string>;
  /** GPUs per worker: a power of two (1, 2, 4, 8); the same in every entry. */
  gpuCount: pulumi.Input<number>;
}

/** The port an endpoint's workers serve on. */
export interface EndpointExposeArgs {
  /** 1–65535. */
  port: pulumi.Input<number>;
  /** `http` or `tcp` (any case; stored lowercase). */
  protocol: pulumi.Input<string>;
}

export interface EndpointArgs {
  /**
   * The endpoint's name: a letter first, then at most 19 of `A-Z a-z 0-9 @ . _ -`. Default: the
   * Pulumi name plus a random suffix. Changing it renames the endpoint in place. A replacement
   * that keeps an explicit name deletes the old endpoint before creating the new one.
   */
  name?: pulumi.Input<string>;
  /** Container image, e.g. `vllm/vllm-openai:latest` (1–255 characters). Replaces. */
  image: pulumi.Input<string>;
  /** Registry host of a private image; Docker Hub when absent. Replaces. */
  imageRegistry?: pulumi.Input<string>;
  /**
   * Id of the registry `Credential` that pulls a private image. Setting or changing it updates
   * in place; removing it replaces the endpoint.
   */
  credentialId?: pulumi.Input<string>;
  /**
   * Where workers may run, at least one entry; every entry has the same `gpuCount`. The order
   * does not matter. Updates in place (the workers are redeployed).
   */
  resources: pulumi.Input<pulumi.Input<EndpointResourceArgs>[]>;
  /** Workers to keep running, at least 1. A change of this alone is the scale call. */
  workers: pulumi.Input<number>;
  /** Container disk per worker, in GB; at least 20. Updates in place. */
  containerVolumeInGb: pulumi.Input<number>;
  /** Lower bound on each card's VRAM, in GB. Updates in place. */
  minSingleCardVramInGb?: pulumi.Input<number>;
  /** Lower bound on host RAM per card, in GB. Updates in place. */
  minSingleCardRamInGb?: pulumi.Input<number>;
  /** Lower bound on vCPUs per card. Updates in place. */
  minSingleCardVcpu?: pulumi.Input<number>;
  /** Command run when a worker's container starts. Updates in place. */
  initializationCommand?: pulumi.Input<string>;
  /** Environment variables of every worker. Stored as a secret output. Updates in place. */
  environment?: pulumi.Input<Record<string, pulumi.Input<string>>>;
  /**
   * The port workers serve on. Setting or changing it updates in place; removing it replaces
   * the endpoint.
   */
  expose?: pulumi.Input<EndpointExposeArgs>;
  /**
   * `ALB` (requests go straight to the workers through a load balancer), `QUEUE` (tasks are
   * queued and handed out) or `CUSTOM`. Replaces.
   */
  serviceMode: pulumi.Input<"ALB" | "QUEUE" | "CUSTOM">;
  /** URL notified of worker status changes (at most 512 characters). Updates in place. */
  webhook?: pulumi.Input<string>;
  /**
   * `true` (default) keeps the endpoint running with `workers` workers; `false` stops it (no
   * workers, nothing billed for GPUs). Changes in place.
   */
  running?: pulumi.Input<boolean>;
  /** Id of an existing endpoint to manage instead of creating one (see docs/resources.md). */
  adoptId?: pulumi.Input<string>;
  /** Defaults: create 20m (a first start takes minutes), update 20m, delete 10m. */
  timeouts?: pulumi.Input<TimeoutsArgs>;
}

/**
 * A Yotta serverless endpoint: a pool of GPU workers running one image, scaled by `workers`.
 * `up` waits until the requested workers run; when they fail to start, the error quotes the
 * end of their logs.
 *
 * @example
 * ```ts
 * import * as yotta from "pulumi-yotta";
 *
 * const llm = new yotta.Endpoint("llm", {
 *   image: "vllm/vllm-openai:latest",
 *   resources: [
 *     { region: "us-east-1", gpuType: "NVIDIA_RTX_4090_24G", gpuCount: 1 },
 *     { region: "us-west-1", gpuType: "NVIDIA_RTX_4090_24G", gpuCount: 1 },
 *   ],
 *   workers: 2,
 *   containerVolumeInGb: 100,
 *   serviceMode: "ALB",
 *   expose: { port: 8000, protocol: "http" },
 *   environment: { MODEL: "meta-llama/Llama-3.1-8B-Instruct" },
 * });
 * export const domain = llm.domain;
 * ```
 */
export class Endpoint extends pulumi.dynamic.Resource {
  declare public readonly name: pulumi.Output<string>;
  declare public readonly image: pulumi.Output<string>;
  declare public readonly serviceMode: pulumi.Output<"ALB" | "QUEUE" | "CUSTOM">;
  /** The resources in canonical order (by region, then GPU type). */
  declare public readonly resources: pulumi.Output<
    { region: string; gpuType: string; gpuCount: number }[]
  >;
  declare public readonly workers: pulumi.Output<number>;
  declare public readonly containerVolumeInGb: pulumi.Output<number>;
  declare public readonly environment: pulumi.Output<Record<string, string>>;
  declare public readonly expose: pulumi.Output<{ port: number; protocol: string } | undefined>;
  declare public readonly webhook: pulumi.Output<string | undefined>;
  declare public readonly running: pulumi.Output<boolean>;
  /** `INITIALIZING`, `RUNNING`, `STOPPING`, `STOPPED` or `FAILED`. */
  declare public readonly status: pulumi.Output<string>;
  /** Workers asked for, as the service counts them. */
  declare public readonly totalWorkers: pulumi.Output<number | undefined>;
  declare public readonly runningWorkers: pulumi.Output<number | undefined>;
  /** USD per hour for one worker, as the service reports it. */
  declare public readonly perHourPrice: pulumi.Output<number | undefined>;
  /** USD per hour for the workers running now, as the service reports it. */
  declare public readonly cost: pulumi.Output<number | undefined>;
  /** The endpoint's host name, when the service reports one. */
  declare public readonly domain: pulumi.Output<string | undefined>;
  /** ISO 8601. */
  declare public readonly createdAt: pulumi.Output<string | undefined>;

  constructor(name: string, args: EndpointArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      provider,
      name,
      {
        ...OUTPUTS,
        ...secretInputs(args, ["environment"]),
        autonamePrefix: name,
        ownerKey: ownerKey("endpoint", name, opts),
      },
      withSecretOutputs(opts, ["environment"]),
      "yotta",
      "Endpoint",
    );
  }
}
