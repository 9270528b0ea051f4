import type { Kind } from "../client";
import { STORAGE_TYPES } from "../client/core/rules";
import { yotta } from "./config";
import * as credential from "./credential";
import * as endpoint from "./endpoint";
import { proves } from "./ownership";
import { attemptOf, type Attempt } from "./pending";
import * as pod from "./pod";
import * as vm from "./vm";
import * as volume from "./volume";

/**
 * What an account holds that no stack records: the leaked GPUs a killed `pulumi up`, a
 * `pulumi state delete` or a hand-made pod leave billing. The `unmanaged` command
 * (sdk/unmanaged) reads the stacks' states and asks this module what is left over.
 */

/** What the given stacks' states record, kind by kind. */
export interface Records {
  /** Each record with a cloud id. */
  ids: { kind: Kind; id: string }[];
  /**
   * Each record whose create had an unknown outcome (provider/pending.ts), with its stored
   * outputs: the resource its attempt made, proven as the provider proves it, is recorded too.
   */
  pending: { kind: Kind; props: Record<string, unknown> }[];
  /**
   * Creates that were in flight when a run was killed (the state's pending operations), by the
   * name they were sent with: what they made is not recorded, but the report says where it came
   * from.
   */
  inFlight: { kind: Kind; name: string; stack: string; urn: string }[];
}

/** A live resource that none of the records holds. */
export interface Unmanaged {
  kind: Kind;
  id: string;
  name: string;
  status: string;
  /** ISO 8601, as the service reports it. */
  createdAt?: string;
  /** USD per hour while it exists, where the service reports a price. */
  hourlyPrice?: number;
  /** Where it likely came from: a killed run's in-flight create of the same name. */
  origin?: string;
}

interface Live {
  kind: Kind;
  id: string;
  name: string;
  status: string;
  createdAt?: string;
  hourlyPrice?: number;
  /** Whether the attempt a pending record of this kind keeps made this resource. */
  madeBy(attempt: Attempt, props: Record<string, unknown>): boolean;
}

/** Every live resource of the account (the provider's configured one), kind by kind. */
async function liveResources(): Promise<Live[]> {
  const client = yotta();
  const out: Live[] = [];
  const add = (
    kind: Kind,
    r: { id: string; name?: string; status?: string; createdAt?: string },
    madeBy: Live["madeBy"],
    hourlyPrice?: number,
  ) =>
    out.push({
      kind,
      id: r.id,
      name: r.name ?? "",
      status: r.status ?? "",
      createdAt: r.createdAt,
      hourlyPrice,
      madeBy,
    });
  for (const p of await client.pods.list()) {
    if (p.status === "TERMINATING" || p.status === "TERMINATED") continue;
    const price =
      p.singleCardPrice === undefined ? undefined : round(p.singleCardPrice * (p.gpuCount ?? 1));
    add("pod", p, (a, props) => proves(a, pod.ownership(props), p), price);
  }
  for (const e of await client.endpoints.list()) {
    if (e.status === "TERMINATED") continue;
    const madeBy: Live["madeBy"] = (a, props) => proves(a, endpoint.ownership(props), e);
    add("endpoint", e, madeBy, e.perHourPrice ?? e.cost);
  }
  for (const storageType of STORAGE_TYPES) {
    for await (const v of client.volumes.list({ storageType })) {
      if (v.status === "deleting") continue;
      add("volume", v, (a, props) => proves(a, volume.ownership(props), v), v.cost);
    }
  }
  for (const c of await client.credentials.list()) {
    add("credential", c, (a, props) => proves(a, credential.ownership(props), c));
  }
  for await (const v of client.vms.list()) {
    if (/^terminated$/i.test(v.status)) continue;
    add("vm", v, (a, props) => proves(a, vm.ownership(props), v));
  }
  return out;
}

/**
 * The live resources of the account that none of `records` holds. A resource a pending record's
 * attempt made, by the provider's own proof, counts as held: the next `pulumi refresh` or `up`
 * of that stack settles it.
 */
export async function findUnmanaged(records: Records): Promise<Unmanaged[]> {
  const held = new Set(records.ids.map((r) => `${r.kind}/${r.id}`));
  const live = await liveResources();
  for (const { kind, props } of records.pending) {
    const attempt = attemptOf(props);
    if (!attempt) continue;
    for (const r of live) {
      if (r.kind === kind && r.name === attempt.name && r.madeBy(attempt, props)) {
        held.add(`${kind}/${r.id}`);
      }
    }
  }
  return live
    .filter((r) => !held.has(`${r.kind}/${r.id}`))
    .map(({ madeBy: _madeBy, ...r }) => {
      const killed = records.inFlight.find((f) => f.kind === r.kind && f.name === r.name);
      if (!killed) return r;
      return {
        ...r,
        origin: `the create of ${killed.urn} in a run of stack ${killed.stack} that was killed`,
      };
    });
}

function round(n: number): number {
  return Math.round(n * 10_000) / 10_000;
}
