import { randomBytes } from "node:crypto";
import { waitFor, YottaError } from "../client";
import { lookWindowMs, pollInterval } from "./config";
import { ResourceInitError } from "./init-error";
import { progress } from "./progress";

/**
 * Creating a resource exactly once, and only ever calling ours what our own request made.
 *
 * The Yotta API has no idempotency key. So before a create we note which resources of the kind
 * already carry the name (they are not ours, whatever their spec), and after a failure whose
 * outcome is unknown we adopt only a match that was not there before. Pod, endpoint and VM names
 * are not unique, so for them a second POST could make a second GPU: it is never sent while the
 * first may still commit. Volume and credential names are unique, so there the service itself
 * refuses a second resource and a re-send is safe. When the outcome is still unknown at the
 * deadline, the attempt is recorded in the state under a pending id (see {@link PENDING_KEY}),
 * and the next `up`, `refresh` or `destroy` settles it by looking again. docs/resources.md has
 * the table of faults and what each one leads to.
 */

/** Where a pending record keeps what its create attempt needs to be settled later. */
export const PENDING_KEY = "__pendingCreate";

const PENDING_PREFIX = "pending-";

/**
 * How long after a create that failed ambiguously a resource it made could still appear: well
 * past any list lag and any request the service could still be processing. Within this window,
 * finding nothing proves nothing; after it, a lookup that finds nothing means nothing was made.
 */
export const LOOK_WINDOW_MS = 5 * 60_000;

/** How many times a create is sent again where the service holds names unique. */
const UNIQUE_RESENDS = 2;

/** What a pending record remembers of its create attempt. */
export interface Attempt {
  kind: string;
  name: string;
  /** The resources of the kind that carried the name before the create was sent: not ours. */
  knownIds: string[];
  /** When the create was sent (epoch ms). */
  sentAt: number;
  /** After this (epoch ms), a lookup that finds no match means the attempt made nothing. */
  settledBy: number;
  /** Why the outcome is unknown. */
  reason: string;
}

/** What a resource kind tells this module about finding its own. */
export interface Ownership<T extends { id: string }> {
  /** `pod`, `volume`, ...: for messages. */
  kind: string;
  name: string;
  /** The service refuses a second resource with the same name (volumes, credentials). */
  uniqueNames: boolean;
  /** The live resources of the kind carrying the name, through a list (which may lag). */
  named: () => Promise<T[]>;
  /** Whether a resource found by name is live and has the spec this create sends. */
  matches: (found: T) => boolean;
}

export interface CreateOwnedOptions<T extends { id: string }> extends Ownership<T> {
  create: () => Promise<T>;
  /** Reads back a resource by id, for a success answer that carried an id but no usable record. */
  get: (id: string) => Promise<T>;
  /** The create deadline (epoch ms). */
  deadline: number;
  /** The checked inputs and the raw ones (with `__provider`), to record a resource that exists. */
  inputs: Record<string, unknown>;
  raw: Record<string, unknown>;
}

/**
 * A create whose failure leaves us unsure whether the cloud made the resource: the connection
 * dropped or timed out after the request went out, the server failed (possibly after the work),
 * or a success answer came back that cannot be read. Every other failure (bad parameters, auth, a
 * rate limit answered before any work) means nothing was made.
 */
export function isAmbiguous(error: unknown): boolean {
  if (!YottaError.isInstance(error)) return false;
  return (
    error.kind === "connection" ||
    error.kind === "timeout" ||
    error.kind === "server" ||
    error.kind === "response_validation"
  );
}

/**
 * Creates the resource once. A name a unique-name kind already uses is refused before anything is
 * sent. After an ambiguous failure the resource is looked for, with backoff and tolerating failed
 * lookups, until it appears or the look window (bounded by the deadline) ends; then the outcome
 * is unknown and the attempt is recorded under a pending id, failing this deployment.
 */
export async function createOwned<T extends { id: string }>(
  options: CreateOwnedOptions<T>,
): Promise<T> {
  const { kind, name } = options;
  const before = await options.named();
  const knownIds = before.map((r) => r.id);
  if (options.uniqueNames && before.length > 0) throw nameTaken(kind, name, knownIds);

  const sentAt = Date.now();
  try {
    return await options.create();
  } catch (error) {
    if (!isAmbiguous(error)) throw error;
    const createdId = (error as { createdId?: unknown }).createdId;
    if (typeof createdId === "string" && createdId !== "") {
      throw unreadable(options, createdId, error as Error);
    }
    progress(
      kind,
      name,
      `the create call failed (${(error as Error).message}); looking for what it made before anything is sent again`,
    );
    return await lookFor(options, { knownIds, sentAt, firstError: error as Error });
  }
}

async function lookFor<T extends { id: string }>(
  options: CreateOwnedOptions<T>,
  attempt: { knownIds: string[]; sentAt: number; firstError: Error },
): Promise<T> {
  const { kind, name } = options;
  const known = new Set(attempt.knownIds);
  const settledBy = attempt.sentAt + lookWindowMs(LOOK_WINDOW_MS);
  let resends = options.uniqueNames ? UNIQUE_RESENDS : 0;
  let reason = attempt.firstError.message;

  const probe = async (): Promise<Probe<T>> => {
    let found: T[];
    try {
      found = (await options.named()).filter((r) => !known.has(r.id) && options.matches(r));
    } catch (error) {
      reason = `looking it up failed: ${(error as Error).message}`;
      return { status: "lookup failed" };
    }
    if (found.length === 1) return { status: "found", resource: found[0]! };
    if (found.length > 1) return { status: "several", several: found };
    // Nothing listed yet. Where names are unique the service refuses a second resource, so
    // sending again cannot duplicate: it either makes the one resource or says the name is taken
    // (then the first attempt made it, and it will show up in the list).
    if (resends > 0) {
      resends--;
      try {
        return { status: "found", resource: await options.create() };
      } catch (error) {
        if (YottaError.isInstance(error) && !isAmbiguous(error)) resends = 0;
        reason = `sending the create again failed: ${(error as Error).message}`;
      }
    }
    return { status: "not listed yet" };
  };

  let outcome: Probe<T>;
  try {
    outcome = await waitFor(probe, {
      done: (p) => p.status === "found" || p.status === "several",
      deadline: Math.min(options.deadline, settledBy),
      interval: pollInterval(),
      describe: `${kind} ${name} to show up`,
    });
  } catch {
    const pending: Attempt = {
      kind,
      name,
      knownIds: attempt.knownIds,
      sentAt: attempt.sentAt,
      settledBy,
      reason,
    };
    throw new ResourceInitError(
      `${kind} ${name}: the create call failed and whether it made the ${kind} is still unknown ` +
        `(${reason}). Nothing was sent again. The attempt is recorded; the next \`pulumi up\` ` +
        `(or refresh, or destroy) looks for it again and keeps or removes what it made.`,
      pendingId(),
      { ...options.inputs, [PENDING_KEY]: pending },
      options.raw,
    );
  }
  if (outcome.status === "several") {
    const ids = outcome.several!.map((r) => r.id).join(", ");
    throw new Error(
      `${kind} ${name}: the create call failed, and since then ${outcome.several!.length} ` +
        `${kind}s with this name and spec appeared (${ids}); one of them may be ours, the others ` +
        `were made by someone else at the same time. None was adopted. Delete the ones you do ` +
        `not want, then adopt the one to keep with adoptId.`,
    );
  }
  progress(kind, name, `the create call failed, but it made ${kind} ${outcome.resource!.id}: kept`);
  return outcome.resource!;
}

interface Probe<T> {
  status: "found" | "several" | "lookup failed" | "not listed yet";
  resource?: T;
  several?: T[];
}

/** The create succeeded but its answer cannot be read: record the id, read the rest later. */
function unreadable(
  options: Pick<CreateOwnedOptions<{ id: string }>, "kind" | "name" | "inputs" | "raw">,
  id: string,
  error: Error,
): ResourceInitError {
  return new ResourceInitError(
    `${options.kind} ${options.name}: created as ${options.kind} ${id}, but the answer could not be ` +
      `read (${error.message}); it is recorded, and the next \`pulumi up\` reads it again`,
    id,
    { ...options.inputs, id },
    options.raw,
  );
}

function nameTaken(kind: string, name: string, ids: string[]): Error {
  const which = ids.map((id) => `${kind} ${id}`).join(", ");
  return new Error(
    `${kind} name "${name}" is already taken by ${which}, which this stack did not make. ` +
      `To manage that ${kind} here, set adoptId: "${ids[0]}"; otherwise choose another name.`,
  );
}

function pendingId(): string {
  return `${PENDING_PREFIX}${randomBytes(8).toString("hex")}`;
}

/** True for the id of a record whose create attempt has an unknown outcome. */
export function isPendingId(id: unknown): id is string {
  return typeof id === "string" && id.startsWith(PENDING_PREFIX);
}

/** The attempt a pending record keeps, read leniently from the stored outputs. */
export function attemptOf(props: Record<string, unknown>): Attempt | undefined {
  const a = props[PENDING_KEY] as Partial<Attempt> | undefined;
  if (a === null || typeof a !== "object") return undefined;
  if (typeof a.name !== "string" || typeof a.settledBy !== "number") return undefined;
  return {
    kind: typeof a.kind === "string" ? a.kind : "resource",
    name: a.name,
    knownIds: Array.isArray(a.knownIds) ? a.knownIds.map(String) : [],
    sentAt: typeof a.sentAt === "number" ? a.sentAt : 0,
    settledBy: a.settledBy,
    reason: typeof a.reason === "string" ? a.reason : "",
  };
}

/** How a pending attempt stands now. */
export type Settled<T> = { made: T } | { nothing: true } | { unknown: string } | { several: T[] };

/**
 * Looks once for what a pending attempt made: a match not known before the attempt. Nothing
 * found counts as "nothing was made" only once the look window has passed.
 */
export async function settleAttempt<T extends { id: string }>(
  attempt: Attempt,
  ownership: Pick<Ownership<T>, "named" | "matches">,
  now: number = Date.now(),
): Promise<Settled<T>> {
  const known = new Set(attempt.knownIds);
  let found: T[];
  try {
    found = (await ownership.named()).filter((r) => !known.has(r.id) && ownership.matches(r));
  } catch (error) {
    return { unknown: `looking it up failed: ${(error as Error).message}` };
  }
  if (found.length === 1) return { made: found[0]! };
  if (found.length > 1) return { several: found };
  if (now >= attempt.settledBy) return { nothing: true };
  return { unknown: "nothing is listed yet, and a late create could still appear" };
}
