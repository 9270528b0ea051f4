import { json, type Answer } from "./answer";
import { ConfigError, type Limits, type Quirks, type Timing } from "./config";
import { ApiError } from "./errors";
import { parseJson } from "./json";
import { KINDS, type Kind, type RecordOf } from "./model";
import { deletePod, pausePod } from "./resources/pods";
import { scaleEndpoint } from "./resources/endpoints";
import { terminateVm } from "./resources/vms";
import { unmountVolumes } from "./resources/volumes";
import { isPlainObject, type EnvVar } from "./validate";
import type { Emulator, LoggedRequest } from "./emulator";
import type { Fault, FiredFault, FiringFaultType } from "./faults";

/** A refused admin call: `status` is the HTTP status the admin API answers with. */
export class AdminError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = "AdminError";
  }
}

export interface RequestFilter {
  method?: string;
  /** The matched route template, e.g. `/v2/pods/{id}`. */
  route?: string;
  /** The exact path, or a pattern. */
  path?: string | RegExp;
}

/**
 * The emulator's control panel, in process. The HTTP admin API under `/_emulator/` calls the
 * same methods. Drift operations change the cloud behind the provider's back, as a user in the
 * console or the platform itself would.
 */
export class EmulatorAdmin {
  constructor(
    private readonly emulator: Emulator,
    private readonly persist: () => void,
  ) {}

  /** An empty cloud, the start-up settings and faults, an empty request log. */
  reset(): void {
    this.emulator.reset();
    this.persist();
  }

  config(): { timing: Timing; quirks: Quirks; limits: Limits; faults: Fault[] } {
    const e = this.emulator;
    return {
      timing: { ...e.timing },
      quirks: { ...e.quirks },
      limits: { ...e.limits },
      faults: e.faults.list(),
    };
  }

  setTiming(patch: Partial<Timing>): Timing {
    return this.emulator.setTiming(patch);
  }

  setQuirks(patch: Partial<Quirks>): Quirks {
    return this.emulator.setQuirks(patch);
  }

  setLimits(patch: Partial<Limits>): Limits {
    return this.emulator.setLimits(patch);
  }

  /** Replaces the active faults. */
  setFaults(faults: Fault[]): void {
    this.emulator.faults.set(faults);
  }

  addFault(fault: Fault): void {
    this.emulator.faults.add(fault);
  }

  clearFaults(): void {
    this.emulator.faults.set([]);
  }

  /**
   * What the faults did. `byType`: firings per fault type since the start, the last `reset` or
   * `clearFaultsFired` (setting other faults does not restart it), plus `requestsPerSecond`, the
   * requests refused by that limit. `active`: each active fault with `fired`, its count since it
   * was set (what its `times` counts).
   */
  faultsFired(): {
    byType: Record<FiringFaultType | "requestsPerSecond", number>;
    active: FiredFault[];
  } {
    const e = this.emulator;
    return {
      byType: { ...e.faults.firedByType(), requestsPerSecond: e.throttled },
      active: e.faults.fired(),
    };
  }

  /** Restarts `faultsFired().byType` from zero. */
  clearFaultsFired(): void {
    this.emulator.faults.clearCounts();
    this.emulator.throttled = 0;
  }

  /** Restarts the seeded random sequence the faults draw from. */
  reseed(seed: number): void {
    this.emulator.faults.reseed(seed);
  }

  requests(filter: RequestFilter = {}): LoggedRequest[] {
    return this.emulator.log
      .all()
      .filter(
        (r) =>
          (filter.method === undefined || r.method === filter.method.toUpperCase()) &&
          (filter.route === undefined || r.route === filter.route) &&
          (filter.path === undefined ||
            (typeof filter.path === "string" ? r.path === filter.path : filter.path.test(r.path))),
      );
  }

  clearRequests(): void {
    this.emulator.log.clear();
  }

  /**
   * Resolves once no API request is in flight: a request held by a `latency` fault is handled
   * (and logged) when its delay ends even if its client gave up, so a test waits for that here.
   */
  idle(): Promise<void> {
    return this.emulator.idle();
  }

  /**
   * Record counts and the process's memory. `gc` collects garbage first when the process runs
   * with `--expose-gc`, so figures from a benchmark are not inflated by garbage.
   */
  stats(options: { gc?: boolean } = {}): {
    records: Record<Kind, number>;
    memory: NodeJS.MemoryUsage;
  } {
    const collect = (globalThis as { gc?: () => void }).gc;
    if (options.gc && collect) collect();
    const store = this.emulator.store;
    const records = Object.fromEntries(KINDS.map((kind) => [kind, store.count(kind)])) as Record<
      Kind,
      number
    >;
    return { records, memory: process.memoryUsage() };
  }

  /** The emulator's clock (epoch ms); runs ahead of the wall clock after `advance`/`settle`. */
  now(): number {
    return this.emulator.store.now();
  }

  /** Stops the emulator's clock: from now on only `advance` and `settle` move it. */
  freezeClock(): void {
    this.emulator.store.freeze();
  }

  unfreezeClock(): void {
    this.emulator.store.unfreeze();
  }

  /** Moves the clock forward; transitions due by then happen. */
  advance(ms: number): void {
    if (!(ms >= 0)) throw new AdminError(400, "advance needs a non-negative number of ms");
    this.emulator.store.advance(ms);
    this.persist();
  }

  /** Runs every lifecycle in progress to its end (not retention purges); returns the ms skipped. */
  settle(): number {
    const skipped = this.emulator.store.settle();
    this.persist();
    return skipped;
  }

  /** The stored record (a copy), including internal fields such as `pending`. */
  get<K extends Kind>(kind: K, id: string): RecordOf[K] | undefined {
    this.emulator.store.tick();
    const found = this.emulator.store.get(checkKind(kind), id);
    return found ? structuredClone(found) : undefined;
  }

  /** Every stored record of a kind (copies), terminated ones included. */
  list<K extends Kind>(kind: K): RecordOf[K][] {
    this.emulator.store.tick();
    return structuredClone(this.emulator.store.list(checkKind(kind)));
  }

  /**
   * Deletes a resource out of band. Pods go TERMINATING → TERMINATED and VMs terminate, as
   * when deleted in the console; everything else vanishes at once. `purge` makes pods and VMs
   * vanish at once too.
   */
  deleteResource(kind: Kind, id: string, options: { purge?: boolean } = {}): void {
    const store = this.emulator.store;
    const record = this.find(kind, id);
    if (record.kind === "pod" && !options.purge) {
      deletePod(this.emulator, record);
    } else if (record.kind === "vm" && !options.purge) {
      if (record.status !== "terminated") terminateVm(this.emulator, record);
    } else {
      if (record.kind === "pod")
        unmountVolumes(
          store,
          record.persistentVolumes.map((v) => v.id),
          record.id,
        );
      if (record.kind === "vm")
        unmountVolumes(store, Object.keys(record.volumeMountPaths), record.id);
      store.remove(kind, id);
    }
    this.persist();
  }

  deletePod(id: string, options: { purge?: boolean } = {}): void {
    this.deleteResource("pod", id, options);
  }

  pausePod(id: string): void {
    this.conflictsAsAdminErrors(() => pausePod(this.emulator, this.find("pod", id)));
  }

  scaleWorkers(endpointId: string, workers: number): void {
    if (!Number.isInteger(workers) || workers < 0) {
      throw new AdminError(400, "workers must be a non-negative integer");
    }
    this.conflictsAsAdminErrors(() =>
      scaleEndpoint(this.emulator, this.find("endpoint", endpointId), workers),
    );
  }

  setEnv(kind: "pod" | "endpoint", id: string, environmentVars: EnvVar[]): void {
    if (
      !Array.isArray(environmentVars) ||
      !environmentVars.every(
        (v) => isPlainObject(v) && typeof v.key === "string" && typeof v.value === "string",
      )
    ) {
      throw new AdminError(400, "environmentVars must be [{key, value}] strings");
    }
    if (kind !== "pod" && kind !== "endpoint")
      throw new AdminError(400, "only pods and endpoints have environment variables");
    const record = this.find(kind, id);
    record.environmentVars = environmentVars.map((v) => ({ key: v.key, value: v.value }));
    this.changed(record);
  }

  rename(kind: Kind, id: string, name: string): void {
    if (typeof name !== "string") throw new AdminError(400, "name must be a string");
    const record = this.find(kind, id);
    record.name = name;
    this.changed(record);
  }

  /** Sets a volume's size at once (no `resizing` phase). */
  resize(volumeId: string, sizeInGb: number): void {
    if (!Number.isInteger(sizeInGb) || sizeInGb < 1)
      throw new AdminError(400, "sizeInGb must be a positive integer");
    const volume = this.find("volume", volumeId);
    volume.sizeInGb = sizeInGb;
    this.changed(volume);
  }

  /** Forces a status (a pod FAILED, a VM stopped) and cancels the lifecycle in progress. */
  setStatus(kind: Kind, id: string, status: string): void {
    if (typeof status !== "string" || status === "")
      throw new AdminError(400, "status must be a string");
    const record = this.find(kind, id);
    (record as { status: string }).status = status;
    this.emulator.store.schedule(record, [], { replace: true });
    this.changed(record);
  }

  /**
   * Overwrites stored fields (anything but `id`, `kind` and `pending`): the general tool for
   * drift the other operations do not cover, such as a changed image or a protected VM.
   */
  patch(kind: Kind, id: string, fields: Record<string, unknown>): void {
    if (!isPlainObject(fields)) throw new AdminError(400, "fields must be an object");
    const record = this.find(kind, id) as unknown as Record<string, unknown>;
    for (const key of Object.keys(fields)) {
      if (key === "id" || key === "kind" || key === "pending" || !(key in record)) {
        throw new AdminError(400, `${kind} has no patchable field ${key}`);
      }
    }
    Object.assign(record, structuredClone(fields));
    this.changed(record as unknown as RecordOf[Kind]);
  }

  private find<K extends Kind>(kind: K, id: string): RecordOf[K] {
    this.emulator.store.tick();
    const record = this.emulator.store.get(checkKind(kind), id);
    if (!record) throw new AdminError(404, `no ${kind} ${id}`);
    return record;
  }

  private changed(record: RecordOf[Kind]): void {
    this.emulator.store.touch(record);
    this.persist();
  }

  private conflictsAsAdminErrors(action: () => void): void {
    try {
      action();
    } catch (error) {
      if (error instanceof ApiError) throw new AdminError(409, error.message);
      throw error;
    }
    this.persist();
  }
}

function checkKind<K extends Kind>(kind: K): K {
  if (!KINDS.includes(kind)) throw new AdminError(400, `kind must be one of ${KINDS.join(", ")}`);
  return kind;
}

/**
 * The HTTP admin API (`/_emulator/...`, plain JSON, no API key):
 *
 * | call | effect |
 * |---|---|
 * | `GET /health` | `{ok: true}` |
 * | `POST /reset` | {@link EmulatorAdmin.reset} |
 * | `GET /config` | timing, quirks, limits and faults |
 * | `GET /stats?gc=true` | record counts and process memory |
 * | `PATCH /timing`, `/quirks`, `/limits` | merge the body into the setting |
 * | `GET /faults`, `PUT /faults` (a list), `POST /faults` (one), `DELETE /faults` | faults |
 * | `GET /faults/fired`, `DELETE /faults/fired` | firings per type and per active fault; restart the per-type counts |
 * | `POST /seed` `{seed}` | restart the fault randomness |
 * | `GET /requests?method=&route=&path=`, `DELETE /requests` | the request log |
 * | `GET /idle` | answers once no API request is in flight (handled in the server) |
 * | `GET /now`, `POST /advance` `{ms}`, `POST /settle`, `POST /clock/freeze`, `POST /clock/unfreeze` | the clock |
 * | `GET /resources/{kind}`, `GET /resources/{kind}/{id}` | stored records |
 * | `DELETE /resources/{kind}/{id}?purge=true` | out-of-band delete |
 * | `PATCH /resources/{kind}/{id}` | overwrite stored fields |
 * | `POST /resources/{kind}/{id}/{rename,resize,pause,env,scale,status}` | drift operations |
 */
export function handleAdminRequest(
  admin: EmulatorAdmin,
  method: string,
  path: string,
  query: URLSearchParams,
  rawBody: string,
): Answer {
  try {
    const body: unknown = rawBody.trim() === "" ? {} : parseJson(rawBody);
    const b = (isPlainObject(body) ? body : {}) as Record<string, unknown>;
    const parts = path.split("/").filter((p) => p !== "");
    const route = `${method} /${parts.map((p, i) => (parts[0] === "resources" && i > 0 && i < 3 ? "*" : p)).join("/")}`;
    const [, kind, id, op] = parts as [string, Kind, string, string | undefined];
    switch (route) {
      case "GET /health":
        return json(200, { ok: true });
      case "POST /reset":
        admin.reset();
        return json(200, { ok: true });
      case "GET /stats":
        return json(200, admin.stats({ gc: query.get("gc") === "true" }));
      case "GET /config":
        return json(200, admin.config());
      case "PATCH /timing":
      case "PUT /timing":
        return json(200, admin.setTiming(b));
      case "PATCH /quirks":
      case "PUT /quirks":
        return json(200, admin.setQuirks(b));
      case "PATCH /limits":
      case "PUT /limits":
        return json(200, admin.setLimits(b));
      case "GET /faults":
        return json(200, admin.config().faults);
      case "PUT /faults":
        admin.setFaults(body as Fault[]);
        return json(200, admin.config().faults);
      case "POST /faults":
        admin.addFault(body as Fault);
        return json(200, admin.config().faults);
      case "DELETE /faults":
        admin.clearFaults();
        return json(200, []);
      case "GET /faults/fired":
        return json(200, admin.faultsFired());
      case "DELETE /faults/fired":
        admin.clearFaultsFired();
        return json(200, admin.faultsFired());
      case "POST /seed":
        if (typeof b.seed !== "number") throw new AdminError(400, "seed must be a number");
        admin.reseed(b.seed);
        return json(200, { ok: true });
      case "GET /requests":
        return json(
          200,
          admin.requests({
            method: query.get("method") ?? undefined,
            route: query.get("route") ?? undefined,
            path: query.get("path") ?? undefined,
          }),
        );
      case "DELETE /requests":
        admin.clearRequests();
        return json(200, { ok: true });
      case "GET /now":
        return json(200, { now: admin.now() });
      case "POST /clock/freeze":
        admin.freezeClock();
        return json(200, { now: admin.now() });
      case "POST /clock/unfreeze":
        admin.unfreezeClock();
        return json(200, { now: admin.now() });
      case "POST /advance":
        admin.advance(b.ms as number);
        return json(200, { now: admin.now() });
      case "POST /settle":
        return json(200, { advancedMs: admin.settle(), now: admin.now() });
      case "GET /resources/*":
        return json(200, admin.list(kind));
      case "GET /resources/*/*": {
        const record = admin.get(kind, id);
        return record ? json(200, record) : json(404, { error: `no ${kind} ${id}` });
      }
      case "DELETE /resources/*/*":
        admin.deleteResource(kind, id, { purge: query.get("purge") === "true" });
        return json(200, { ok: true });
      case "PATCH /resources/*/*":
        admin.patch(kind, id, b);
        return json(200, admin.get(kind, id));
    }
    if (method === "POST" && parts[0] === "resources" && parts.length === 4) {
      switch (op) {
        case "rename":
          admin.rename(kind, id, b.name as string);
          break;
        case "resize":
          admin.resize(id, b.sizeInGb as number);
          break;
        case "pause":
          admin.pausePod(id);
          break;
        case "env":
          admin.setEnv(kind as "pod" | "endpoint", id, b.environmentVars as EnvVar[]);
          break;
        case "scale":
          admin.scaleWorkers(id, b.workers as number);
          break;
        case "status":
          admin.setStatus(kind, id, b.status as string);
          break;
        default:
          return json(404, { error: `no admin operation ${op}` });
      }
      return json(200, admin.get(kind, id) ?? null);
    }
    return json(404, { error: `no admin route ${method} ${path}` });
  } catch (error) {
    if (error instanceof AdminError) return json(error.status, { error: error.message });
    if (error instanceof ConfigError || error instanceof SyntaxError) {
      return json(400, { error: error.message });
    }
    throw error;
  }
}
