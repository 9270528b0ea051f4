/** Virtual machines: `/v2/vms` (docs/api.md §6). There is no stop/start; rename is the only update. */
import { z } from "zod";
import { Bool, Id, IdRef, Int, Num, Str, Timestamp, list, optional, status } from "../core/fields";
import { path, type RequestOptions, type Transport } from "../core/http";
import { Watcher, type WatcherOptions } from "../core/watch";
import { DEFAULT_PAGE_SIZE, Paginated, pageOf } from "../core/paginate";
import { Region, VolumeMountPaths, displayName } from "../core/rules";
import { parseRequest, withName } from "../core/validation";
import { createdResource } from "./created";

const VmName = displayName(255);

// ---- requests ----

export const VmCreate = z
  .strictObject({
    /** From `vms.types()`: the one id naming a GPU type in a region. */
    vmTypeId: IdRef,
    region: Region,
    name: VmName,
    isSpot: z.boolean().optional(),
    /** Volume id → absolute mount path. */
    volumeMountPaths: VolumeMountPaths.optional(),
  })
  // The guide says 0/1, the schema boolean. 0/1 is sent: a Java server binds it to either an
  // integer or a boolean field, while `true` binds only to a boolean.
  .transform(({ isSpot, ...rest }) => ({
    ...rest,
    ...(isSpot === undefined ? {} : { isSpot: isSpot ? 1 : 0 }),
  }));
export type VmCreate = z.input<typeof VmCreate>;

// ---- responses ----

export const VM_STATUSES = ["initializing", "running", "stopped", "terminated"] as const;
export type VmStatus = (typeof VM_STATUSES)[number];

export const Vm = z.looseObject({
  id: Id,
  name: Str,
  /** Lower case; a v1 response said `Terminated`. */
  status: status<VmStatus>((s) => s.toLowerCase()),
  vmTypeId: optional(Id),
  gpuDisplayName: optional(Str),
  ipAddress: optional(Str),
  cpuCores: optional(Num),
  /** The model documents the three sizes as strings; exposed as numbers. */
  memoryInGb: optional(Num),
  gpuCount: optional(Int),
  gpuMemoryInGb: optional(Num),
  storageInGb: optional(Num),
  region: optional(Str),
  sshTemplate: optional(Str),
  createdAt: optional(Timestamp),
  isSpot: optional(Bool),
});
export type Vm = z.output<typeof Vm>;

export const VmType = z.looseObject({
  gpuType: Str,
  regions: list(
    z.looseObject({
      region: Str,
      regionName: optional(Str),
      available: z.preprocess((v) => v ?? false, Bool),
      vmTypeId: Id,
    }),
  ),
});
export type VmType = z.output<typeof VmType>;

export interface VmListFilter {
  status?: VmStatus;
  /** Items fetched per request (the API's default is 10). */
  pageSize?: number;
}

export class Vms {
  readonly #http: Transport;
  /** Shared rounds of reads for every caller of this client (client/core/watch.ts). */
  readonly watcher: Watcher<Vm>;

  constructor(http: Transport, watch?: WatcherOptions) {
    this.#http = http;
    this.watcher = new Watcher(
      {
        list: (options) => this.list({}, options).toArray(),
        get: (id, options) => this.get(id, options),
        idOf: (vm) => vm.id,
      },
      watch,
    );
  }

  /** GPU types and where each can be had now: the only availability lookup. */
  async types(options?: RequestOptions): Promise<VmType[]> {
    return this.#http.send({
      call: "vms.types",
      kind: "read",
      method: "GET",
      path: "/v2/vms/types",
      response: list(VmType),
      options,
    });
  }

  /**
   * Creates a VM. Never retried after an ambiguous failure: use {@link findByName} to see whether
   * it was made.
   */
  async create(body: VmCreate, options?: RequestOptions): Promise<Vm> {
    const data = await this.#http.send({
      call: "vms.create",
      kind: "create",
      method: "POST",
      path: "/v2/vms",
      body: parseRequest(VmCreate, body, "vms.create"),
      response: z.unknown(),
      options,
    });
    return createdResource(data, Vm, "vms.create", "POST /v2/vms", (id) => this.get(id, options));
  }

  /** Every VM (terminated ones stay listed for a while), page by page. */
  list(filter: VmListFilter = {}, options?: RequestOptions): Paginated<Vm> {
    const page = pageOf(Vm);
    return new Paginated(
      (pageNumber, size) =>
        this.#http.send({
          call: "vms.list",
          kind: "read",
          method: "GET",
          path: "/v2/vms",
          query: { status: filter.status, page: pageNumber, size },
          response: page,
          options,
        }),
      filter.pageSize ?? DEFAULT_PAGE_SIZE,
    );
  }

  async get(id: string, options?: RequestOptions): Promise<Vm> {
    return this.#http.send({
      call: "vms.get",
      kind: "read",
      method: "GET",
      path: path`/v2/vms/${id}`,
      response: Vm,
      options,
    });
  }

  async rename(id: string, name: string, options?: RequestOptions): Promise<void> {
    const body = parseRequest(z.strictObject({ name: VmName }), { name }, "vms.rename");
    await this.#http.send({
      call: "vms.rename",
      kind: "update",
      method: "PATCH",
      path: path`/v2/vms/${id}`,
      body,
      response: z.unknown(),
      options,
    });
  }

  /** Terminates the VM at once; 11002 (not allowed) when the account may not. */
  async terminate(id: string, options?: RequestOptions): Promise<void> {
    await this.#http.send({
      call: "vms.terminate",
      kind: "delete",
      method: "DELETE",
      path: path`/v2/vms/${id}`,
      response: z.unknown(),
      options,
    });
  }

  /**
   * VMs with exactly this name, terminated ones included, from a list made after the call;
   * without `options`, a list shared with the watcher's other callers.
   */
  async findByName(name: string, options?: RequestOptions): Promise<Vm[]> {
    const vms = options ? await this.list({}, options).toArray() : await this.watcher.list();
    return withName(vms, name, "vms.list");
  }
}
