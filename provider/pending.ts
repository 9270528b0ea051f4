import { randomBytes } from "node:crypto";
import type * as pulumi from "@pulumi/pulumi";
import { waitFor } from "../client";
import { pollInterval } from "./config";
import {
  CLOCK_SLACK_MS,
  findMade,
  listIds,
  noteRecorded,
  type Evidence,
  type Finding,
  type Ownership,
} from "./ownership";
import { progress } from "./progress";

/**
 * Records whose create had an unknown outcome (provider/create.ts records them): their id is a
 * pending id, never sent to the API, and the attempt is kept in the outputs under
 * {@link PENDING_KEY}. Nothing here ever calls the API with the pending id: each call looks for
 * the resource the attempt made, by its proof (provider/ownership.ts), and nothing else.
 *
 * - `diff`: always a replacement, deleting first: the delete removes what the attempt made and a
 *   normal create follows. With `adoptId` in the new inputs the delete leaves the resource it
 *   names alone, and the create adopts it. (The program says so again on every run: a run killed
 *   between the two finds no record, and its create adopts.)
 * - `delete`: deletes what the attempt made, if anything: a resource with the attempt's proof
 *   that no other record holds. While the outcome is still unknown it waits (the look window at
 *   most), then fails and the record stays. Once the window has passed, a resource without the
 *   proof is never deleted: the record goes and the message names what was left.
 * - `read` (refresh): what the attempt made takes the record's place, under its real id; once
 *   the window has passed with nothing made, the record is dropped; while unknown it stays.
 */

/** The key under which a pending record keeps what its create attempt needs to be settled later. */
export const PENDING_KEY = "__pendingCreate";

const PENDING_PREFIX = "pending-";

/** What a pending record remembers of its create attempt (stored; read leniently). */
export interface Attempt extends Evidence {
  kind: string;
  name: string;
  /** When the create was sent (epoch ms, our clock). */
  sentAt: number;
  /** After this (epoch ms, our clock), a lookup that finds no proof means nothing was made. */
  settledBy: number;
  /** Why the outcome is unknown. */
  reason: string;
}

export function pendingId(): string {
  return `${PENDING_PREFIX}${randomBytes(8).toString("hex")}`;
}

/** True for the id of a record whose create attempt has an unknown outcome. */
export function isPendingId(id: unknown): id is string {
  return typeof id === "string" && id.startsWith(PENDING_PREFIX);
}

/**
 * The attempt a pending record keeps, read leniently from the stored outputs. A record written
 * before attempts carried a window gets the one its times allow, on our clock, as the only proof
 * there is.
 */
export function attemptOf(props: Record<string, unknown>): Attempt | undefined {
  const a = props[PENDING_KEY] as Partial<Attempt> | undefined;
  if (a === null || typeof a !== "object") return undefined;
  if (typeof a.name !== "string" || typeof a.settledBy !== "number") return undefined;
  const sentAt = typeof a.sentAt === "number" ? a.sentAt : 0;
  const window =
    a.window && typeof a.window.from === "number" && typeof a.window.to === "number"
      ? { from: a.window.from, to: a.window.to }
      : undefined;
  const token = typeof a.token === "string" && a.token !== "" ? a.token : undefined;
  return {
    kind: typeof a.kind === "string" ? a.kind : "resource",
    name: a.name,
    knownIds: Array.isArray(a.knownIds) ? a.knownIds.map(String) : [],
    sentAt,
    settledBy: a.settledBy,
    reason: typeof a.reason === "string" ? a.reason : "",
    token,
    window: window ?? { from: sentAt - CLOCK_SLACK_MS, to: a.settledBy + CLOCK_SLACK_MS },
  };
}

/** What the dynamic-provider host calls on a record; each kind's module is one. */
export interface PendingAware<T extends { id: string }> {
  /** How to find this record's resources; never throws, whatever the stored inputs hold. */
  ownership(props: Record<string, unknown>): Ownership<T>;
  read(id: string, props: Record<string, unknown>): Promise<pulumi.dynamic.ReadResult>;
  remove(id: string, props: Record<string, unknown>): Promise<void>;
}

export function isPendingCall(method: string, args: unknown[]): boolean {
  return ["diff", "read", "update", "remove"].includes(method) && isPendingId(args[0]);
}

export async function pendingCall<T extends { id: string; createdAt?: string }>(
  impl: PendingAware<T>,
  method: string,
  args: unknown[],
): Promise<unknown> {
  const id = args[0] as string;
  // diff(id, olds, news), update(id, olds, news), read(id, props), remove(id, props): the
  // stored outputs come second in each.
  const props = (args[1] ?? {}) as Record<string, unknown>;
  const attempt = attemptOf(props);
  switch (method) {
    case "diff": {
      const news = (args[2] ?? {}) as Record<string, unknown>;
      if (typeof news.adoptId === "string" && news.adoptId !== "") adopting.set(id, news.adoptId);
      else adopting.delete(id);
      return { changes: true, replaces: [PENDING_KEY], deleteBeforeReplace: true };
    }
    case "update":
      throw new Error(
        `${attempt?.kind ?? "resource"} ${attempt?.name ?? id}: a create attempt with an unknown ` +
          "outcome cannot be updated; `pulumi up` replaces it",
      );
    case "read":
      return attempt ? readPending(impl, id, props, attempt) : { id, props };
    case "remove":
      return attempt ? removePending(impl, id, props, attempt) : undefined;
  }
  throw new Error(`unexpected call ${method} on a pending record`);
}

// The `adoptId` the program gives the replacement of each pending record, as `diff` saw it in
// this run: its delete, which comes next, must leave that resource to the replacement.
const adopting = new Map<string, string>();

/** How a pending attempt stands now: a finding, or why it is still unknown. */
export type Standing<T> = Finding<T> | { unknown: string };

/**
 * Looks once for what a pending attempt made. No proof found counts as "nothing was made" only
 * once the look window has passed; before, a late create could still appear.
 */
export async function standingOf<T extends { id: string; createdAt?: string }>(
  attempt: Attempt,
  ownership: Ownership<T>,
  now: number = Date.now(),
): Promise<Standing<T>> {
  let finding: Finding<T>;
  try {
    finding = await findMade(attempt, ownership);
  } catch (error) {
    return { unknown: `looking it up failed: ${(error as Error).message}` };
  }
  if ("none" in finding && now < attempt.settledBy) {
    return { unknown: "nothing of it is listed yet, and a late create could still appear" };
  }
  return finding;
}

async function readPending<T extends { id: string; createdAt?: string }>(
  impl: PendingAware<T>,
  id: string,
  props: Record<string, unknown>,
  attempt: Attempt,
): Promise<pulumi.dynamic.ReadResult> {
  const { kind, name } = attempt;
  const standing = await standingOf(attempt, impl.ownership(props));
  if ("made" in standing) {
    progress(kind, name, `the earlier create made ${kind} ${standing.made.id}: recorded`);
    noteRecorded(kind, standing.made.id);
    return readMade(impl, standing.made.id, withoutAttempt(props));
  }
  if ("recorded" in standing) {
    progress(
      kind,
      name,
      `the earlier create made ${kind} ${standing.recorded.id}, which another resource of this ` +
        "stack records: record dropped",
    );
    return {};
  }
  if ("none" in standing) {
    progress(
      kind,
      name,
      `the earlier create made nothing: record dropped${notOurs(kind, standing.others)}`,
    );
    return {};
  }
  if ("several" in standing) {
    progress(kind, name, severalMessage(attempt, standing.several));
  } else {
    progress(
      kind,
      name,
      `whether the earlier create made it is still unknown (${standing.unknown})`,
    );
  }
  return { id, props };
}

/**
 * The record of what the attempt made, read as any record is. A record an older release wrote,
 * whose stored inputs today's rules refuse, still takes its real id: the next `up` replaces it
 * or says which input to fix, as for any record.
 */
async function readMade<T extends { id: string }>(
  impl: PendingAware<T>,
  id: string,
  props: Record<string, unknown>,
): Promise<pulumi.dynamic.ReadResult> {
  try {
    return await impl.read(id, props);
  } catch (error) {
    if (!(error instanceof Error) || !/which this release refuses/.test(error.message)) throw error;
    return { id, props: { ...props, id } };
  }
}

async function removePending<T extends { id: string; createdAt?: string }>(
  impl: PendingAware<T>,
  id: string,
  props: Record<string, unknown>,
  attempt: Attempt,
): Promise<void> {
  const { kind, name } = attempt;
  const ownership = impl.ownership(props);
  // Wait out the look window at most: by then the attempt has shown what it made.
  const standing = await waitFor<Standing<T>>(() => standingOf(attempt, ownership), {
    done: (s) => !("unknown" in s),
    deadline: Math.max(attempt.settledBy, Date.now()) + 1,
    interval: pollInterval(),
    describe: `the earlier create of ${kind} ${name} to show what it made`,
    status: (s) => ("unknown" in s ? s.unknown : "settled"),
  }).catch((error: Error) => {
    throw new Error(
      `${kind} ${name}: whether the earlier create made it is still unknown ` +
        `(${error.message}); nothing was deleted. Run the command again later.`,
    );
  });
  if ("made" in standing && adopting.get(id) === standing.made.id) {
    progress(
      kind,
      name,
      `the earlier create made ${kind} ${standing.made.id}, which adoptId names: kept for the replacement to adopt`,
    );
  } else if ("made" in standing) {
    progress(kind, name, `the earlier create made ${kind} ${standing.made.id}: deleting it`);
    await impl.remove(standing.made.id, withoutAttempt(props));
  } else if ("recorded" in standing) {
    progress(
      kind,
      name,
      `the earlier create made ${kind} ${standing.recorded.id}, which another resource of this ` +
        "stack now records: kept",
    );
  } else if ("several" in standing) {
    progress(kind, name, `${severalMessage(attempt, standing.several)} The record is removed.`);
  } else if ("none" in standing && standing.others.length > 0) {
    progress(kind, name, `the earlier create made nothing${notOurs(kind, standing.others)}`);
  }
}

function severalMessage(attempt: Attempt, several: readonly { id: string }[]): string {
  return (
    `${several.length} ${attempt.kind}s named ${attempt.name} with the spec of the earlier create ` +
    `appeared while it could have made one (${listIds(attempt.kind, several)}); which one it ` +
    "made cannot be told, so none is deleted or recorded. `npx pulumi-yotta unmanaged` lists " +
    "them; delete the ones you do not want, or set adoptId to the one to keep."
  );
}

function notOurs(kind: string, others: readonly { id: string }[]): string {
  if (others.length === 0) return "";
  return `; ${listIds(kind, others)} with the name ${others.length === 1 ? "was" : "were"} not made by it and ${others.length === 1 ? "is" : "are"} left alone`;
}

function withoutAttempt(props: Record<string, unknown>): Record<string, unknown> {
  const { [PENDING_KEY]: _attempt, ...rest } = props;
  return rest;
}
