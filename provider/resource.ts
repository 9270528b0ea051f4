import type * as pulumi from "@pulumi/pulumi";
import type { z } from "zod";
import { waitFor, type Kind, type LiveRecord, type Polled } from "../client";
import { checkInputs, UNKNOWN, type CheckResult } from "./check";
import { pollInterval } from "./config";
import type { Ownership } from "./create";
import { diffByTable, type FieldTable } from "./diff";
import { keepsExplicitName, withName, type NameRule } from "./naming";
import { progress } from "./progress";
import { liveDesired } from "./refresh";
import { KNOWN_GPU_TYPES } from "./schemas";

// The steps every resource's provider methods share. What differs between resources (fields,
// rules, calls, waits) stays in each resource's own file and is passed in.

export type ResourceKind = Kind;

/** The provider module of each kind, as provider/dispatch.ts holds them. */
export type ResourceModules = { [K in Kind]: ResourceModule<LiveRecord<K>> };

/**
 * A resource's provider module, `provider/<kind>.ts`, as dispatch calls it: the dynamic-provider
 * methods (`remove` is the host's `delete`), plus `ownership`, which settles a create whose
 * outcome is unknown (provider/pending.ts). provider/dispatch.ts holds every module to it.
 */
export interface ResourceModule<Live extends { id: string } = { id: string }> {
  configure(request: pulumi.dynamic.ConfigureRequest): Promise<void>;
  check(olds: Record<string, unknown>, news: Record<string, unknown>): Promise<CheckResult>;
  diff(
    id: string,
    olds: Record<string, unknown>,
    news: Record<string, unknown>,
  ): Promise<pulumi.dynamic.DiffResult>;
  create(inputs: Record<string, unknown>): Promise<pulumi.dynamic.CreateResult>;
  read(id: string, props: Record<string, unknown>): Promise<pulumi.dynamic.ReadResult>;
  update(
    id: string,
    olds: Record<string, unknown>,
    news: Record<string, unknown>,
  ): Promise<pulumi.dynamic.UpdateResult>;
  remove(id: string, props: Record<string, unknown>): Promise<void>;
  ownership(props: Record<string, unknown>): Ownership<Live>;
}

/** What the shared steps need to know of a kind; each resource's file declares its own. */
export interface KindDeclaration<T> {
  kind: ResourceKind;
  /** The input schema `check` applies. */
  schema: z.ZodType<T>;
  /** Every input with what a change of it means (provider/diff.ts). */
  fields: FieldTable<T>;
  /** How a name is derived when the user gives none. */
  names: NameRule;
  /**
   * The service refuses a second resource of the name (or may): a replacement that keeps the
   * user's name then deletes first.
   */
  uniqueNames: boolean;
  /** The GPU types valid inputs ask for, for the unknown-code warning. */
  gpuTypesOf?: (inputs: T) => unknown[];
  /** Picks, from stored outputs, what `diff` compares with the new inputs; default all. */
  desired?: (props: Record<string, unknown>) => Record<string, unknown>;
}

/** The steps one kind's provider methods share, bound to its declaration. */
export interface ResourceKit {
  check: ResourceModule["check"];
  diff: ResourceModule["diff"];
  /** See {@link timeoutsOnly}. */
  timeoutsOnly(
    olds: Record<string, unknown>,
    news: Record<string, unknown>,
  ): pulumi.dynamic.UpdateResult | undefined;
}

export function resourceKit<T>(declaration: KindDeclaration<T>): ResourceKit {
  const { fields, desired = (props) => props } = declaration;
  return {
    check: async (olds, news) => checkResource(declaration, olds, news),
    diff: async (_id, olds, news) =>
      diffResource(fields, desired(olds), news, { uniqueNames: declaration.uniqueNames }),
    timeoutsOnly: (olds, news) => timeoutsOnly(fields, olds, news, desired),
  };
}

/**
 * `check`: the inputs with the name settled (see `withName`), validated and normalized by the
 * resource's schema. A GPU type code the documents do not list is only a warning, since the list
 * grows and the service has the last word.
 */
function checkResource<T>(
  declaration: KindDeclaration<T>,
  olds: Record<string, unknown>,
  news: Record<string, unknown>,
): CheckResult {
  const { kind, gpuTypesOf } = declaration;
  const named = withName(olds, news, declaration.names);
  const result = checkInputs(declaration.schema, named);
  if (gpuTypesOf && result.failures.length === 0) {
    for (const gpuType of gpuTypesOf(result.inputs as T)) {
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
function diffResource<T>(
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
function timeoutsOnly<T>(
  table: FieldTable<T>,
  olds: Record<string, unknown>,
  news: Record<string, unknown>,
  desired: (props: Record<string, unknown>) => Record<string, unknown> = (props) => props,
): pulumi.dynamic.UpdateResult | undefined {
  const { changed } = diffByTable(table, desired(olds) as Partial<T>, news as Partial<T>);
  if (changed.length !== 1 || changed[0] !== "timeouts") return undefined;
  return { outs: { ...olds, timeouts: news.timeouts } };
}
