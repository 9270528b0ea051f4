import type * as pulumi from "@pulumi/pulumi";
import type { z } from "zod";
import { waitFor, type Kind, type LiveRecord, type Polled } from "../client";
import { checkInputs, pickInputs, propertyPath, UNKNOWN, type CheckResult } from "./check";
import { pollInterval, yotta } from "./config";
import { isHeldName, type Ownership } from "./ownership";
import { diffByTable, type FieldTable } from "./diff";
import { keepsExplicitName, withName, type NameRule } from "./naming";
import { progress } from "./progress";
import { deleteDeadline, type TimeoutDefaults } from "./timeouts";
import { liveDesired } from "./refresh";
import { gpuTypeHint, KNOWN_GPU_TYPES } from "./schemas";

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
  /** The input schema `check` applies, and every parse of stored inputs. */
  schema: z.ZodType<T>;
  /** The schema's object, whose keys say which of a record's props are inputs. */
  shape: z.ZodObject;
  /** Every input with what a change of it means (provider/diff.ts). */
  fields: FieldTable<T>;
  /** The default timeout of each operation; `timeouts` in the inputs overrides them. */
  timeouts: TimeoutDefaults;
  /** How a name is derived when the user gives none. */
  names: NameRule;
  /**
   * Whether the service holds names unique, said once for `diff` and for the ownership of a
   * create (provider/create.ts):
   * - `"always"`: it refuses a second resource of the name (docs/api.md). A create whose name is
   *   taken is refused before it is sent, a re-send cannot duplicate, and a replacement that
   *   keeps the user's name deletes first.
   * - `"maybe"`: the documents are silent. A replacement that keeps the name deletes first, in
   *   case the service refuses; nothing relies on a refusal.
   * - `"never"`: names may repeat; a replacement is made before the old resource goes.
   */
  uniqueNames: "always" | "maybe" | "never";
  /** The GPU types valid inputs ask for, for the unknown-code warning. */
  gpuTypesOf?: (inputs: T) => unknown[];
  /**
   * Picks, from stored outputs, what `diff` compares with the new inputs and what a parse of the
   * stored inputs reads; default all.
   */
  desired?: (props: Record<string, unknown>) => Record<string, unknown>;
  /** A record whose `update` makes its calls even when only `timeouts` changed. */
  updatesAnyway?: (olds: Record<string, unknown>) => boolean;
}

/** How a kind's `read` finds and reports its resource. */
export interface ReadSpec<T, Live> {
  /** The live resource, or undefined when the service says it does not exist. */
  live(id: string, props: Record<string, unknown>): Promise<Live | undefined>;
  /** A resource the API still lists after its end (TERMINATED) is gone all the same. */
  ended?(live: Live): boolean;
  /** The record's outputs from the stored inputs and the live resource. */
  outputs(stored: T, live: Live, props: Record<string, unknown>): object;
  /** The desired-state fields as the live resource reports them, in input form. */
  desiredOf(live: Live): Partial<T>;
  /** The inputs the API reports back; the others keep their stored values. */
  reported: readonly (keyof T)[];
}

/** The steps one kind's provider methods share, bound to its declaration. */
export interface ResourceKit<T> {
  check: ResourceModule["check"];
  diff: ResourceModule["diff"];
  /**
   * The inputs among what the engine hands a method (`create`'s checked inputs, a record's
   * stored outputs), parsed by the schema. A record that no longer parses fails with the input
   * and the rule named.
   */
  inputsOf(props: Record<string, unknown>): T;
  /** {@link inputsOf}, or undefined for a record that no longer parses: never throws. */
  inputsIfValid(props: Record<string, unknown>): T | undefined;
  /**
   * `update`: a change of `timeouts` alone is recorded without a call (see {@link timeoutsOnly});
   * any other change is `apply`'d, with the new inputs parsed.
   */
  update(
    apply: (
      id: string,
      inputs: T,
      olds: Record<string, unknown>,
      news: Record<string, unknown>,
    ) => Promise<pulumi.dynamic.UpdateResult>,
  ): ResourceModule["update"];
  /**
   * `read` (refresh): nothing once the resource is gone, so the engine drops the record; else its
   * outputs from the live resource, with the desired-state fields as {@link liveDesired} reports
   * them (drift where the API shows it).
   */
  read<Live>(spec: ReadSpec<T, Live>): ResourceModule["read"];
  /**
   * `delete`: `apply` gets what the record says of the resource, its name for messages (else the
   * id) and the delete deadline (see `deleteDeadline`: an unreadable `timeouts` never blocks it).
   */
  remove(
    apply: (
      id: string,
      record: { name: string; deadline: number },
      props: Record<string, unknown>,
    ) => Promise<void>,
  ): ResourceModule["remove"];
  /**
   * How to find what a create of this kind under `name` made (provider/ownership.ts): `named`
   * lists the live resources of the name, `matches` says whether one has the spec the create
   * sent, `tokenOf` (pods, endpoints) reads the create token a resource carries. The kind,
   * whether names are unique and the service's clock come from the declaration and the client.
   */
  ownership<Live extends { id: string }>(
    name: string,
    how: Pick<Ownership<Live>, "named" | "matches" | "tokenOf" | "priceOf">,
  ): Ownership<Live>;
}

export function resourceKit<T extends object>(declaration: KindDeclaration<T>): ResourceKit<T> {
  const { fields, schema, shape, desired = (props) => props } = declaration;
  const inputsOf = (props: Record<string, unknown>) => {
    const parsed = schema.safeParse(desired(pickInputs(shape, props)));
    if (parsed.success) return parsed.data;
    // Inputs `check` passed always parse; a record an older release wrote may not, when a rule
    // has grown stricter since. Say which input, under which rule, and how to move on.
    const issue = parsed.error.issues[0] as z.core.$ZodIssue;
    const name = typeof props.name === "string" ? props.name : "(unnamed)";
    throw new Error(
      `${declaration.kind} ${name}: the recorded ${propertyPath(issue.path)} ${issue.message}, ` +
        "which this release refuses; set a valid value in the program and run `pulumi up`",
    );
  };
  return {
    check: async (olds, news) => checkResource(declaration, olds, news),
    diff: async (_id, olds, news) =>
      diffResource(fields, desired(olds), news, {
        deleteFirst: declaration.uniqueNames !== "never",
      }),
    inputsOf,
    inputsIfValid: (props) => {
      const parsed = schema.safeParse(desired(pickInputs(shape, props)));
      return parsed.success ? parsed.data : undefined;
    },
    update: (apply) => async (id, olds, news) => {
      const anyway = declaration.updatesAnyway?.(olds) ?? false;
      const unchanged = anyway ? undefined : timeoutsOnly(fields, olds, news, desired);
      return unchanged ?? apply(id, inputsOf(news), olds, news);
    },
    ownership: (name, how) => ({
      kind: declaration.kind,
      name,
      uniqueNames: declaration.uniqueNames === "always",
      serverNow: () => yotta().serverTime(),
      ...how,
    }),
    remove: (apply) => async (id, props) => {
      const name = typeof props.name === "string" ? props.name : id;
      return apply(id, { name, deadline: deleteDeadline(props, declaration.timeouts) }, props);
    },
    read: (spec) => async (id, props) => {
      const live = await spec.live(id, props);
      if (live === undefined || spec.ended?.(live)) return {};
      const stored = inputsOf(props);
      const desiredNow = liveDesired(stored, spec.desiredOf(live), spec.reported);
      return { id, props: { ...spec.outputs(stored, live, props), ...desiredNow } };
    },
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
  const named = withName(olds, news, declaration.names, (name) => isHeldName(kind, name));
  // The owner key is unknown in a preview before the stack's key exists (the first after an
  // upgrade): that alone must not leave the other inputs unnormalized, or `diff` would see
  // changes (and replacements) that are none.
  const { ownerKey, ...rest } = named;
  const result =
    ownerKey === UNKNOWN
      ? withOwnerKey(checkInputs(declaration.schema, rest), ownerKey)
      : checkInputs(declaration.schema, named);
  if (gpuTypesOf && result.failures.length === 0) {
    for (const gpuType of gpuTypesOf(result.inputs as T)) {
      if (typeof gpuType === "string" && gpuType !== UNKNOWN && !KNOWN_GPU_TYPES.has(gpuType)) {
        progress(
          kind,
          String(named.autonamePrefix ?? named.name),
          `gpuType ${gpuType} is not a known code; the service decides.${gpuTypeHint(gpuType)}`,
        );
      }
    }
  }
  return result;
}

function withOwnerKey(result: CheckResult, ownerKey: unknown): CheckResult {
  return { ...result, inputs: { ...result.inputs, ownerKey } };
}

/** The `gpuType` of each entry of a list input, for `checkResource`; none while it is unknown. */
export function gpuTypesIn(list: unknown): unknown[] {
  return Array.isArray(list) ? list.map((entry) => (entry as { gpuType?: unknown })?.gpuType) : [];
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
 * `diff` from the resource's field table. With `deleteFirst` (the service refuses a second
 * resource of the name, or may), a replacement that keeps the user's name can only be made once
 * the old resource is gone, so it deletes first; an auto-named one gets a fresh name and is made
 * before the old one goes.
 */
function diffResource<T>(
  table: FieldTable<T>,
  olds: Record<string, unknown>,
  news: Record<string, unknown>,
  options: { deleteFirst: boolean },
): pulumi.dynamic.DiffResult {
  const { changed, replaces } = diffByTable(table, olds as Partial<T>, news as Partial<T>);
  return {
    changes: changed.length > 0,
    replaces,
    deleteBeforeReplace:
      options.deleteFirst && replaces.length > 0 && keepsExplicitName(olds, news),
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

/**
 * Sends an action (a resize, a pause, a resume) and, when it fails, reads the resource back
 * before believing the failure. The service may carry an action out and answer badly (a 5xx, a
 * lost answer); the client's retry of it is then refused because it is already done ("must be
 * larger than the current size 200", "cannot be paused in status PAUSED"). Where the resource
 * shows the action's effect, the action took effect and nothing failed; otherwise the first error
 * stands.
 */
export async function act<T>(
  send: () => Promise<unknown>,
  read: () => Promise<T | undefined>,
  tookEffect: (live: T) => boolean,
): Promise<void> {
  try {
    await send();
  } catch (error) {
    const live = await read().catch(() => undefined);
    if (live !== undefined && tookEffect(live)) return;
    throw error;
  }
}
