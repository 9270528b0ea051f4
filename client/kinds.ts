/**
 * The API's resource kinds, each declared once. Everything else that goes over the kinds is
 * derived from this map: the client's collections (`client.pods`, …), the providers' dispatch
 * table and stored modules, the SDK's thin providers and the layout test. A kind added here and
 * not elsewhere is a compile error (the tables keyed by {@link Kind}) or a failing layout test
 * (the files a kind needs; docs/design.md lists them).
 */
import type { Transport } from "./core/http";
import type { WatcherOptions } from "./core/watch";
import { Credentials } from "./resources/credentials";
import { Endpoints } from "./resources/endpoints";
import { Pods } from "./resources/pods";
import { Vms } from "./resources/vms";
import { Volumes } from "./resources/volumes";

export * from "./resources/pods";
export * from "./resources/endpoints";
export * from "./resources/volumes";
export * from "./resources/credentials";
export * from "./resources/vms";

/** Each kind's collection class, from `client/resources/<kind>s.ts`. */
const COLLECTIONS = {
  pod: Pods,
  endpoint: Endpoints,
  volume: Volumes,
  credential: Credentials,
  vm: Vms,
} as const satisfies Record<string, new (http: Transport, watch?: WatcherOptions) => object>;

/** `"pod" | "endpoint" | "volume" | "credential" | "vm"`. */
export type Kind = keyof typeof COLLECTIONS;

export const KINDS = Object.keys(COLLECTIONS) as readonly Kind[];

/** A kind's collection on the client: the kind's name plus `s` (`pods`, `vms`). */
export type CollectionName<K extends Kind = Kind> = `${K}s`;

/** The client's collections, one per kind: `{ pods: Pods; endpoints: Endpoints; … }`. */
export type Collections = {
  readonly [K in Kind as CollectionName<K>]: InstanceType<(typeof COLLECTIONS)[K]>;
};

/** What a kind's `get` answers: `LiveRecord<"pod">` is `Pod`. */
export type LiveRecord<K extends Kind> = Awaited<ReturnType<Collections[CollectionName<K>]["get"]>>;

export function collectionName<K extends Kind>(kind: K): CollectionName<K> {
  return `${kind}s`;
}

/** One collection of each kind, all over one transport. */
export function makeCollections(http: Transport, watch?: WatcherOptions): Collections {
  return Object.fromEntries(
    KINDS.map((kind) => [collectionName(kind), new COLLECTIONS[kind](http, watch)]),
  ) as Collections;
}
