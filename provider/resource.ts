import type * as pulumi from "@pulumi/pulumi";
import type { z } from "zod";
import { waitFor, type Polled } from "../client";
import { checkInputs, UNKNOWN, type CheckResult } from "./check";
import { pollInterval } from "./config";
import { diffByTable, type FieldTable } from "./diff";
import { keepsExplicitName, NAME_RULES, withName } from "./naming";
import { progress } from "./progress";
import { liveDesired } from "./refresh";
import { KNOWN_GPU_TYPES } from "./schemas";

// The steps every resource's provider methods share. What differs between resources (fields,
// rules, calls, waits) stays in each resource's own file and is passed in.

export type ResourceKind = keyof typeof NAME_RULES;

/**
 * `check`: the inputs with the name settled (see `withName`), validated and normalized by the
 * resource's schema. `gpuTypesOf` names the GPU types valid inputs ask for; a code the documents
 * do not list is only a warning, since the list grows and the service has the last word.
 */
export function checkResource(
  kind: ResourceKind,
  schema: z.ZodType,
  olds: Record<string, unknown>,
  news: Record<string, unknown>,
  gpuTypesOf?: (inputs: Record<string, unknown>) => unknown[],
): CheckResult {
  const named = withName(olds, news, NAME_RULES[kind]);
  const result = checkInputs(schema, named);
  if (gpuTypesOf && result.failures.length === 0) {
    for (const gpuType of gpuTypesOf(result.inputs)) {
      if (typeof gpuType === "string" && gpuType !== UNKNOWN && !KNOWN_GPU_TYPES.has(gpuType)) {
        progress(
          kind,
          String(named.name),
          `gpuType ${gpuType} is not a known code; the service decides`,
        );
      }
    }
  }
  return result;
}

/** The `gpuType` of each entry of a list input, for `checkResource`; none while it is unknown. */
export function gpuTypesIn(list: unknown): unknown[] {
  return Array.isArray(list) ? list.map((entry) => (entry as { gpuType?: unknown })?.gpuType) : [];
}

/**
 * `read`'s answer for a resource that still exists: its outputs from the live resource, with the
 * desired-state fields as {@link liveDesired} reports them (drift where the API shows it).
 */
export function refreshed<T extends object>(
  id: string,
  outputs: object,
  stored: Partial<T>,
  live: Partial<T>,
  reported: readonly (keyof T)[],
): pulumi.dynamic.ReadResult {
  return { id, props: { ...outputs, ...liveDesired(stored, live, reported) } };
}

export interface DeleteWait {
  kind: ResourceKind;
  name: string;
  deadline: number;
  /** Completes "pod web to …": `terminate`, `be deleted`. */
  goal: string;
  /** The status of a deleted resource the API still lists, if it keeps them. */
  ended?: string;
  /** A status that means the delete failed. */
  failedAt?: string;
  /** The progress word once the resource is no longer found. */
  goneAs?: string;
}

/** After the delete call: waits until the resource is gone (or `ended`), within the deadline. */
export function untilDeleted<T extends { status: string }>(
  source: Polled<T | undefined> | (() => Promise<T | undefined>),
  wait: DeleteWait,
): Promise<T | undefined> {
  const { kind, name, ended, failedAt, goneAs = "gone" } = wait;
  return waitFor(source, {
    done: (v) => v === undefined || (ended !== undefined && v.status === ended),
    failed: (v) => failedAt !== undefined && v?.status === failedAt,
    deadline: wait.deadline,
    interval: pollInterval(),
    describe: `${kind} ${name} to ${wait.goal}`,
    onProgress: (v) => progress(kind, name, v?.status ?? goneAs),
  });
}

/**
 * `diff` from the resource's field table. With `uniqueNames` (the service refuses a second
 * resource of the name, or may), a replacement that keeps the user's name can only be made once
 * the old resource is gone, so it deletes first; an auto-named one gets a fresh name and is made
 * before the old one goes.
 */
export function diffResource<T>(
  table: FieldTable<T>,
  olds: Record<string, unknown>,
  news: Record<string, unknown>,
  options: { uniqueNames: boolean },
): pulumi.dynamic.DiffResult {
  const { changed, replaces } = diffByTable(table, olds as Partial<T>, news as Partial<T>);
  return {
    changes: changed.length > 0,
    replaces,
    deleteBeforeReplace:
      options.uniqueNames && replaces.length > 0 && keepsExplicitName(olds, news),
  };
}

/**
 * `update` when nothing but `timeouts` changed: the state records the new timeouts (a delete
 * reads its deadline from there) and no API is called. `undefined` when anything else changed.
 * `desired` picks, from stored outputs, what `diff` compares.
 */
export function timeoutsOnly<T>(
  table: FieldTable<T>,
  olds: Record<string, unknown>,
  news: Record<string, unknown>,
  desired: (props: Record<string, unknown>) => Record<string, unknown> = (props) => props,
): pulumi.dynamic.UpdateResult | undefined {
  const { changed } = diffByTable(table, desired(olds) as Partial<T>, news as Partial<T>);
  if (changed.length !== 1 || changed[0] !== "timeouts") return undefined;
  return { outs: { ...olds, timeouts: news.timeouts } };
}
