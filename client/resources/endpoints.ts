/**
 * Serverless endpoints: `/v2/serverless` (docs/api.md §3), with their workers, worker logs and
 * (QUEUE mode) tasks.
 */
import { z } from "zod";
import {
  Bool,
  EnvVarOut,
  Id,
  IdRef,
  Int,
  list,
  Num,
  optional,
  records,
  renamed,
  status,
  Str,
  Timestamp,
} from "../core/fields";
import { path, type RequestOptions, type Transport } from "../core/http";
import { Watcher, type WatcherOptions } from "../core/watch";
import { DEFAULT_PAGE_SIZE, Paginated, pageOf } from "../core/paginate";
import {
  EndpointContainerVolume,
  EndpointProtocol,
  EndpointResources,
  EnvVars,
  Image,
  ImageRegistry,
  NonNegativeInt,
  ServiceModeIn,
  ShortName,
  Webhook,
  Workers,
  port,
  type ServiceMode,
} from "../core/rules";
import { parseRequest, parseResponse, withName } from "../core/validation";
import { createdResource } from "./created";

export { SERVICE_MODES } from "../core/rules";
export type { ServiceMode } from "../core/rules";

// ---- requests (strict, with the rules of core/rules.ts) ----

const EndpointExposeIn = z.strictObject({
  port: port(1),
  protocol: EndpointProtocol,
});

const MinSingleCard = {
  minSingleCardVramInGb: NonNegativeInt.optional(),
  minSingleCardRamInGb: NonNegativeInt.optional(),
  minSingleCardVcpu: NonNegativeInt.optional(),
};

export const EndpointCreate = z.strictObject({
  name: ShortName,
  image: Image,
  imageRegistry: ImageRegistry.optional(),
  containerRegistryAuthId: IdRef.optional(),
  resources: EndpointResources,
  workers: Workers,
  containerVolumeInGb: EndpointContainerVolume,
  ...MinSingleCard,
  initializationCommand: z.string().optional(),
  // Sent as `environmentVars` only (docs/api.md §3, Decision); `envVars` is read, never sent.
  environmentVars: EnvVars.optional(),
  expose: EndpointExposeIn.optional(),
  serviceMode: ServiceModeIn,
  webhook: Webhook.optional(),
});
export type EndpointCreate = z.input<typeof EndpointCreate>;

/**
 * The PATCH body. Callers send the full desired set of updatable fields, so the call means the
 * same whether the server merges or replaces (docs/api.md §3, Decision). Note `credentialId`:
 * the update names the credential differently from the create.
 */
export const EndpointUpdate = z.strictObject({
  name: ShortName,
  resources: EndpointResources,
  workers: Workers,
  containerVolumeInGb: EndpointContainerVolume,
  ...MinSingleCard,
  credentialId: IdRef.optional(),
  initializationCommand: z.string().optional(),
  environmentVars: EnvVars.optional(),
  expose: EndpointExposeIn.optional(),
  webhook: Webhook.optional(),
});
export type EndpointUpdate = z.input<typeof EndpointUpdate>;

export const TaskSubmit = z.strictObject({
  taskId: z
    .string()
    .regex(/^[A-Za-z0-9_]{1,255}$/, { message: "must be 1-255 letters, digits or underscores" })
    .optional(),
  input: z.unknown().refine((v) => v !== undefined, { message: "is required" }),
  workerPort: z.number().int().min(1).max(65535),
  processUri: z.string().min(1).max(255),
  webhook: Webhook.optional(),
  webhookAuthKey: z.string().max(255).optional(),
  headers: z.record(z.string(), z.string()).optional(),
});
export type TaskSubmit = z.input<typeof TaskSubmit>;

/** A time for the log query: a Date, epoch milliseconds, or ISO 8601 text. */
const LogTime = z
  .union([z.date(), z.number().int().nonnegative(), z.string().min(1)])
  .transform((t) => (t instanceof Date ? String(t.getTime()) : String(t)));

export const WorkerLogQuery = z.strictObject({
  pageSize: z.number().int().min(1).max(1000).optional(),
  keyword: z.string().optional(),
  startTime: LogTime.optional(),
  endTime: LogTime.optional(),
  /** The `nextSearchAfterTime` of the previous page. */
  searchAfterTime: z.string().min(1).optional(),
  /** The `nextSearchAfterOffset` of the previous page. */
  searchAfterOffset: z
    .union([z.string().regex(/^\d+$/), z.number().int().nonnegative()])
    .optional(),
  direction: z.enum(["Forward", "Backward"]).optional(),
});
export type WorkerLogQuery = z.input<typeof WorkerLogQuery>;

// ---- responses ----

export const ENDPOINT_STATUSES = [
  "INITIALIZING",
  "RUNNING",
  "STOPPING",
  "STOPPED",
  "FAILED",
  "TERMINATED",
] as const;
export type EndpointStatus = (typeof ENDPOINT_STATUSES)[number];

const upper = (s: string): string => s.toUpperCase();

export const EndpointResource = z.looseObject({ region: Str, gpuType: Str, gpuCount: Int });
export type EndpointResource = z.output<typeof EndpointResource>;

export const Endpoint = z.preprocess(
  renamed({ envVars: "environmentVars" }),
  z.looseObject({
    id: Id,
    name: Str,
    image: optional(Str),
    imageRegistry: optional(Str),
    containerRegistryAuthId: optional(Id),
    status: status<EndpointStatus>(upper),
    totalWorkers: optional(Int),
    runningWorkers: optional(Int),
    /** USD per hour, for the workers running now. */
    cost: optional(Num),
    /** USD per hour per worker. */
    perHourPrice: optional(Num),
    serviceMode: optional(status<ServiceMode>(upper)),
    webhook: optional(Str),
    resources: optional(list(EndpointResource)),
    containerVolumeInGb: optional(Int),
    minSingleCardVramInGb: optional(Int),
    minSingleCardRamInGb: optional(Int),
    minSingleCardVcpu: optional(Int),
    initializationCommand: optional(Str),
    /** Read from `environmentVars` or `envVars`, whichever the service sent. */
    environmentVars: optional(list(EnvVarOut)),
    expose: optional(z.looseObject({ port: Int, protocol: optional(Str) })),
    domain: optional(Str),
    createdAt: optional(Timestamp),
    updatedAt: optional(Timestamp),
  }),
);
export type Endpoint = z.output<typeof Endpoint>;

export const Worker = z.looseObject({
  workerId: Id,
  status: status<"INITIALIZING" | "RUNNING" | "FAILED" | "TERMINATING">(upper),
  createdAt: optional(Timestamp),
});
export type Worker = z.output<typeof Worker>;

export const WorkerLogPage = z.looseObject({
  logs: list(
    z.looseObject({
      timestamp: Timestamp,
      log: z.preprocess((v) => v ?? "", Str),
      offset: optional(Int),
    }),
  ),
  hasMore: z.preprocess((v) => v ?? false, Bool),
  nextSearchAfterTime: optional(Str),
  nextSearchAfterOffset: optional(Str),
});
export type WorkerLogPage = z.output<typeof WorkerLogPage>;

export const TASK_STATUSES = ["PROCESSING", "DELIVERED", "SUCCESS", "FAILED"] as const;
export type TaskStatus = (typeof TASK_STATUSES)[number];

export const Task = z.looseObject({
  taskId: Str,
  endpointId: optional(Id),
  endpointName: optional(Str),
  status: status<TaskStatus>(upper),
  workerUrl: optional(Str),
  webhook: optional(Str),
  deliveryStatus: optional(status<"INIT" | "SUCCESS" | "FAILED" | "MAX_RETRIES_EXCEEDED">(upper)),
  deliveryAttempts: optional(Int),
  error: optional(Str),
  /** The task's input and output, as the service holds them; the list leaves them out. */
  input: z.unknown().optional(),
  output: z.unknown().optional(),
  headers: optional(z.record(z.string(), Str)),
  createdAt: optional(Timestamp),
  updatedAt: optional(Timestamp),
  deliveredAt: optional(Timestamp),
});
export type Task = z.output<typeof Task>;

export const TaskSubmitted = z.looseObject({ taskId: Str });
export type TaskSubmitted = z.output<typeof TaskSubmitted>;

/** Only `processing` is documented today; more counts are announced, and are kept when sent. */
export const TaskCount = z.looseObject({ processing: Int });
export type TaskCount = z.output<typeof TaskCount>;

export interface EndpointListFilter {
  statuses?: readonly string[];
}

export interface TaskListFilter {
  status?: TaskStatus;
  /** Items fetched per request (the API's default is 10). */
  pageSize?: number;
}

/** Tasks of QUEUE-mode endpoints (other modes answer 10001). */
export class Tasks {
  readonly #http: Transport;

  constructor(http: Transport) {
    this.#http = http;
  }

  /**
   * Queues a task. Like every create it is not retried after an ambiguous failure; give a
   * `taskId` to be able to look it up with {@link get} afterwards.
   */
  async submit(
    endpointId: string,
    body: TaskSubmit,
    options?: RequestOptions,
  ): Promise<TaskSubmitted> {
    return this.#http.send({
      call: "endpoints.tasks.submit",
      kind: "create",
      method: "POST",
      path: path`/v2/serverless/${endpointId}/tasks`,
      body: parseRequest(TaskSubmit, body, "endpoints.tasks.submit"),
      response: TaskSubmitted,
      options,
    });
  }

  async get(endpointId: string, taskId: string, options?: RequestOptions): Promise<Task> {
    return this.#http.send({
      call: "endpoints.tasks.get",
      kind: "read",
      method: "GET",
      path: path`/v2/serverless/${endpointId}/tasks/${taskId}`,
      response: Task,
      options,
    });
  }

  /** Every task of the endpoint, page by page (`pageNumber`/`pageSize`). */
  list(endpointId: string, filter: TaskListFilter = {}, options?: RequestOptions): Paginated<Task> {
    const page = pageOf(Task);
    return new Paginated(
      (pageNumber, pageSize) =>
        this.#http.send({
          call: "endpoints.tasks.list",
          kind: "read",
          method: "GET",
          path: path`/v2/serverless/${endpointId}/tasks`,
          query: { status: filter.status, pageNumber, pageSize },
          response: page,
          options,
        }),
      filter.pageSize ?? DEFAULT_PAGE_SIZE,
    );
  }

  async count(endpointId: string, options?: RequestOptions): Promise<TaskCount> {
    return this.#http.send({
      call: "endpoints.tasks.count",
      kind: "read",
      method: "GET",
      path: path`/v2/serverless/${endpointId}/tasks/count`,
      response: TaskCount,
      options,
    });
  }
}

export class Endpoints {
  readonly #http: Transport;
  readonly tasks: Tasks;
  /** Shared rounds of reads for every caller of this client (client/core/watch.ts). */
  readonly watcher: Watcher<Endpoint>;

  constructor(http: Transport, watch?: WatcherOptions) {
    this.#http = http;
    this.tasks = new Tasks(http);
    this.watcher = new Watcher(
      {
        list: (options) => this.list({}, options),
        get: (id, options) => this.get(id, options),
        idOf: (endpoint) => endpoint.id,
      },
      watch,
    );
  }

  /**
   * Creates an endpoint. Never retried after an ambiguous failure: use {@link findByName} to see
   * whether it was made.
   */
  async create(body: EndpointCreate, options?: RequestOptions): Promise<Endpoint> {
    const data = await this.#http.send({
      call: "endpoints.create",
      kind: "create",
      method: "POST",
      path: "/v2/serverless",
      body: parseRequest(EndpointCreate, body, "endpoints.create"),
      response: z.unknown(),
      options,
    });
    return createdResource(data, Endpoint, "endpoints.create", "POST /v2/serverless", (id) =>
      this.get(id, options),
    );
  }

  async list(filter: EndpointListFilter = {}, options?: RequestOptions): Promise<Endpoint[]> {
    return this.#http.send({
      call: "endpoints.list",
      kind: "read",
      method: "GET",
      path: "/v2/serverless",
      query: { statusList: filter.statuses },
      response: records(Endpoint),
      options,
    });
  }

  async get(id: string, options?: RequestOptions): Promise<Endpoint> {
    return this.#http.send({
      call: "endpoints.get",
      kind: "read",
      method: "GET",
      path: path`/v2/serverless/${id}`,
      response: Endpoint,
      options,
    });
  }

  /** PATCH with the full desired set of updatable fields (`image`/`serviceMode` are not). */
  async update(id: string, body: EndpointUpdate, options?: RequestOptions): Promise<Endpoint> {
    const data = await this.#http.send({
      call: "endpoints.update",
      kind: "update",
      method: "PATCH",
      path: path`/v2/serverless/${id}`,
      body: parseRequest(EndpointUpdate, body, "endpoints.update"),
      response: z.unknown(),
      options,
    });
    // An answer without the endpoint (null, or an id as v1 did) is followed by a read.
    if (typeof data !== "object" || data === null) return this.get(id, options);
    return parseResponse(Endpoint, data, {
      call: "endpoints.update",
      request: `PATCH /v2/serverless/${encodeURIComponent(id)}`,
    });
  }

  /** RUNNING → STOPPING → STOPPED. */
  async stop(id: string, options?: RequestOptions): Promise<void> {
    await this.#action(id, "stop", options);
  }

  /** STOPPED → INITIALIZING → RUNNING. */
  async start(id: string, options?: RequestOptions): Promise<void> {
    await this.#action(id, "start", options);
  }

  /** Deletes a STOPPED endpoint; a running one answers 24002 (not allowed): stop it first. */
  async delete(id: string, options?: RequestOptions): Promise<void> {
    await this.#http.send({
      call: "endpoints.delete",
      kind: "delete",
      method: "DELETE",
      path: path`/v2/serverless/${id}`,
      response: z.unknown(),
      options,
    });
  }

  /** Sets the worker count; applies at once to a running endpoint. */
  async scaleWorkers(id: string, count: number, options?: RequestOptions): Promise<void> {
    const workers = parseRequest(Workers, count, "endpoints.scaleWorkers");
    await this.#http.send({
      call: "endpoints.scaleWorkers",
      kind: "update",
      method: "PUT",
      path: path`/v2/serverless/${id}/workers`,
      query: { count: workers },
      response: z.unknown(),
      options,
    });
  }

  async listWorkers(
    id: string,
    filter: { statuses?: readonly string[] } = {},
    options?: RequestOptions,
  ): Promise<Worker[]> {
    return this.#http.send({
      call: "endpoints.listWorkers",
      kind: "read",
      method: "GET",
      path: path`/v2/serverless/${id}/workers`,
      query: { statusList: filter.statuses },
      response: records(Worker),
      options,
    });
  }

  /**
   * One page of a worker's logs. Pass the page's `nextSearchAfterTime`/`nextSearchAfterOffset`
   * back as `searchAfterTime`/`searchAfterOffset` for the next one while `hasMore`.
   */
  async workerLogs(
    id: string,
    workerId: string,
    query: WorkerLogQuery = {},
    options?: RequestOptions,
  ): Promise<WorkerLogPage> {
    const q = parseRequest(WorkerLogQuery, query, "endpoints.workerLogs");
    return this.#http.send({
      call: "endpoints.workerLogs",
      kind: "read",
      method: "GET",
      path: path`/v2/serverless/${id}/workers/${workerId}/logs`,
      query: { ...q, searchAfterOffset: q.searchAfterOffset?.toString() },
      response: WorkerLogPage,
      options,
    });
  }

  /** Endpoints with exactly this name. */
  async findByName(name: string, options?: RequestOptions): Promise<Endpoint[]> {
    const endpoints = options ? await this.list({}, options) : await this.watcher.list();
    return withName(endpoints, name, "endpoints.list");
  }

  async #action(id: string, action: "stop" | "start", options?: RequestOptions): Promise<void> {
    await this.#http.send({
      call: `endpoints.${action}`,
      kind: "action",
      method: "POST",
      path: path`/v2/serverless/${id}/${action}`,
      response: z.unknown(),
      options,
    });
  }
}
