/** Storage volumes: `/v2/volumes` (docs/api.md §4). */
import { z } from "zod";
import { Id, Int, Num, Str, Timestamp, caseless, optional, renamed, status } from "../core/fields";
import { path, type RequestOptions, type Transport } from "../core/http";
import { Watcher, type WatcherOptions } from "../core/watch";
import { DEFAULT_PAGE_SIZE, Paginated, pageOf } from "../core/paginate";
import {
  Region,
  STORAGE_TYPES,
  StorageTypeIn,
  VENDOR_VOLUME_TYPES,
  VendorVolumeType,
  VolumeSize,
  displayName,
  report,
  volumeSpanIssues,
  type StorageType,
} from "../core/rules";
import { parseRequest, withName } from "../core/validation";
import { createdResource } from "./created";

export { STORAGE_TYPES, VENDOR_VOLUME_TYPES } from "../core/rules";
export type { StorageType } from "../core/rules";

const VolumeName = displayName(255);

// ---- requests ----

export const VolumeCreate = z
  .strictObject({
    name: VolumeName,
    storageType: StorageTypeIn,
    region: Region.optional(),
    sizeInGb: VolumeSize.optional(),
    vendorVolumeType: VendorVolumeType.optional(),
  })
  // The per-type rules of docs/api.md §4: S3 and R2 need only a name, and some fields are
  // refused for some types.
  .superRefine((v, ctx) => report(ctx, volumeSpanIssues(v)));
export type VolumeCreate = z.input<typeof VolumeCreate>;

export interface VolumeListFilter {
  /** Required by the API: a list covers one storage type. */
  storageType: StorageType;
  region?: string;
  /** Items fetched per request (the API's default is 10). */
  pageSize?: number;
}

// ---- responses ----

export const VOLUME_STATUSES = ["creating", "active", "resizing", "deleting", "error"] as const;
export type VolumeStatus = (typeof VOLUME_STATUSES)[number];

export const Volume = z.preprocess(
  // The newer schema calls the storage type `type`.
  renamed({ type: "storageType" }),
  z.looseObject({
    id: Id,
    name: Str,
    storageType: caseless(STORAGE_TYPES),
    status: status<VolumeStatus>((s) => s.toLowerCase()),
    sizeInGb: optional(Int),
    region: optional(Str),
    vendorVolumeType: optional(caseless(VENDOR_VOLUME_TYPES)),
    /** Pods and VMs mounting the volume; resize and delete need 0. */
    mountCount: optional(Int),
    cost: optional(Num),
    createdAt: optional(Timestamp),
  }),
);
export type Volume = z.output<typeof Volume>;

export class Volumes {
  readonly #http: Transport;
  readonly #watchers = new Map<StorageType, Watcher<Volume>>();
  readonly #watch: WatcherOptions | undefined;

  constructor(http: Transport, watch?: WatcherOptions) {
    this.#http = http;
    this.#watch = watch;
  }

  /**
   * Shared rounds of reads of one storage type for every caller of this client (a list covers
   * one storage type; client/core/watch.ts).
   */
  watcher(storageType: StorageType): Watcher<Volume> {
    let watcher = this.#watchers.get(storageType);
    if (!watcher) {
      watcher = new Watcher(
        {
          list: (options) => this.list({ storageType }, options).toArray(),
          get: (id, options) => this.get(id, options),
          idOf: (volume) => volume.id,
        },
        this.#watch,
      );
      this.#watchers.set(storageType, watcher);
    }
    return watcher;
  }

  /** Creates a volume; names are unique per account, so {@link findByName} finds it again. */
  async create(body: VolumeCreate, options?: RequestOptions): Promise<Volume> {
    const data = await this.#http.send({
      call: "volumes.create",
      kind: "create",
      method: "POST",
      path: "/v2/volumes",
      body: parseRequest(VolumeCreate, body, "volumes.create"),
      response: z.unknown(),
      options,
    });
    return createdResource(data, Volume, "volumes.create", "POST /v2/volumes", (id) =>
      this.get(id, options),
    );
  }

  /** The volumes of one storage type, page by page. */
  list(filter: VolumeListFilter, options?: RequestOptions): Paginated<Volume> {
    const { storageType } = parseRequest(
      z.object({ storageType: StorageTypeIn }),
      filter,
      "volumes.list",
    );
    const page = pageOf(Volume);
    return new Paginated(
      (pageNumber, size) =>
        this.#http.send({
          call: "volumes.list",
          kind: "read",
          method: "GET",
          path: "/v2/volumes",
          query: { storageType, region: filter.region, page: pageNumber, size },
          response: page,
          options,
        }),
      filter.pageSize ?? DEFAULT_PAGE_SIZE,
    );
  }

  async get(id: string, options?: RequestOptions): Promise<Volume> {
    return this.#http.send({
      call: "volumes.get",
      kind: "read",
      method: "GET",
      path: path`/v2/volumes/${id}`,
      response: Volume,
      options,
    });
  }

  async rename(id: string, name: string, options?: RequestOptions): Promise<void> {
    const body = parseRequest(z.strictObject({ name: VolumeName }), { name }, "volumes.rename");
    await this.#http.send({
      call: "volumes.rename",
      kind: "action",
      method: "POST",
      path: path`/v2/volumes/${id}/name`,
      body,
      response: z.unknown(),
      options,
    });
  }

  /**
   * Grows a CEPH or VENDOR volume (`resizing`, then `active`). The volume must be `active` and
   * unmounted. Shrinking is the caller's decision to refuse: the API documents no shrink.
   */
  async resize(id: string, sizeInGb: number, options?: RequestOptions): Promise<void> {
    const body = parseRequest(
      z.strictObject({ sizeInGb: VolumeSize }),
      { sizeInGb },
      "volumes.resize",
    );
    await this.#http.send({
      call: "volumes.resize",
      kind: "action",
      method: "POST",
      path: path`/v2/volumes/${id}/resize`,
      body,
      response: z.unknown(),
      options,
    });
  }

  /** Deletes the volume; refused while it is mounted. */
  async delete(id: string, options?: RequestOptions): Promise<void> {
    await this.#http.send({
      call: "volumes.delete",
      kind: "delete",
      method: "DELETE",
      path: path`/v2/volumes/${id}`,
      response: z.unknown(),
      options,
    });
  }

  /**
   * Volumes with exactly this name: in one storage type when given, else in all four (a list
   * needs a storage type, so that is four listings).
   */
  async findByName(
    name: string,
    storageType?: StorageType,
    options?: RequestOptions,
  ): Promise<Volume[]> {
    const found: Volume[] = [];
    for (const type of storageType ? [storageType] : STORAGE_TYPES) {
      const volumes = options
        ? await this.list({ storageType: type }, options).toArray()
        : await this.watcher(type).list();
      found.push(...withName(volumes, name, "volumes.list"));
    }
    return found;
  }
}
