/**
 * Each emulated kind's routes and lifecycle, from `resources/<kind>s.ts`: the emulator mounts
 * every kind's routes and runs every kind's scheduled steps from this table. A kind of
 * model.ts's `RecordOf` without its entry here is a compile error.
 */
import type { Cloud, Route } from "../cloud";
import type { Kind, RecordOf, Step } from "../model";
import { credentialRoutes } from "./credentials";
import { endpointRoutes, endpointStep } from "./endpoints";
import { podRoutes, podStep } from "./pods";
import { vmRoutes, vmStep } from "./vms";
import { volumeRoutes, volumeStep } from "./volumes";

export interface EmulatedKind<K extends Kind> {
  routes: readonly Route[];
  /** Applies a record's scheduled steps; a kind without a lifecycle has none. */
  step?: (cloud: Cloud) => (record: RecordOf[K], step: Step) => void;
}

export const RESOURCES: { [K in Kind]: EmulatedKind<K> } = {
  pod: { routes: podRoutes, step: podStep },
  endpoint: { routes: endpointRoutes, step: endpointStep },
  volume: { routes: volumeRoutes, step: volumeStep },
  credential: { routes: credentialRoutes },
  vm: { routes: vmRoutes, step: vmStep },
};
