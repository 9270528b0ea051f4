import { RawNumber } from "./json";
import type { Limits, Quirks, Timing } from "./config";
import type { FaultEngine } from "./faults";
import type { Kind, RecordOf } from "./model";
import type { Store } from "./store";

/** What a route handler works with: the records, the settings, and the fault switches. */
export interface Cloud {
  store: Store;
  timing: Timing;
  quirks: Quirks;
  limits: Limits;
  faults: FaultEngine;
  limiter: RateLimiter;
  /** A view shaped by the quirks active now. */
  view(): View;
}

/** A parsed API request. */
export interface ApiRequest {
  method: string;
  params: Readonly<Record<string, string>>;
  query: URLSearchParams;
  /** The JSON body (unsafe integers as bigint), or undefined when there was none. */
  body: unknown;
}

export interface Route {
  method: "GET" | "POST" | "PUT" | "PATCH" | "DELETE";
  /** Path with `{name}` parameters; an `{id}` parameter must be an int64, as the server binds it. */
  template: string;
  handler: (request: ApiRequest, cloud: Cloud) => unknown;
}

/**
 * Shapes response values the way the active quirks say: ids as strings or bare numbers,
 * timestamps as epoch ms or ISO 8601.
 */
export class View {
  constructor(private readonly quirks: Quirks) {}

  id(id: string): string | RawNumber;
  id(id: string | null): string | RawNumber | null;
  id(id: string | null): string | RawNumber | null {
    if (id === null) return null;
    return this.quirks.numericIds ? new RawNumber(id) : id;
  }

  /** A timestamp; `native` is the format the documents give this resource. */
  time(ms: number, native: "epoch" | "iso"): number | string;
  time(ms: number | null, native: "epoch" | "iso"): number | string | null;
  time(ms: number | null, native: "epoch" | "iso"): number | string | null {
    if (ms === null) return null;
    const format = this.quirks.timestamps === "documented" ? native : this.quirks.timestamps;
    return format === "epoch" ? ms : new Date(ms).toISOString();
  }

  /** The answer to a create: the resource, or its id alone under `createReturnsId`. */
  created(id: string, resource: unknown): unknown {
    return this.quirks.createReturnsId ? this.id(id) : resource;
  }
}

/**
 * The records of a kind that list calls show: those created at least `timing.listLagMs` ago on
 * the emulator's clock. Lookups by id and the service's own checks (unique names, mounts) read
 * the store directly and see every record at once.
 */
export function listed<K extends Kind>(cloud: Cloud, kind: K): RecordOf[K][] {
  const all = cloud.store.list(kind);
  const lag = cloud.timing.listLagMs;
  if (lag <= 0) return all;
  const now = cloud.store.now();
  return all.filter((record) => now - record.createdAt >= lag);
}

/** Pagination as the list calls answer it: `{items, page, size, total, pages}`. */
export function paginate<T, R>(
  all: readonly T[],
  page: number,
  size: number,
  map: (item: T) => R,
): { items: R[]; page: number; size: number; total: number; pages: number } {
  const start = (page - 1) * size;
  return {
    items: all.slice(start, start + size).map(map),
    page,
    size,
    total: all.length,
    pages: Math.ceil(all.length / size),
  };
}

/** Counts requests per key in a sliding one-second window (the task queue's rate limits). */
export class RateLimiter {
  private readonly windows = new Map<string, number[]>();

  /** Records a request; false when `perSecond` requests were already seen in the last second. */
  allow(key: string, perSecond: number, now: number = Date.now()): boolean {
    const recent = (this.windows.get(key) ?? []).filter((t) => t > now - 1000);
    const allowed = recent.length < perSecond;
    if (allowed) recent.push(now);
    this.windows.set(key, recent);
    return allowed;
  }
}
