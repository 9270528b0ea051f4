import { createHmac, randomBytes } from "node:crypto";
import { UNKNOWN } from "./check";

/**
 * What makes a cloud resource ours: the proof that our own request made it (docs/design.md,
 * "Ownership"). The Yotta API has no idempotency key and no tags; a resource carries back only
 * its name, its `createdAt` and, for pods and endpoints, its environment. So:
 *
 * - **A token** (pods, endpoints): every create sends a random value, unique to that attempt, in
 *   the environment variable {@link CREATE_TOKEN_VAR}. A resource that carries the token was
 *   made by that attempt and no other: the proof is exact.
 * - **A window** (volumes, credentials, VMs, which carry nothing of ours, and a pod or endpoint
 *   whose record does not report its environment): the name was free before the attempt, and the resource's `createdAt` (on the service's clock) falls between
 *   the list taken before the create was sent and the last moment that create could still have
 *   been carried out. Nobody else's resource can pass that unless it was made, under the same
 *   name and spec, within those seconds.
 *
 * On top of either, one cloud resource has one record: an id that a record of this process
 * already holds is never claimed by a second one ({@link noteRecorded}).
 */

/** The environment variable a pod's or an endpoint's create carries its attempt's token in. */
export const CREATE_TOKEN_VAR = "PULUMI_YOTTA_CREATE_TOKEN";

/** A new token for one create attempt: 64 random bits. */
export function newToken(): string {
  return randomBytes(8).toString("hex");
}

/**
 * The token of a create keyed by the resource's owner key: every create of this resource under
 * this name sends the same one, so a run killed in flight and the run after it carry the same
 * proof. The owner key is the SDK's HMAC of the stack's key (a random value kept in the stack's
 * state, `sdk/internal/stack-key.ts`) and the resource's identity: no other stack, and no other
 * resource of this stack, can derive it. Without one (an older program), a random token.
 */
export function createToken(ownerKey: unknown, name: string): string {
  if (!isOwnerKey(ownerKey)) return newToken();
  return createHmac("sha256", ownerKey).update(`token/${name}`).digest("hex").slice(0, 16);
}

/** A usable owner key: a non-empty string, not the engine's marker of an unknown value. */
export function isOwnerKey(value: unknown): value is string {
  return typeof value === "string" && value !== "" && value !== UNKNOWN;
}

/**
 * The create token an environment list carries: the value, `null` when the list has none, and
 * `undefined` when the service reported no environment at all (then nothing can be told by it).
 */
export function tokenIn(
  env: readonly { key: string; value?: unknown }[] | undefined,
): string | null | undefined {
  if (env === undefined) return undefined;
  const entry = env.find((e) => e.key === CREATE_TOKEN_VAR);
  return typeof entry?.value === "string" ? entry.value : null;
}

/** An environment list without the create token: what the user declared. */
export function withoutToken<E extends { key: string }>(env: readonly E[]): E[] {
  return env.filter((e) => e.key !== CREATE_TOKEN_VAR);
}

/** The room left on either side of a window for the service's clock, read to the second. */
export const CLOCK_SLACK_MS = 2_000;

/** What one create attempt proves its resource by; recorded with a pending attempt. */
export interface Evidence {
  /** The token the create sent (pods, endpoints). */
  token?: string;
  /** When the attempt could have made its resource, on the service's clock (epoch ms). */
  window?: { from: number; to: number };
  /** The resources of the kind that carried the name before the create was sent: not ours. */
  knownIds: string[];
}

/** What a resource kind tells the ownership checks about its live resources. */
export interface Ownership<T extends { id: string }> {
  /** `pod`, `volume`, ...: for messages. */
  kind: string;
  name: string;
  /** The service refuses a second resource with the same name (volumes, credentials). */
  uniqueNames: boolean;
  /** The live resources of the kind carrying the name, through a list (which may lag). */
  named: () => Promise<T[]>;
  /** Whether a resource found by name has the spec the create sends (window proof). */
  matches: (found: T) => boolean;
  /**
   * Where the kind's records carry a create token: reads it (`null`: none carried; `undefined`:
   * the record does not report where it would be). Absent, or nothing reported: proof by window.
   */
  tokenOf?: (found: T) => string | null | undefined;
  /** Now on the service's clock (epoch ms), for windows. */
  serverNow: () => number;
  /** What a found resource costs an hour, for messages, where the service reports it. */
  priceOf?: (found: T) => number | undefined;
}

/**
 * Whether `found` was made by the attempt that left `evidence`: it carries the attempt's token;
 * or, where no token can be read (a kind without one, a record that reports no environment), the
 * name was free before the attempt and `found` was created within its window with the spec it
 * sent.
 */
export function proves<T extends { id: string; createdAt?: string }>(
  evidence: Evidence,
  ownership: Pick<Ownership<T>, "matches" | "tokenOf">,
  found: T,
): boolean {
  if (evidence.knownIds.includes(found.id)) return false;
  const carried = ownership.tokenOf?.(found);
  if (evidence.token !== undefined && carried !== undefined) return carried === evidence.token;
  if (evidence.window === undefined || evidence.knownIds.length > 0) return false;
  const createdAt = found.createdAt === undefined ? NaN : Date.parse(found.createdAt);
  return (
    createdAt >= evidence.window.from && createdAt <= evidence.window.to && ownership.matches(found)
  );
}

/** How the search for what an attempt made stands. */
export type Finding<T> =
  /** Exactly one resource carries the proof, and no other record of ours holds it. */
  | { made: T }
  /** The proof holds only for resources other records of this process already hold. */
  | { recorded: T }
  /** More than one resource passes a window: which one the attempt made cannot be told. */
  | { several: T[] }
  /** None carries the proof; `others` have the name but not the proof (not ours). */
  | { none: true; others: T[] };

/**
 * Looks once for what the attempt made. A failed lookup is thrown to the caller. A resource that
 * another create of this process was answered with is that create's (a sibling with the same
 * name and spec), so it is set aside before the proof is counted; one that a record holds
 * otherwise (adopted, read) still counts, and is reported as recorded.
 */
export async function findMade<T extends { id: string; createdAt?: string }>(
  evidence: Evidence,
  ownership: Pick<Ownership<T>, "kind" | "named" | "matches" | "tokenOf">,
): Promise<Finding<T>> {
  const { kind } = ownership;
  const named = await ownership.named();
  const proven = named.filter(
    (r) => proves(evidence, ownership, r) && !answered.has(key(kind, r.id)),
  );
  if (proven.length > 1) return { several: proven };
  const [one] = proven;
  if (one !== undefined) return isRecorded(kind, one.id) ? { recorded: one } : { made: one };
  const others = named.filter((r) => !evidence.knownIds.includes(r.id));
  return { none: true, others };
}

// A create of a kind without a token, while it is being sent: a sibling's resource of the same
// name that appears meanwhile would pass this attempt's window too, so the window decides only
// once every such send of the process has been answered (and its resource recorded).
const sending = new Map<string, number>();

/** Runs a create's send, known to the window proofs of its kind and name meanwhile. */
export async function whileSending<T>(
  kind: string,
  name: string,
  send: () => Promise<T>,
): Promise<T> {
  const key = `${kind}/${name}`;
  sending.set(key, (sending.get(key) ?? 0) + 1);
  try {
    return await send();
  } finally {
    const left = (sending.get(key) ?? 1) - 1;
    if (left === 0) sending.delete(key);
    else sending.set(key, left);
  }
}

/** Whether a create of this kind and name is being sent by this process now. */
export function isSending(kind: string, name: string): boolean {
  return sending.has(`${kind}/${name}`);
}

// One cloud resource, one record. Every id the engine hands this process for a record (diff,
// read, update, delete) or that a create of this process records is held here, so no pending
// attempt settles onto a resource another record of the stack already holds. The ids creates
// were answered with are held apart too: they are explained, and no other attempt can claim them.
const recorded = new Set<string>();
const answered = new Set<string>();
// The names of the resources records hold, kind by kind: a keyed auto-name they hold is not
// given to a replacement (provider/naming.ts).
const heldNames = new Set<string>();

function key(kind: string, id: string): string {
  return `${kind}/${id}`;
}

/** A record of this process holds the resource `id` of `kind` (named `name`, where known). */
export function noteRecorded(kind: string, id: string, name?: unknown): void {
  recorded.add(key(kind, id));
  if (typeof name === "string" && name !== "") heldNames.add(key(kind, name));
}

/** Whether a record of this process holds a resource of `kind` named `name`. */
export function isHeldName(kind: string, name: string): boolean {
  return heldNames.has(key(kind, name));
}

/** A create of this process was answered with `id`: its resource, recorded by it. */
export function noteAnswered(kind: string, id: string): void {
  answered.add(key(kind, id));
  recorded.add(key(kind, id));
}

export function isRecorded(kind: string, id: string): boolean {
  return recorded.has(key(kind, id));
}

/** For tests: forgets every record, as a new provider process would. */
export function forgetRecorded(): void {
  recorded.clear();
  answered.clear();
  heldNames.clear();
}

/** The ids of resources, for messages: `pod 12, pod 34`. */
export function listIds(kind: string, resources: readonly { id: string }[]): string {
  return resources.map((r) => `${kind} ${r.id}`).join(", ");
}
