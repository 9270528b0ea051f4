import type * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import type { Endpoint as LiveEndpoint, EndpointCreate, EndpointUpdate, Worker } from "../client";
import {
  isBusy,
  isNotAllowed,
  isNotFound,
  waitFor,
  WaitFailedError,
  WaitTimeoutError,
} from "../client";
import { pickInputs } from "./check";
import { firstPollMs, pollInterval, yotta } from "./config";
import { createOwned } from "./create";
import { CREATE_TOKEN_VAR, tokenIn, withoutToken, type Ownership } from "./ownership";
import { COMMON_FIELDS, diffByTable, mismatches, type FieldTable, type InputTable } from "./diff";
import { ResourceInitError } from "./init-error";
import { progress } from "./progress";
import { SHORT_NAMES } from "./naming";
import { gpuTypesIn, resourceKit, untilDeleted } from "./resource";
import { liveDesired, unlessGone } from "./refresh";
import {
  EndpointContainerVolume,
  EndpointProtocol,
  EndpointResources,
  Id,
  Image,
  ImageRegistry,
  NonNegativeInt,
  ServiceModeIn,
  ShortName,
  Webhook,
  Workers,
  port,
} from "../client/core/rules";
import { CommonInputs, Environment } from "./schemas";
import { deadlineFor, type TimeoutDefaults } from "./timeouts";

export { configure } from "./config";

// A first start pulls the image and loads weights: 3–8 minutes on the real service.
const TIMEOUTS: TimeoutDefaults = { create: "20m", update: "20m", delete: "10m" };

/** How much of the failed workers' logs a not-ready error quotes. */
const LOG_WORKERS = 3;
const LOG_LINES = 10;

/** Attempts at DELETE, each after stopping an endpoint that was started again meanwhile. */
const DELETE_ATTEMPTS = 3;

// The API's rules come from client/core/rules.ts, shared with the client's request schemas, so
// what passes here is what the client sends.
const Resources = EndpointResources
  // The order carries no meaning: a canonical one makes a reordered list no change.
  .transform((r) => [...r].sort((a, b) => cmp(a.region, b.region) || cmp(a.gpuType, b.gpuType)));

const Expose = z.strictObject({
  port: port(1),
  // The documents spell the protocols in lowercase; any case is accepted and sent lowercase.
  protocol: EndpointProtocol,
});

const EndpointShape = z.strictObject({
  name: ShortName,
  image: Image,
  imageRegistry: ImageRegistry.optional(),
  credentialId: Id.optional(),
  resources: Resources,
  workers: Workers,
  containerVolumeInGb: EndpointContainerVolume,
  minSingleCardVramInGb: NonNegativeInt.optional(),
  minSingleCardRamInGb: NonNegativeInt.optional(),
  minSingleCardVcpu: NonNegativeInt.optional(),
  initializationCommand: z.string({ error: "must be a string" }).optional(),
  environment: Environment.default({}),
  expose: Expose.optional(),
  serviceMode: ServiceModeIn,
  webhook: Webhook.optional(),
  running: z.boolean({ error: "must be true or false" }).default(true),
  ...CommonInputs,
});

/** An endpoint's inputs, normalized: what `check` returns and what `diff` and `read` compare. */
export const EndpointInputs = EndpointShape;
export type EndpointInputs = z.output<typeof EndpointInputs>;

/** What the state holds for an endpoint: the normalized inputs plus what the cloud reports. */
export type EndpointOutputs = EndpointInputs & {
  id: string;
  status: string;
  /** Workers asked for, as the service counts them. */
  totalWorkers?: number;
  runningWorkers?: number;
  /** USD per hour for one worker. */
  perHourPrice?: number;
  /** USD per hour for the workers running now. */
  cost?: number;
  domain?: string;
  createdAt?: string;
};

/**
 * The fields the PATCH call carries (with `workers`). A change to any of them is one PATCH with
 * the full desired set; a change to `workers` alone is the scale call.
 */
const PATCHED = new Set<string>([
  "name",
  "resources",
  "containerVolumeInGb",
  "minSingleCardVramInGb",
  "minSingleCardRamInGb",
  "minSingleCardVcpu",
  "credentialId",
  "initializationCommand",
  "environment",
  "expose",
  "webhook",
]);

// The PATCH cannot take a credential or the exposed port away (no value means "keep"), so
// removing either replaces the endpoint; setting or changing them is an update.
const removedReplaces =
  (field: "credentialId" | "expose") =>
  (_olds: Partial<EndpointInputs>, news: Partial<EndpointInputs>) =>
    news[field] === undefined || news[field] === null ? "replace" : "update";

const FIELDS: FieldTable<EndpointInputs> = {
  name: "update",
  image: "replace",
  imageRegistry: "replace",
  serviceMode: "replace",
  credentialId: removedReplaces("credentialId"),
  resources: "update",
  workers: "update",
  containerVolumeInGb: "update",
  minSingleCardVramInGb: "update",
  minSingleCardRamInGb: "update",
  minSingleCardVcpu: "update",
  initializationCommand: "update",
  environment: "update",
  expose: removedReplaces("expose"),
  webhook: "update",
  running: "update",
  ...COMMON_FIELDS,
} satisfies InputTable<EndpointInputs>;

/** The desired-state fields the API reports back, in input form. */
const REPORTED: (keyof EndpointInputs)[] = [
  "name",
  "image",
  "imageRegistry",
  "serviceMode",
  "credentialId",
  "resources",
  "workers",
  "containerVolumeInGb",
  "minSingleCardVramInGb",
  "minSingleCardRamInGb",
  "minSingleCardVcpu",
  "initializationCommand",
  "environment",
  "expose",
  "webhook",
  "running",
];

const kit = resourceKit({
  kind: "endpoint",
  schema: EndpointInputs,
  shape: EndpointShape,
  fields: FIELDS,
  timeouts: TIMEOUTS,
  names: SHORT_NAMES,
  // The documents do not say whether endpoint names are unique.
  uniqueNames: "maybe",
  gpuTypesOf: (inputs) => gpuTypesIn(inputs.resources),
  // A FAILED endpoint is restarted whatever changed.
  updatesAnyway: (olds) => olds.status === "FAILED",
});

export const { check } = kit;

/** The kit's `diff`, and a FAILED endpoint is updated. */
export async function diff(
  id: string,
  olds: Record<string, unknown>,
  news: Record<string, unknown>,
): Promise<pulumi.dynamic.DiffResult> {
  const result = await kit.diff(id, olds, news);
  // A FAILED endpoint is not what was asked for; an update restarts it with the current spec.
  return olds.status === "FAILED" ? { ...result, changes: true } : result;
}

export async function create(raw: Record<string, unknown>): Promise<pulumi.dynamic.CreateResult> {
  // The engine passes the serialized provider along with the inputs; the strict schema would
  // refuse it.
  const inputs = kit.inputsOf(raw);
  const deadline = deadlineFor("create", inputs.timeouts, TIMEOUTS);
  const client = yotta();
  let endpoint: LiveEndpoint;
  let before: Partial<EndpointInputs>;
  if (inputs.adoptId) {
    endpoint = await adopt(inputs);
    // Updatable fields that differ are brought to the declared values, so the next `up` shows
    // no change.
    before = liveDesired(inputs, desiredOf(endpoint), REPORTED);
  } else {
    endpoint = await createOwned({
      ...ownershipOf(inputs.name, inputs),
      create: (token) => client.endpoints.create(createBody(inputs, token), { deadline }),
      get: (id) => client.endpoints.get(id),
      deadline,
      inputs,
      raw,
    });
    before = inputs;
  }
  try {
    const settled = await converge(endpoint.id, before, inputs, deadline, {
      repair: inputs.adoptId !== undefined,
    });
    return { id: settled.id, outs: outputs(inputs, settled) };
  } catch (err) {
    // The endpoint exists: record it, so the next `up` repairs or replaces it instead of leaving
    // billing workers outside the state.
    throw await notReady(err, endpoint.id, inputs, raw, endpoint);
  }
}

/**
 * How to find the endpoint a create of these inputs made. Nothing relies on the service holding
 * endpoint names unique: one is ours only if it carries our create's token in its environment
 * (provider/ownership.ts).
 */
function ownershipOf(name: string, inputs: EndpointInputs | undefined): Ownership<LiveEndpoint> {
  return kit.ownership(name, {
    named: async () =>
      (await yotta().endpoints.findByName(name)).filter((e) => e.status !== "TERMINATED"),
    matches: (e) => inputs !== undefined && madeFrom(e, inputs),
    tokenOf: (e) => tokenIn(e.environmentVars),
    priceOf: (e) => e.perHourPrice ?? e.cost,
  });
}

/** For a record whose create had an unknown outcome: its endpoints, whatever its stored inputs. */
export function ownership(props: Record<string, unknown>): Ownership<LiveEndpoint> {
  return ownershipOf(String(props.name ?? ""), kit.inputsIfValid(props));
}

export const read = kit.read({
  live: getOrUndefined,
  ended: (endpoint) => endpoint.status === "TERMINATED",
  outputs: (stored, live) => outputs(stored, live),
  desiredOf,
  reported: REPORTED,
});

export const update = kit.update(async (id, inputs, olds, news) => {
  const deadline = deadlineFor("update", inputs.timeouts, TIMEOUTS);
  // State written by an older release may not parse; then every field counts as changed.
  const previous = EndpointInputs.safeParse(pickInputs(EndpointShape, olds));
  const before: Partial<EndpointInputs> = previous.success ? previous.data : {};
  try {
    const settled = await converge(id, before, inputs, deadline, { repair: true });
    return { outs: outputs(inputs, settled) };
  } catch (err) {
    // A failed API call changed nothing the state must know; a wait that failed after the
    // changes were made records them, so the next `up` tries again.
    if (!WaitTimeoutError.isInstance(err) && !WaitFailedError.isInstance(err)) throw err;
    throw await notReady(err, id, inputs, news);
  }
});

export const remove = kit.remove(async (id, { name, deadline }) => {
  const client = yotta();
  for (let attempt = 1; ; attempt++) {
    const live = await getOrUndefined(id);
    if (!live || live.status === "TERMINATED") return;
    try {
      // The service deletes only a STOPPED endpoint.
      if (live.status !== "STOPPED") {
        await stop(id, name, deadline);
        if ((await untilStopped(id, name, deadline)) === undefined) return;
      }
      await client.endpoints.delete(id);
      break;
    } catch (err) {
      if (isNotFound(err)) return;
      // 24002: started again between our stop and the delete; stop it again.
      if (!isNotAllowed(err) || attempt >= DELETE_ATTEMPTS) throw err;
      progress("endpoint", name, "the delete was refused because it is not stopped; stopping");
    }
  }
  await untilDeleted(client.endpoints.watcher.ofOrGone(id, { firstAfterMs: firstPollMs() }), {
    kind: "endpoint",
    name,
    deadline,
    goal: "be deleted",
    ended: "TERMINATED",
    goneAs: "deleted",
  });
});

/**
 * Brings the endpoint from its live state to the declared one. Changes to the spec go first, in
 * one PATCH (or the scale call when only `workers` changed), then the running state:
 *
 * - to stop: PATCH/scale, then stop and wait for STOPPED, so the new spec is what a later start
 *   deploys;
 * - to run a STOPPED endpoint: PATCH/scale first (the service records them), then start, so the
 *   workers are deployed once, with the new spec, and a change that fixes a failing spec applies
 *   on this start;
 * - to run a FAILED endpoint (only when repairing: update, adoption): stop, then start.
 *
 * Ready means RUNNING with at least the requested workers running.
 */
async function converge(
  id: string,
  before: Partial<EndpointInputs>,
  inputs: EndpointInputs,
  deadline: number,
  options: { repair: boolean },
): Promise<LiveEndpoint> {
  const client = yotta();
  const name = inputs.name;
  const { changed } = diffByTable(FIELDS, before, inputs);
  const patch = changed.some((field) => PATCHED.has(field));
  const scale = !patch && changed.includes("workers");

  let live = await client.endpoints.watcher.get(id);
  if (patch || scale) {
    // The service refuses changes while workers start or stop (12001).
    if (isTransitional(live)) live = await untilSteady(id, name, deadline);
    if (patch) await client.endpoints.update(id, patchBody(before, inputs));
    else await client.endpoints.scaleWorkers(id, inputs.workers);
    live = await client.endpoints.watcher.get(id);
  }

  if (!inputs.running) {
    if (live.status !== "STOPPED") await stop(id, name, deadline);
    return (await untilStopped(id, name, deadline)) ?? gone(id);
  }
  if (live.status === "FAILED" && options.repair) {
    progress("endpoint", name, "FAILED; restarting it");
    await stop(id, name, deadline);
    live = (await untilStopped(id, name, deadline)) ?? gone(id);
  }
  if (live.status === "STOPPING") live = (await untilStopped(id, name, deadline)) ?? gone(id);
  if (live.status === "STOPPED") await client.endpoints.start(id);
  return untilReady(id, name, inputs.workers, deadline);
}

/** Stops the endpoint; one already stopping or stopped is fine. */
async function stop(id: string, name: string, deadline: number): Promise<void> {
  const client = yotta();
  try {
    await client.endpoints.stop(id);
  } catch (err) {
    if (!isNotAllowed(err) && !isBusy(err)) throw err;
    // Refused: either it is stopping already, or it is in a transition that must end first.
    const live = await client.endpoints.watcher.get(id);
    if (live.status === "STOPPING" || live.status === "STOPPED") return;
    await untilSteady(id, name, deadline);
    await client.endpoints.stop(id);
  }
}

function isTransitional(e: LiveEndpoint): boolean {
  return e.status === "INITIALIZING" || e.status === "STOPPING";
}

function isReady(e: LiveEndpoint, workers: number): boolean {
  // Without the count, RUNNING is all the service tells.
  return e.status === "RUNNING" && (e.runningWorkers ?? workers) >= workers;
}

async function untilSteady(id: string, name: string, deadline: number): Promise<LiveEndpoint> {
  return waitFor(yotta().endpoints.watcher.of(id), {
    done: (e) => !isTransitional(e),
    deadline,
    interval: pollInterval(),
    describe: `endpoint ${name} to finish starting or stopping`,
    onProgress: (e) => progress("endpoint", name, e.status),
  });
}

/** Waits for STOPPED; `undefined` when the endpoint is gone meanwhile. */
async function untilStopped(
  id: string,
  name: string,
  deadline: number,
): Promise<LiveEndpoint | undefined> {
  return waitFor(yotta().endpoints.watcher.ofOrGone(id), {
    done: (e) => e === undefined || e.status === "STOPPED",
    failed: (e) => e?.status === "TERMINATED",
    deadline,
    interval: pollInterval(),
    describe: `endpoint ${name} to stop`,
    onProgress: (e) => progress("endpoint", name, e?.status ?? "deleted"),
  });
}

interface Observed {
  endpoint: LiveEndpoint;
  /** Read only while RUNNING short of workers: have the missing ones failed for good? */
  workers?: Worker[];
}

async function untilReady(
  id: string,
  name: string,
  workers: number,
  deadline: number,
): Promise<LiveEndpoint> {
  const client = yotta();
  const watched = client.endpoints.watcher.of(id);
  // The workers are read only for an endpoint RUNNING short of them, one call per endpoint.
  const observe = async (endpoint: LiveEndpoint): Promise<Observed> => {
    if (endpoint.status !== "RUNNING" || isReady(endpoint, workers)) return { endpoint };
    return { endpoint, workers: await client.endpoints.listWorkers(id) };
  };
  const observed = await waitFor(
    {
      get: async () => observe(await watched.get()),
      next: async (afterMs, signal) => observe(await watched.next(afterMs, signal)),
    },
    {
      done: (o) => isReady(o.endpoint, workers),
      failed: (o) => {
        if (o.endpoint.status === "FAILED" || o.endpoint.status === "TERMINATED") return true;
        // Every worker has settled, some failed, and too few run: nothing more will come up.
        const list = o.workers ?? [];
        const failedCount = list.filter((w) => w.status === "FAILED").length;
        const starting = list.some((w) => w.status === "INITIALIZING");
        return failedCount > 0 && !starting ? `${failedCount} worker(s) failed to start` : false;
      },
      status: (o) =>
        `${o.endpoint.status} (${o.endpoint.runningWorkers ?? 0}/${workers} workers running)`,
      deadline,
      interval: pollInterval(),
      describe: `endpoint ${name} to be ready`,
      onProgress: (_o, status) => progress("endpoint", name, status),
    },
  );
  return observed.endpoint;
}

/** The error that records an endpoint which exists but is not ready, with its workers' logs. */
async function notReady(
  err: unknown,
  id: string,
  inputs: EndpointInputs,
  raw: Record<string, unknown>,
  known?: LiveEndpoint,
): Promise<ResourceInitError> {
  const last = (await getOrUndefined(id).catch(() => undefined)) ?? known;
  const logs = await failedWorkerLogs(id);
  const wanted = inputs.running ? "ready" : "STOPPED";
  return new ResourceInitError(
    `endpoint ${inputs.name} (${id}) did not become ${wanted}: ${(err as Error).message}${logs}`,
    id,
    last ? outputs(inputs, last) : { ...inputs, id, status: "UNKNOWN" },
    raw,
  );
}

/** The last lines of the failed workers' logs, for the error; empty when none failed. */
async function failedWorkerLogs(id: string): Promise<string> {
  const client = yotta();
  try {
    const failed = (await client.endpoints.listWorkers(id)).filter((w) => w.status === "FAILED");
    if (failed.length === 0) return "";
    const shown = failed.slice(0, LOG_WORKERS);
    const tails = await Promise.all(
      shown.map(async (w) => {
        const page = await client.endpoints.workerLogs(id, w.workerId, {
          pageSize: LOG_LINES,
          direction: "Backward",
        });
        const lines = page.logs.map((l) => `    ${l.log}`).reverse();
        return [`  worker ${w.workerId}:`, ...lines].join("\n");
      }),
    );
    const more = failed.length - shown.length;
    const rest = more > 0 ? `\n  (${more} more failed worker(s) not shown)` : "";
    return `\nlogs of the failed workers (last ${LOG_LINES} lines each):\n${tails.join("\n")}${rest}`;
  } catch {
    // The logs only explain the failure; not getting them must not hide it.
    return "";
  }
}

async function adopt(inputs: EndpointInputs): Promise<LiveEndpoint> {
  const id = inputs.adoptId!;
  const live = await getOrUndefined(id);
  if (!live || live.status === "TERMINATED") {
    throw new Error(`adoptId: endpoint ${id} does not exist`);
  }
  const differences = mismatches(desiredOf(live), inputs, IDENTITY);
  if (differences.length > 0) {
    throw new Error(
      `adoptId: endpoint ${id} does not match the declared inputs: ${differences.join("; ")}`,
    );
  }
  return live;
}

/** What must match to adopt an endpoint: its name and everything a change of which replaces. */
const IDENTITY = ["name", "image", "imageRegistry", "serviceMode"] as const;
/** What an endpoint found by name after an ambiguous create must match to be the one we sent. */
const SPEC = [...IDENTITY, "resources", "containerVolumeInGb"] as const;

function madeFrom(e: LiveEndpoint, inputs: EndpointInputs): boolean {
  return e.status !== "TERMINATED" && mismatches(desiredOf(e), inputs, SPEC).length === 0;
}

function environmentVars(inputs: EndpointInputs): { key: string; value: string }[] {
  return Object.entries(inputs.environment).map(([key, value]) => ({ key, value }));
}

/** The create request; `token`, the create's proof, joins the environment (provider/ownership.ts). */
export function createBody(inputs: EndpointInputs, token?: string): EndpointCreate {
  const env = [
    ...environmentVars(inputs),
    ...(token === undefined ? [] : [{ key: CREATE_TOKEN_VAR, value: token }]),
  ];
  return {
    name: inputs.name,
    image: inputs.image,
    imageRegistry: inputs.imageRegistry,
    containerRegistryAuthId: inputs.credentialId,
    resources: inputs.resources,
    workers: inputs.workers,
    containerVolumeInGb: inputs.containerVolumeInGb,
    minSingleCardVramInGb: inputs.minSingleCardVramInGb,
    minSingleCardRamInGb: inputs.minSingleCardRamInGb,
    minSingleCardVcpu: inputs.minSingleCardVcpu,
    initializationCommand: inputs.initializationCommand,
    environmentVars: env.length > 0 ? env : undefined,
    expose: inputs.expose,
    serviceMode: inputs.serviceMode,
    webhook: inputs.webhook,
  };
}

/**
 * The PATCH body: the full desired set of updatable fields, so the call means the same whether
 * the service merges or replaces. The service may read an absent field as "keep", so a field
 * the user removed is sent as its empty value (no lower bound, no command, no webhook) and the
 * environment always goes, empty or not.
 */
export function patchBody(before: Partial<EndpointInputs>, after: EndpointInputs): EndpointUpdate {
  return {
    name: after.name,
    resources: after.resources,
    workers: after.workers,
    containerVolumeInGb: after.containerVolumeInGb,
    minSingleCardVramInGb: after.minSingleCardVramInGb ?? cleared(before.minSingleCardVramInGb, 0),
    minSingleCardRamInGb: after.minSingleCardRamInGb ?? cleared(before.minSingleCardRamInGb, 0),
    minSingleCardVcpu: after.minSingleCardVcpu ?? cleared(before.minSingleCardVcpu, 0),
    credentialId: after.credentialId,
    initializationCommand: after.initializationCommand ?? cleared(before.initializationCommand, ""),
    environmentVars: environmentVars(after),
    expose: after.expose,
    webhook: after.webhook ?? cleared(before.webhook, ""),
  };
}

function cleared<T>(previous: unknown, empty: T): T | undefined {
  return previous === undefined || previous === null ? undefined : empty;
}

function desiredOf(e: LiveEndpoint): Partial<EndpointInputs> {
  return {
    name: e.name,
    image: e.image,
    imageRegistry: e.imageRegistry,
    serviceMode: e.serviceMode as EndpointInputs["serviceMode"] | undefined,
    credentialId: e.containerRegistryAuthId,
    resources: e.resources
      ?.map((r) => ({ region: r.region, gpuType: r.gpuType, gpuCount: r.gpuCount }))
      .sort((a, b) => cmp(a.region, b.region) || cmp(a.gpuType, b.gpuType)),
    workers: e.totalWorkers,
    containerVolumeInGb: e.containerVolumeInGb,
    minSingleCardVramInGb: e.minSingleCardVramInGb,
    minSingleCardRamInGb: e.minSingleCardRamInGb,
    minSingleCardVcpu: e.minSingleCardVcpu,
    initializationCommand: e.initializationCommand,
    environment: e.environmentVars
      ? Object.fromEntries(
          withoutToken(e.environmentVars)
            .sort((a, b) => cmp(a.key, b.key))
            .map((v) => [v.key, v.value]),
        )
      : undefined,
    expose:
      e.expose?.protocol === undefined
        ? undefined
        : {
            port: e.expose.port,
            protocol: e.expose.protocol.toLowerCase() as NonNullable<
              EndpointInputs["expose"]
            >["protocol"],
          },
    webhook: e.webhook,
    running: !(e.status === "STOPPED" || e.status === "STOPPING"),
  };
}

function outputs(inputs: EndpointInputs, e: LiveEndpoint): EndpointOutputs {
  return {
    ...inputs,
    id: e.id,
    status: e.status,
    totalWorkers: e.totalWorkers,
    runningWorkers: e.runningWorkers,
    perHourPrice: e.perHourPrice,
    cost: e.cost,
    domain: e.domain,
    createdAt: e.createdAt,
  };
}

/**
 * The inputs among a resource's properties: stored outputs also carry what the cloud said, and
 * every call carries the serialized provider.
 */
function gone(id: string): never {
  throw new Error(`endpoint ${id} was deleted while it was being updated`);
}

/** The endpoint as it is now, read in the watcher's next round (shared with concurrent reads). */
function getOrUndefined(id: string): Promise<LiveEndpoint | undefined> {
  return unlessGone(yotta().endpoints.watcher.get(id));
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
