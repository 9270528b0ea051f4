import type * as pulumi from "@pulumi/pulumi";

/**
 * How long an operation may wait for the cloud, as a duration such as `"90s"`, `"20m"` or
 * `"1h30m"`. Pulumi's `customTimeouts` option does not reach dynamic providers; use this input.
 */
export interface TimeoutsArgs {
  create?: pulumi.Input<string>;
  update?: pulumi.Input<string>;
  delete?: pulumi.Input<string>;
}

/** A port a pod exposes. */
export interface PortArgs {
  /** 0–65535. */
  port: pulumi.Input<number>;
  protocol: pulumi.Input<"SSH" | "HTTP" | "TCP">;
}

/** An existing volume attached to a pod. */
export interface VolumeMountArgs {
  /** The volume's id (a `Volume`'s `id`). */
  volumeId: pulumi.Input<string>;
  /** Where the volume appears inside the container. */
  mountPath: pulumi.Input<string>;
  /** `CEPH` (default) or `VENDOR`. */
  volumeType?: pulumi.Input<"CEPH" | "VENDOR">;
  needBackup?: pulumi.Input<boolean>;
}

/** A port as the cloud reports it once the pod runs. */
export interface PodPort {
  port: number;
  protocol: string;
  /** The public port that forwards to `port`. */
  proxyPort?: number;
  host?: string;
  /** `true` once the port answers; may lag `RUNNING` by about 30 s. */
  healthy?: boolean;
  url?: string;
}
