/** Serverless endpoints, their workers, worker logs and tasks: `/v2/serverless` (yotta-api.md §3). */
import { randomUUID } from "node:crypto";
import { ApiError, Code, invalid, statusInvalid } from "../errors";
import { gpuType as findGpu, region as findRegion } from "../catalog";
import { Fields, SHORT_NAME, queryInt, queryList, type EnvVar } from "../validate";
import { idHash } from "../random";
import { listed, paginate, type Cloud, type Route, type View } from "../cloud";
import { requireCredential } from "./credentials";
import type { WorkerFailReason } from "../faults";
import type {
  EndpointRecord,
  EndpointResource,
  LogLine,
  Step,
  TaskRecord,
  TaskStatus,
  WorkerRecord,
  WorkerStatus,
} from "../model";

const SERVICE_MODES = ["ALB", "QUEUE", "CUSTOM"] as const;
const EXPOSE_PROTOCOLS = ["http", "tcp"] as const;
const WORKER_STATUSES: readonly WorkerStatus[] = [
  "INITIALIZING",
  "RUNNING",
  "FAILED",
  "TERMINATING",
];
const TASK_STATUSES: readonly TaskStatus[] = ["PROCESSING", "DELIVERED", "SUCCESS", "FAILED"];
const MAX_GPUS_PER_WORKER = 8;
const MIN_CONTAINER_VOLUME_GB = 20;
const MAX_LOG_PAGE = 1000;

// ---------------------------------------------------------------------------------------------
// Views

function perHourPrice(e: EndpointRecord): number {
  const first = e.resources[0];
  return first ? round(findGpu(first.gpuType).pricePerHour * first.gpuCount) : 0;
}

function round(n: number): number {
  return Math.round(n * 1e4) / 1e4;
}

export function endpointView(e: EndpointRecord, view: View, cloud: Cloud): unknown {
  const running = e.workerList.filter((w) => w.status === "RUNNING").length;
  const price = perHourPrice(e);
  return {
    id: view.id(e.id),
    name: e.name,
    image: e.image,
    imageRegistry: e.imageRegistry,
    containerRegistryAuthId: view.id(e.containerRegistryAuthId),
    status: e.status,
    totalWorkers: e.workers,
    runningWorkers: running,
    perHourPrice: price,
    // What the endpoint costs per hour right now: the running workers.
    cost: round(price * running),
    serviceMode: e.serviceMode,
    webhook: e.webhook,
    resources: e.resources.map((r) => ({ ...r })),
    containerVolumeInGb: e.containerVolumeInGb,
    minSingleCardVramInGb: e.minSingleCardVramInGb,
    minSingleCardRamInGb: e.minSingleCardRamInGb,
    minSingleCardVcpu: e.minSingleCardVcpu,
    initializationCommand: e.initializationCommand,
    [cloud.quirks.endpointEnvField]: e.environmentVars.map((v) => ({ ...v })),
    expose: e.expose ? { ...e.expose } : null,
    domain: `${e.id}.serverless.emulator.invalid`,
    createdAt: view.time(e.createdAt, "iso"),
    updatedAt: view.time(e.updatedAt, "iso"),
  };
}

function workerView(w: WorkerRecord, view: View): unknown {
  return { workerId: w.workerId, status: w.status, createdAt: view.time(w.createdAt, "epoch") };
}

function taskView(e: EndpointRecord, t: TaskRecord, view: View, full: boolean): unknown {
  const worker = e.workerList.find((w) => w.workerId === t.workerId);
  const summary = {
    taskId: t.taskId,
    endpointId: view.id(e.id),
    endpointName: e.name,
    status: t.status,
    workerUrl: worker ? `http://${worker.ip}:${t.workerPort}` : null,
    webhook: t.webhook,
    deliveryStatus: t.deliveryStatus,
    deliveryAttempts: t.deliveryAttempts,
    error: t.error,
    createdAt: view.time(t.createdAt, "epoch"),
    updatedAt: view.time(t.updatedAt, "epoch"),
    deliveredAt: view.time(t.deliveredAt, "epoch"),
  };
  return full ? { ...summary, input: t.input, output: t.output, headers: t.headers } : summary;
}

// ---------------------------------------------------------------------------------------------
// Workers and their logs

function log(worker: WorkerRecord, at: number, lines: string[]): void {
  for (const line of lines) {
    const last = worker.logs[worker.logs.length - 1];
    const offset = last ? last.offset + Buffer.byteLength(last.log) + 1 : 0;
    worker.logs.push({ timestamp: at, log: line, offset });
  }
}

function imageRef(e: EndpointRecord): string {
  return e.imageRegistry ? `${e.imageRegistry.replace(/\/+$/, "")}/${e.image}` : e.image;
}

const FAILURE_LOGS: Record<WorkerFailReason | "noCapacity", (e: EndpointRecord) => string[]> = {
  imagePull: (e) => [
    `Failed to pull image "${imageRef(e)}": rpc error: code = NotFound desc = failed to resolve reference "${imageRef(e)}": not found`,
    "Error: ErrImagePull",
    `Back-off pulling image "${imageRef(e)}"`,
    "Error: ImagePullBackOff",
  ],
  crash: (e) => [
    `Successfully pulled image "${imageRef(e)}"`,
    "Started container worker",
    "Traceback (most recent call last):",
    '  File "/app/server.py", line 12, in <module>',
    "ModuleNotFoundError: No module named 'vllm'",
    "Container worker exited with code 1",
    "Back-off restarting failed container worker (CrashLoopBackOff)",
  ],
  oom: (e) => [
    `Successfully pulled image "${imageRef(e)}"`,
    "Started container worker",
    "Loading model weights...",
    "Container worker was OOMKilled: memory limit exceeded",
    "Back-off restarting failed container worker (CrashLoopBackOff)",
  ],
  noCapacity: (e) => [
    `Scheduling failed: no capacity for ${e.resources
      .map((r) => `${r.gpuCount}x ${r.gpuType} in ${r.region}`)
      .join(", ")}`,
  ],
};

/** Adds `count` workers that come up (or fail) `delayMs` from now. */
function addWorkers(cloud: Cloud, e: EndpointRecord, count: number, delayMs: number): void {
  const now = cloud.store.now();
  const steps: Step[] = [];
  for (let i = 0; i < count; i++) {
    const workerId = cloud.store.newId();
    // Spread workers over the resources in order, skipping regions without capacity.
    const start = e.workerList.length % e.resources.length;
    const ordered = [...e.resources.slice(start), ...e.resources.slice(0, start)];
    const placed = ordered.find((r) => cloud.faults.hasCapacity(r.region, r.gpuType));
    const worker: WorkerRecord = {
      workerId,
      status: "INITIALIZING",
      region: placed?.region ?? null,
      ip: `10.200.${idHash(workerId, 250)}.${1 + idHash(workerId, 253)}`,
      createdAt: now,
      updatedAt: now,
      logs: [],
    };
    e.workerList.push(worker);
    if (!placed) {
      steps.push({ at: now + delayMs, action: "fail:noCapacity", ref: workerId });
      continue;
    }
    log(worker, now, [
      `Scheduled worker ${workerId} in ${placed.region} (${placed.gpuCount}x ${placed.gpuType})`,
      `Pulling image "${imageRef(e)}"`,
    ]);
    const failure = cloud.faults.workerFailure();
    steps.push({
      at: now + delayMs,
      action: failure ? `fail:${failure}` : "running",
      ref: workerId,
    });
  }
  cloud.store.schedule(e, steps);
}

/** Removes workers down to `count`: failed ones first, then starting, then the newest running. */
function removeWorkers(e: EndpointRecord, count: number): void {
  const rank: Record<WorkerStatus, number> = {
    FAILED: 0,
    TERMINATING: 0,
    INITIALIZING: 1,
    RUNNING: 2,
  };
  const keep = [...e.workerList]
    .sort((a, b) => rank[b.status] - rank[a.status] || a.createdAt - b.createdAt)
    .slice(0, count);
  e.workerList = e.workerList.filter((w) => keep.includes(w));
}

function refreshStatus(e: EndpointRecord): void {
  if (e.status === "STOPPING" || e.status === "STOPPED") return;
  const statuses = e.workerList.map((w) => w.status);
  if (statuses.includes("RUNNING")) e.status = "RUNNING";
  else if (statuses.includes("INITIALIZING")) e.status = "INITIALIZING";
  else if (statuses.length > 0) e.status = "FAILED";
}

/** Replaces all workers: create, start, and a change of the worker spec. */
function deploy(cloud: Cloud, e: EndpointRecord): void {
  e.workerList = [];
  e.status = "INITIALIZING";
  addWorkers(cloud, e, e.workers, cloud.timing.endpointInitializingMs);
}

/** Scale (API or out of band); a stopped endpoint only records the new count. */
export function scaleEndpoint(cloud: Cloud, e: EndpointRecord, count: number): void {
  if (e.status === "STOPPING") {
    throw statusInvalid(`endpoint [${e.id}] cannot be scaled while STOPPING`);
  }
  const previous = e.workers;
  e.workers = count;
  cloud.store.touch(e);
  if (e.status === "STOPPED") return;
  if (count > previous) addWorkers(cloud, e, count - previous, cloud.timing.workerStartMs);
  else removeWorkers(e, count);
  refreshStatus(e);
}

/** Gives queued tasks to running workers, in turn. */
function dispatch(cloud: Cloud, e: EndpointRecord, at: number): void {
  const running = e.workerList.filter((w) => w.status === "RUNNING");
  if (running.length === 0) return;
  let turn = 0;
  const steps: Step[] = [];
  for (const task of e.tasks) {
    if (task.status !== "PROCESSING" || task.workerId !== null) continue;
    task.workerId = (running[turn++ % running.length] as WorkerRecord).workerId;
    task.updatedAt = at;
    steps.push({ at: at + cloud.timing.taskProcessingMs, action: "taskDone", ref: task.taskId });
  }
  if (steps.length > 0) cloud.store.schedule(e, steps);
}

function finishTask(cloud: Cloud, e: EndpointRecord, task: TaskRecord, at: number): void {
  const worker = e.workerList.find((w) => w.workerId === task.workerId);
  if (!worker || worker.status !== "RUNNING") {
    // The worker went away: the task goes back to the queue.
    task.workerId = null;
    dispatch(cloud, e, at);
    return;
  }
  task.output = { workerId: worker.workerId, processUri: task.processUri, result: "ok" };
  task.updatedAt = at;
  if (task.webhook) {
    task.status = "DELIVERED";
    task.deliveryStatus = "SUCCESS";
    task.deliveryAttempts = 1;
    task.deliveredAt = at;
  } else {
    task.status = "SUCCESS";
  }
  log(worker, at, [`POST ${task.processUri} task ${task.taskId} 200`]);
}

export function endpointStep(cloud: Cloud) {
  return (e: EndpointRecord, step: Step): void => {
    const worker = e.workerList.find((w) => w.workerId === step.ref);
    if (step.action === "running" && worker?.status === "INITIALIZING") {
      worker.status = "RUNNING";
      worker.updatedAt = step.at;
      log(worker, step.at, [
        `Successfully pulled image "${imageRef(e)}"`,
        "Started container worker",
        ...(e.initializationCommand
          ? [`Running initialization command: ${e.initializationCommand}`]
          : []),
        `Worker ready${e.expose ? ` on port ${e.expose.port}` : ""}`,
      ]);
      dispatch(cloud, e, step.at);
    } else if (step.action.startsWith("fail:") && worker?.status === "INITIALIZING") {
      worker.status = "FAILED";
      worker.updatedAt = step.at;
      const reason = step.action.slice("fail:".length) as WorkerFailReason | "noCapacity";
      log(worker, step.at, FAILURE_LOGS[reason](e));
    } else if (step.action === "STOPPED" && e.status === "STOPPING") {
      e.workerList = [];
      e.status = "STOPPED";
    } else if (step.action === "taskDone") {
      const task = e.tasks.find((t) => t.taskId === step.ref);
      if (task?.status === "PROCESSING") finishTask(cloud, e, task, step.at);
    } else {
      return; // A step overtaken by a later action (a worker removed by a stop or a scale).
    }
    refreshStatus(e);
    e.updatedAt = step.at;
  };
}

// ---------------------------------------------------------------------------------------------
// Requests

function notFound(cloud: Cloud): ApiError {
  return cloud.quirks.endpointNotFoundCode === Code.ENDPOINT_NOT_FOUND
    ? new ApiError(Code.ENDPOINT_NOT_FOUND, "endpoint not found")
    : new ApiError(Code.SERVERLESS_NOT_EXIST, "serverless does not exist");
}

function find(cloud: Cloud, id: string): EndpointRecord {
  const found = cloud.store.get("endpoint", id);
  if (!found) throw notFound(cloud);
  return found;
}

function readResources(f: Fields): EndpointResource[] {
  const resources = (f.objects("resources", { required: true, min: 1 }) as Fields[]).map((r) => ({
    region: r.string("region", { required: true, min: 1 }) as string,
    gpuType: r.gpuType("gpuType", { required: true }) as string,
    gpuCount: r.int("gpuCount", {
      required: true,
      powerOfTwo: true,
      max: MAX_GPUS_PER_WORKER,
    }) as number,
  }));
  resources.forEach((r, i) => {
    if (!findRegion(r.region)) throw invalid(`resources[${i}].region [${r.region}] not supported`);
    if (!findGpu(r.gpuType).regions.includes(r.region)) {
      throw invalid(`resources[${i}] region [${r.region}] offers no gpu type [${r.gpuType}]`);
    }
    if (resources.findIndex((q) => q.region === r.region && q.gpuType === r.gpuType) !== i) {
      throw invalid(`resources[${i}] repeats ${r.gpuType} in ${r.region}`);
    }
  });
  if (new Set(resources.map((r) => r.gpuCount)).size > 1) {
    throw invalid("resources must all use the same gpuCount");
  }
  return resources;
}

/** Environment variables under either documented name. */
function readEnv(f: Fields): EnvVar[] | undefined {
  if (f.has("environmentVars") && f.has("envVars")) {
    throw invalid("environmentVars and envVars are the same field; send one");
  }
  return f.envVars("environmentVars") ?? f.envVars("envVars");
}

function readExpose(f: Fields): EndpointRecord["expose"] | undefined {
  const expose = f.object("expose");
  if (!expose) return undefined;
  return {
    port: expose.int("port", { required: true, min: 1, max: 65535 }) as number,
    protocol: expose.oneOf("protocol", EXPOSE_PROTOCOLS, {
      required: true,
      caseInsensitive: true,
    }) as string,
  };
}

/** The fields create and PATCH share, in the order the documents list them. */
function readSpec(f: Fields, cloud: Cloud) {
  const resources = readResources(f);
  const workers = f.int("workers", {
    required: true,
    min: 1,
    max: cloud.limits.maxWorkers,
  }) as number;
  const containerVolumeInGb = f.int("containerVolumeInGb", {
    required: true,
    min: MIN_CONTAINER_VOLUME_GB,
  }) as number;
  const minSingleCardVramInGb = f.int("minSingleCardVramInGb", { min: 0 }) ?? null;
  const minSingleCardRamInGb = f.int("minSingleCardRamInGb", { min: 0 }) ?? null;
  const minSingleCardVcpu = f.int("minSingleCardVcpu", { min: 0 }) ?? null;
  const initializationCommand = f.string("initializationCommand");
  const environmentVars = readEnv(f);
  const expose = readExpose(f);
  for (const r of resources) {
    const vram = findGpu(r.gpuType).vramGb;
    if (minSingleCardVramInGb !== null && minSingleCardVramInGb > vram) {
      throw invalid(
        `minSingleCardVramInGb ${minSingleCardVramInGb} exceeds the ${vram} GB of ${r.gpuType}`,
      );
    }
  }
  return {
    resources,
    workers,
    containerVolumeInGb,
    minSingleCardVramInGb,
    minSingleCardRamInGb,
    minSingleCardVcpu,
    initializationCommand,
    environmentVars,
    expose,
  };
}

function createEndpoint(f: Fields, cloud: Cloud): EndpointRecord {
  const name = f.string("name", { ...SHORT_NAME, required: true }) as string;
  const image = f.string("image", { required: true, min: 1, max: 255 }) as string;
  const imageRegistry = f.string("imageRegistry", { max: 255 }) ?? null;
  const containerRegistryAuthId = f.id("containerRegistryAuthId") ?? null;
  const spec = readSpec(f, cloud);
  const serviceMode = f.oneOf("serviceMode", SERVICE_MODES, {
    required: true,
  }) as EndpointRecord["serviceMode"];
  const webhook = f.string("webhook", { max: 512 }) ?? null;
  if (containerRegistryAuthId !== null) {
    requireCredential(cloud.store, containerRegistryAuthId, "containerRegistryAuthId");
  }
  const now = cloud.store.now();
  const record: EndpointRecord = {
    kind: "endpoint",
    id: cloud.store.newId(),
    name,
    image,
    imageRegistry,
    containerRegistryAuthId,
    ...spec,
    initializationCommand: spec.initializationCommand ?? null,
    environmentVars: spec.environmentVars ?? [],
    expose: spec.expose ?? null,
    serviceMode,
    webhook,
    status: "INITIALIZING",
    workerList: [],
    tasks: [],
    createdAt: now,
    updatedAt: now,
    pending: [],
  };
  cloud.store.insert(record);
  deploy(cloud, record);
  return record;
}

/** The part of an endpoint whose change means new workers. */
function workerSpec(e: EndpointRecord): string {
  return JSON.stringify([
    e.resources,
    e.containerVolumeInGb,
    e.minSingleCardVramInGb,
    e.minSingleCardRamInGb,
    e.minSingleCardVcpu,
    e.containerRegistryAuthId,
    e.initializationCommand,
    e.environmentVars,
    e.expose,
  ]);
}

function updateEndpoint(e: EndpointRecord, f: Fields, cloud: Cloud): void {
  const name = f.string("name", { ...SHORT_NAME, required: true }) as string;
  const spec = readSpec(f, cloud);
  // PATCH names the credential `credentialId`; `containerRegistryAuthId` is not read here.
  const credentialId = f.id("credentialId");
  const webhook = f.string("webhook", { max: 512 });
  if (credentialId !== undefined) requireCredential(cloud.store, credentialId, "credentialId");
  if (e.status === "INITIALIZING" || e.status === "STOPPING") {
    throw statusInvalid(`endpoint [${e.id}] cannot be updated while ${e.status}`);
  }
  const before = workerSpec(e);
  e.name = name;
  e.resources = spec.resources;
  e.containerVolumeInGb = spec.containerVolumeInGb;
  // Absent optional fields keep their values (a partial update); null fields are absent.
  if (spec.minSingleCardVramInGb !== null) e.minSingleCardVramInGb = spec.minSingleCardVramInGb;
  if (spec.minSingleCardRamInGb !== null) e.minSingleCardRamInGb = spec.minSingleCardRamInGb;
  if (spec.minSingleCardVcpu !== null) e.minSingleCardVcpu = spec.minSingleCardVcpu;
  if (spec.initializationCommand !== undefined)
    e.initializationCommand = spec.initializationCommand;
  if (spec.environmentVars !== undefined) e.environmentVars = spec.environmentVars;
  if (spec.expose !== undefined) e.expose = spec.expose;
  if (credentialId !== undefined) e.containerRegistryAuthId = credentialId;
  if (webhook !== undefined) e.webhook = webhook;
  cloud.store.touch(e);
  if (e.status === "STOPPED") {
    e.workers = spec.workers;
  } else if (workerSpec(e) !== before) {
    e.workers = spec.workers;
    deploy(cloud, e);
  } else if (spec.workers !== e.workers) {
    scaleEndpoint(cloud, e, spec.workers);
  }
}

function queueEndpoint(cloud: Cloud, id: string, kind: "submit" | "read"): EndpointRecord {
  const e = find(cloud, id);
  if (e.serviceMode !== "QUEUE") {
    throw invalid(`tasks need serviceMode QUEUE; endpoint [${e.id}] is ${e.serviceMode}`);
  }
  const perSecond =
    kind === "submit" ? cloud.limits.taskSubmitsPerSecond : cloud.limits.taskReadsPerSecond;
  if (!cloud.limiter.allow(`${e.id}:${kind}`, perSecond)) {
    throw new ApiError(Code.TOO_MANY_REQUESTS, "too many requests", 429, { "retry-after": "1" });
  }
  return e;
}

function submitTask(e: EndpointRecord, f: Fields, cloud: Cloud): TaskRecord {
  const taskId = f.string("taskId", {
    min: 1,
    max: 255,
    pattern: /^\w+$/,
    patternHint: "must use only letters, digits and _",
  });
  const input = f.any("input", { required: true });
  const workerPort = f.int("workerPort", { required: true, min: 1, max: 65535 }) as number;
  const processUri = f.string("processUri", { required: true, min: 1, max: 255 }) as string;
  const webhook = f.string("webhook", { max: 512 }) ?? null;
  const webhookAuthKey = f.string("webhookAuthKey", { max: 255 }) ?? null;
  const headers = f.stringMap("headers") ?? null;
  if (taskId !== undefined && e.tasks.some((t) => t.taskId === taskId)) {
    throw invalid(`taskId [${taskId}] already exists`);
  }
  if (e.status === "STOPPED" || e.status === "STOPPING") {
    throw new ApiError(
      Code.SERVERLESS_UNAVAILABLE,
      `serverless unavailable: endpoint is ${e.status}`,
    );
  }
  const now = cloud.store.now();
  const task: TaskRecord = {
    taskId: taskId ?? randomUUID(),
    status: "PROCESSING",
    workerId: null,
    workerPort,
    processUri,
    webhook,
    webhookAuthKey,
    deliveryStatus: "INIT",
    deliveryAttempts: 0,
    error: null,
    input,
    output: null,
    headers,
    createdAt: now,
    updatedAt: now,
    deliveredAt: null,
  };
  e.tasks.push(task);
  cloud.store.touch(e);
  dispatch(cloud, e, now);
  return task;
}

/** A log time given as epoch milliseconds or ISO 8601. */
function logTime(query: URLSearchParams, name: string): number | undefined {
  const text = query.get(name);
  if (text === null || text === "") return undefined;
  const ms = /^\d+$/.test(text) ? Number(text) : Date.parse(text);
  if (Number.isNaN(ms)) throw invalid(`${name} must be epoch milliseconds or ISO 8601`);
  return ms;
}

function workerLogs(worker: WorkerRecord, query: URLSearchParams) {
  const pageSize = queryInt(query, "pageSize", {
    min: 1,
    max: MAX_LOG_PAGE,
    default: 100,
  }) as number;
  const keyword = query.get("keyword")?.toLowerCase() || undefined;
  const startTime = logTime(query, "startTime");
  const endTime = logTime(query, "endTime");
  const afterTime = logTime(query, "searchAfterTime");
  const afterOffsetText = query.get("searchAfterOffset");
  if (afterOffsetText && !/^\d+$/.test(afterOffsetText)) {
    throw invalid("searchAfterOffset must be an integer");
  }
  const afterOffset = afterOffsetText ? Number(afterOffsetText) : undefined;
  if ((afterTime === undefined) !== (afterOffset === undefined)) {
    throw invalid("searchAfterTime and searchAfterOffset go together");
  }
  const direction = query.get("direction") ?? "Forward";
  if (direction !== "Forward" && direction !== "Backward") {
    throw invalid("direction must be one of Forward, Backward");
  }
  const forward = direction === "Forward";
  // (timestamp, offset) orders the lines; the cursor is the last line of the previous page.
  const beyondCursor = (l: LogLine): boolean => {
    if (afterTime === undefined || afterOffset === undefined) return true;
    const cmp = l.timestamp - afterTime || l.offset - afterOffset;
    return forward ? cmp > 0 : cmp < 0;
  };
  const lines = worker.logs
    .filter((l) => startTime === undefined || l.timestamp >= startTime)
    .filter((l) => endTime === undefined || l.timestamp <= endTime)
    .filter((l) => keyword === undefined || l.log.toLowerCase().includes(keyword))
    .filter(beyondCursor);
  if (!forward) lines.reverse();
  const page = lines.slice(0, pageSize);
  const last = page[page.length - 1];
  return {
    logs: page.map((l) => ({
      timestamp: new Date(l.timestamp).toISOString(),
      log: l.log,
      offset: l.offset,
    })),
    hasMore: lines.length > page.length,
    nextSearchAfterTime: last ? String(last.timestamp) : null,
    nextSearchAfterOffset: last ? String(last.offset) : null,
  };
}

function statusFilter<T extends string>(
  query: URLSearchParams,
  name: string,
  known: readonly T[],
): T[] | undefined {
  const values = queryList(query, name);
  values?.forEach((v) => {
    if (!(known as readonly string[]).includes(v)) throw invalid(`${name}: unknown status [${v}]`);
  });
  return values as T[] | undefined;
}

export const endpointRoutes: Route[] = [
  {
    method: "POST",
    template: "/v2/serverless",
    handler: ({ body }, cloud) => {
      const e = createEndpoint(Fields.body(body), cloud);
      const view = cloud.view();
      return view.created(e.id, endpointView(e, view, cloud));
    },
  },
  {
    method: "GET",
    template: "/v2/serverless",
    handler: ({ query }, cloud) => {
      const statuses = statusFilter(query, "statusList", [
        "INITIALIZING",
        "RUNNING",
        "STOPPING",
        "STOPPED",
        "FAILED",
      ] as const);
      const view = cloud.view();
      return listed(cloud, "endpoint")
        .filter((e) => !statuses || statuses.includes(e.status))
        .map((e) => endpointView(e, view, cloud));
    },
  },
  {
    method: "GET",
    template: "/v2/serverless/{id}",
    handler: ({ params }, cloud) =>
      endpointView(find(cloud, params.id as string), cloud.view(), cloud),
  },
  {
    method: "PATCH",
    template: "/v2/serverless/{id}",
    handler: ({ params, body }, cloud) => {
      const e = find(cloud, params.id as string);
      updateEndpoint(e, Fields.body(body), cloud);
      return endpointView(e, cloud.view(), cloud);
    },
  },
  {
    method: "POST",
    template: "/v2/serverless/{id}/stop",
    handler: ({ params }, cloud) => {
      const e = find(cloud, params.id as string);
      if (e.status === "STOPPING" || e.status === "STOPPED") {
        throw new ApiError(Code.ACTION_NOT_ALLOWED, `endpoint [${e.id}] is already ${e.status}`);
      }
      e.status = "STOPPING";
      for (const w of e.workerList) w.status = "TERMINATING";
      cloud.store.touch(e);
      cloud.store.schedule(e, [
        { at: cloud.store.now() + cloud.timing.endpointStoppingMs, action: "STOPPED" },
      ]);
      return null;
    },
  },
  {
    method: "POST",
    template: "/v2/serverless/{id}/start",
    handler: ({ params }, cloud) => {
      const e = find(cloud, params.id as string);
      if (e.status !== "STOPPED" && e.status !== "FAILED") {
        throw new ApiError(
          Code.ACTION_NOT_ALLOWED,
          `endpoint [${e.id}] cannot start while ${e.status}`,
        );
      }
      cloud.store.touch(e);
      deploy(cloud, e);
      return null;
    },
  },
  {
    method: "DELETE",
    template: "/v2/serverless/{id}",
    handler: ({ params }, cloud) => {
      const e = find(cloud, params.id as string);
      if (e.status !== "STOPPED") {
        throw new ApiError(
          Code.ACTION_NOT_ALLOWED,
          `endpoint [${e.id}] must be STOPPED before it is deleted (status ${e.status})`,
        );
      }
      cloud.store.remove("endpoint", e.id);
      return null;
    },
  },
  {
    method: "PUT",
    template: "/v2/serverless/{id}/workers",
    handler: ({ params, query }, cloud) => {
      const e = find(cloud, params.id as string);
      const count = queryInt(query, "count", {
        required: true,
        min: 1,
        max: cloud.limits.maxWorkers,
      }) as number;
      scaleEndpoint(cloud, e, count);
      return endpointView(e, cloud.view(), cloud);
    },
  },
  {
    method: "GET",
    template: "/v2/serverless/{id}/workers",
    handler: ({ params, query }, cloud) => {
      const e = find(cloud, params.id as string);
      const statuses = statusFilter(query, "statusList", WORKER_STATUSES);
      const view = cloud.view();
      return e.workerList
        .filter((w) => !statuses || statuses.includes(w.status))
        .map((w) => workerView(w, view));
    },
  },
  {
    method: "GET",
    template: "/v2/serverless/{id}/workers/{workerId}/logs",
    handler: ({ params, query }, cloud) => {
      const e = find(cloud, params.id as string);
      const worker = e.workerList.find((w) => w.workerId === params.workerId);
      if (!worker) throw new ApiError(Code.RECORD_NOT_EXIST, "worker does not exist");
      return workerLogs(worker, query);
    },
  },
  {
    method: "POST",
    template: "/v2/serverless/{id}/tasks",
    handler: ({ params, body }, cloud) => {
      const e = queueEndpoint(cloud, params.id as string, "submit");
      return { taskId: submitTask(e, Fields.body(body), cloud).taskId };
    },
  },
  {
    method: "GET",
    template: "/v2/serverless/{id}/tasks",
    handler: ({ params, query }, cloud) => {
      const e = queueEndpoint(cloud, params.id as string, "read");
      const status = query.get("status") || undefined;
      if (status !== undefined && !(TASK_STATUSES as readonly string[]).includes(status)) {
        throw invalid(`status must be one of ${TASK_STATUSES.join(", ")}`);
      }
      const page = queryInt(query, "pageNumber", { min: 1, default: 1 }) as number;
      const size = queryInt(query, "pageSize", { min: 1, max: 100, default: 10 }) as number;
      const view = cloud.view();
      const matching = e.tasks.filter((t) => status === undefined || t.status === status);
      return paginate(matching, page, size, (t) => taskView(e, t, view, false));
    },
  },
  {
    method: "GET",
    template: "/v2/serverless/{id}/tasks/count",
    handler: ({ params }, cloud) => {
      const e = queueEndpoint(cloud, params.id as string, "read");
      return { processing: e.tasks.filter((t) => t.status === "PROCESSING").length };
    },
  },
  {
    method: "GET",
    template: "/v2/serverless/{id}/tasks/{taskId}",
    handler: ({ params }, cloud) => {
      const e = queueEndpoint(cloud, params.id as string, "read");
      const task = e.tasks.find((t) => t.taskId === params.taskId);
      if (!task) throw new ApiError(Code.TASK_NOT_EXIST, "task does not exist");
      return taskView(e, task, cloud.view(), true);
    },
  },
];
