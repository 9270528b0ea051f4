/**
 * pulumi-yotta: the Yotta Labs GPU cloud as Pulumi resources.
 *
 * ```ts
 * import * as yotta from "pulumi-yotta";
 * const pod = new yotta.Pod("trainer", { image: "pytorch/pytorch", gpuType: "NVIDIA_H100_80G", gpuCount: 8 });
 * ```
 */
export {
  Pod,
  type PodArgs,
  type PodSpecArgs,
  type PlacementArgs,
  type GpuTypePlacementArgs,
  type OrderedPlacementArgs,
} from "./pod";
export {
  GpuFleet,
  type GpuFleetArgs,
  type FleetTemplateArgs,
  type FleetPlacementArgs,
  type SharedVolumeArgs,
  type FleetReplica,
} from "./fleet";
export {
  budgetArgsProblems,
  budgetViolations,
  costOverrun,
  podsInStack,
  stackBudgetViolations,
  tallyCost,
  POD_TYPE,
  type BudgetArgs,
  type BudgetVerdict,
  type PlacementPlan,
  type PodDemand,
  type PricedReplica,
  type StackResource,
} from "./budget";
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
