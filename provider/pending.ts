import type * as pulumi from "@pulumi/pulumi";
import { waitFor } from "../client";
import { pollInterval } from "./config";
import {
  attemptOf,
  isPendingId,
  PENDING_KEY,
  settleAttempt,
  type Attempt,
  type Ownership,
  type Settled,
} from "./create";
import { progress } from "./progress";

/**
 * The calls on a record whose create attempt has an unknown outcome (its id is a pending id, see
 * provider/create.ts). Such a record holds no cloud id, so nothing here ever calls the API with
 * it: each call looks for what the attempt made, among the resources that were not there before.
 *
 * - `diff`: always a replacement, deleting first. The engine then deletes the record (below) and
 *   creates the resource afresh, so the next `up` ends with exactly one resource.
 * - `delete`: deletes what the attempt made, if anything (it is ours: our request made it). While
 *   the outcome is still unknown it waits, then fails, and the record stays.
 * - `read` (refresh): what the attempt made takes the record's place, under its real id; when
 *   nothing was made the record is dropped; while unknown the record stays as it is.
 */
export interface PendingAware<T extends { id: string }> {
  ownership(props: Record<string, unknown>): Ownership<T>;
  read(id: string, props: Record<string, unknown>): Promise<pulumi.dynamic.ReadResult>;
  remove(id: string, props: Record<string, unknown>): Promise<void>;
}

export function isPendingCall(method: string, args: unknown[]): boolean {
  return ["diff", "read", "update", "remove"].includes(method) && isPendingId(args[0]);
}

export async function pendingCall<T extends { id: string }>(
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
    case "diff":
      return { changes: true, replaces: [PENDING_KEY], deleteBeforeReplace: true };
    case "update":
      throw new Error(
        `${attempt?.kind ?? "resource"} ${attempt?.name ?? id}: a create attempt with an unknown ` +
          "outcome cannot be updated; `pulumi up` replaces it",
      );
    case "read":
      return attempt ? readPending(impl, id, props, attempt) : { id, props };
    case "remove":
      return attempt ? removePending(impl, props, attempt) : undefined;
  }
  throw new Error(`unexpected call ${method} on a pending record`);
}

async function readPending<T extends { id: string }>(
  impl: PendingAware<T>,
  id: string,
  props: Record<string, unknown>,
  attempt: Attempt,
): Promise<pulumi.dynamic.ReadResult> {
  const settled = await settleAttempt(attempt, impl.ownership(props));
  if ("made" in settled) {
    progress(attempt.kind, attempt.name, `the earlier create made ${settled.made.id}: recorded`);
    return impl.read(settled.made.id, withoutAttempt(props));
  }
  if ("nothing" in settled) {
    progress(attempt.kind, attempt.name, "the earlier create made nothing: record dropped");
    return {};
  }
  return { id, props };
}

async function removePending<T extends { id: string }>(
  impl: PendingAware<T>,
  props: Record<string, unknown>,
  attempt: Attempt,
): Promise<void> {
  const ownership = impl.ownership(props);
  // Wait out the look window at most: by then the attempt has shown what it made.
  const settled = await waitFor<Settled<{ id: string }>>(() => settleAttempt(attempt, ownership), {
    done: (s) => !("unknown" in s),
    deadline: Math.max(attempt.settledBy, Date.now()) + 1,
    interval: pollInterval(),
    describe: `the earlier create of ${attempt.kind} ${attempt.name} to show what it made`,
    status: (s) => ("unknown" in s ? s.unknown : "settled"),
  }).catch((error: Error) => {
    throw new Error(
      `${attempt.kind} ${attempt.name}: whether the earlier create made it is still unknown ` +
        `(${error.message}); nothing was deleted. Run the command again later.`,
    );
  });
  if ("several" in settled) {
    const ids = settled.several.map((r) => r.id).join(", ");
    throw new Error(
      `${attempt.kind} ${attempt.name}: ${settled.several.length} resources that match the ` +
        `earlier create appeared (${ids}); which one it made cannot be told, so none was ` +
        `deleted. Delete the one that is not wanted, or adopt one with adoptId.`,
    );
  }
  if ("made" in settled) {
    progress(attempt.kind, attempt.name, `the earlier create made ${settled.made.id}: deleting it`);
    await impl.remove(settled.made.id, withoutAttempt(props));
  }
}

function withoutAttempt(props: Record<string, unknown>): Record<string, unknown> {
  const { [PENDING_KEY]: _attempt, ...rest } = props;
  return rest;
}
