import * as pulumi from "@pulumi/pulumi";
import { ownerKey } from "./internal/stack-key";
import { outputKeys, secretInputs, withSecretOutputs } from "./internal/resource";
import { thinProvider } from "./internal/thin-provider";
import type { TimeoutsArgs } from "./types";

const provider = thinProvider("credential");

// Every output the class declares must be a key of the registered properties, or the engine's
// value never reaches the object.
const OUTPUTS = outputKeys("name", "type", "username", "password", "createdAt");

export type CredentialType = "DOCKER_HUB" | "GCR" | "ECR" | "ACR" | "PRIVATE";

export interface CredentialArgs {
  /**
   * The credential's name: a letter first, then at most 19 more letters, digits or `@._-`; unique
   * in the account. Default: the Pulumi name plus a random suffix. Changing it renames in place.
   */
  name?: pulumi.Input<string>;
  /** The registry kind: `DOCKER_HUB`, `GCR`, `ECR`, `ACR` or `PRIVATE`; the service's default when absent. Replaces. */
  type?: pulumi.Input<CredentialType>;
  /** Registry user name, 1–255 characters. Changes in place. */
  username: pulumi.Input<string>;
  /**
   * Registry password or access token, 1–255 characters. Changing it rotates the secret in place.
   * Stored as a secret output. The service never returns it, so a change made outside Pulumi
   * cannot be detected.
   */
  password: pulumi.Input<string>;
  /**
   * Id of an existing credential to manage instead of creating one. Its name and type must match;
   * the declared username and password are set on it (see docs/resources.md).
   */
  adoptId?: pulumi.Input<string>;
  /** Accepted for uniformity; nothing about a credential waits on the cloud. */
  timeouts?: pulumi.Input<TimeoutsArgs>;
}

/**
 * A container-registry credential that pods and endpoints use to pull private images.
 *
 * @example
 * ```ts
 * import * as pulumi from "@pulumi/pulumi";
 * import * as yotta from "pulumi-yotta";
 *
 * const config = new pulumi.Config();
 * const ghcr = new yotta.Credential("ghcr", {
 *   type: "PRIVATE",
 *   username: "my-bot",
 *   password: config.requireSecret("ghcrToken"),
 * });
 * const app = new yotta.Pod("app", {
 *   image: "my-org/app:1.4",
 *   imageRegistry: "ghcr.io",
 *   credentialId: ghcr.id,
 *   gpuType: "NVIDIA_RTX_4090_24G",
 *   gpuCount: 1,
 * });
 * ```
 */
export class Credential extends pulumi.dynamic.Resource {
  declare public readonly name: pulumi.Output<string>;
  declare public readonly type: pulumi.Output<CredentialType | undefined>;
  declare public readonly username: pulumi.Output<string>;
  /** Always a secret. */
  declare public readonly password: pulumi.Output<string>;
  declare public readonly createdAt: pulumi.Output<string | undefined>;

  constructor(name: string, args: CredentialArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      provider,
      name,
      {
        ...OUTPUTS,
        ...secretInputs(args, ["password"]),
        autonamePrefix: name,
        ownerKey: ownerKey("credential", name, opts),
      },
      withSecretOutputs(opts, ["password"]),
      "yotta",
      "Credential",
    );
  }
}
