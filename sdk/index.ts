/**
 * pulumi-yotta: the Yotta Labs GPU cloud as Pulumi resources.
 *
 * ```ts
 * import * as yotta from "pulumi-yotta";
 * const pod = new yotta.Pod("trainer", { image: "pytorch/pytorch", gpuType: "NVIDIA_H100_80G", gpuCount: 8 });
 * ```
 */
export { Pod, type PodArgs } from "./pod";
export {
  Endpoint,
  type EndpointArgs,
  type EndpointResourceArgs,
  type EndpointExposeArgs,
} from "./endpoint";
export { Volume, type VolumeArgs } from "./volume";
export { Credential, type CredentialArgs, type CredentialType } from "./credential";
export { Vm, type VmArgs } from "./vm";
export {
  getGpuTypes,
  listPods,
  listEndpoints,
  listVolumes,
  listCredentials,
  type GpuTypeAvailability,
  type LookupOptions,
} from "./lookups";
export type * from "./types";
export * from "./drift";
