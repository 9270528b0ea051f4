import { ConfigError } from "./config";
import { region as findRegion, isSupportedGpu } from "./catalog";
import { SeededRandom } from "./random";

/**
 * Which requests a fault applies to and how often.
 * - `route`: absent for every API route; else `"POST /v2/pods"` (method and path template, with
 *   `{id}`-style parameters as the emulator names them), `"/v2/pods/{id}"` (any method), or a
 *   pattern ending in `*` for a prefix (`"GET /v2/serverless*"`).
 * - `rate`: probability per matching request, drawn from the seeded generator (default 1).
 * - `times`: stop after firing this many times (default: never stop).
 */
export interface FaultScope {
  route?: string;
  rate?: number;
  times?: number;
}

export type WorkerFailReason = "imagePull" | "crash" | "oom";

export type Fault =
  /**
   * An HTTP error instead of the answer. `status` 200 gives HTTP 200 with code 10002. Before the
   * request is handled (nothing happens), or with `after` once it has been (a create commits).
   */
  | (FaultScope & {
      type: "serverError";
      status?: number;
      body?: "envelope" | "html" | "empty";
      after?: boolean;
    })
  /** Too many requests, with `Retry-After`; `times` makes it a burst. */
  | (FaultScope & { type: "rateLimit"; retryAfterSeconds?: number; status?: 429 | 200 })
  /** Delays handling by `ms` plus up to `jitterMs` more. */
  | (FaultScope & { type: "latency"; ms: number; jitterMs?: number })
  /** Destroys the connection before the request is handled: nothing happens. */
  | (FaultScope & { type: "reset" })
  /** Handles the request (a create commits), then destroys the connection without answering. */
  | (FaultScope & { type: "dropResponse" })
  /**
   * Handles the request (a create commits), then never answers: the connection stays open until
   * the caller goes away. The request log shows it with fault `hold` at once, which is where a
   * test kills the caller mid-call.
   */
  | (FaultScope & { type: "hold" })
  /** Pods being created end FAILED instead of RUNNING. */
  | (FaultScope & { type: "podFails" })
  /** Endpoint workers fail to start; their logs say why. `rate` is per worker. */
  | (FaultScope & { type: "workersFail"; reason?: WorkerFailReason })
  /** A region has no capacity (for one GPU type, or for all when `gpuType` is absent). */
  | { type: "noCapacity"; region: string; gpuType?: string };

export type FaultType = Fault["type"];

/** The fault types that fire (noCapacity is a standing condition, not an event). */
export type FiringFaultType = Exclude<FaultType, "noCapacity">;

/** An active fault and how often it has fired since it was set (what `times` counts). */
export type FiredFault = Fault & { fired: number };

interface Armed {
  fault: Fault;
  fired: number;
}

export interface FaultAnswer {
  status: number;
  headers: Record<string, string>;
  body: string;
  label: string;
}

/** What the server must do to a request before (and after) handling it. */
export interface RequestFaults {
  reset: boolean;
  latencyMs: number;
  /** Answered instead of handling the request. */
  respond?: FaultAnswer;
  /** Answered instead of the real answer, once the request has been handled. */
  replace?: FaultAnswer;
  drop: boolean;
  /** Handled, then left unanswered. */
  hold: boolean;
}

export class FaultEngine {
  private armed: Armed[] = [];
  private random: SeededRandom;
  /** Firings per type since the start or the last `clearCounts`, whatever faults were set. */
  private counts = zeroCounts();

  constructor(seed: number) {
    this.random = new SeededRandom(seed);
  }

  list(): Fault[] {
    return this.armed.map((a) => ({ ...a.fault }));
  }

  /** The active faults with their firing counts. */
  fired(): FiredFault[] {
    return this.armed.map((a) => ({ ...a.fault, fired: a.fired }));
  }

  /** How many times each type has fired (every type present, 0 when it never fired). */
  firedByType(): Record<FiringFaultType, number> {
    return { ...this.counts };
  }

  clearCounts(): void {
    this.counts = zeroCounts();
  }

  /** Replaces the active faults; firing counts start again. */
  set(faults: unknown): void {
    if (!Array.isArray(faults)) throw new ConfigError("faults must be an array");
    this.armed = faults.map((f) => ({ fault: checkFault(f), fired: 0 }));
  }

  add(fault: unknown): void {
    this.armed.push({ fault: checkFault(fault), fired: 0 });
  }

  /** Restarts the random sequence, so a test can replay the same decisions. */
  reseed(seed: number): void {
    this.random = new SeededRandom(seed);
  }

  forRequest(method: string, template: string): RequestFaults {
    const result: RequestFaults = { reset: false, latencyMs: 0, drop: false, hold: false };
    if (this.fire("reset", method, template)) {
      result.reset = true;
      return result;
    }
    const latency = this.fire("latency", method, template);
    if (latency) result.latencyMs = latency.ms + this.random.between(0, latency.jitterMs ?? 0);
    const limited = this.fire("rateLimit", method, template);
    if (limited) {
      const seconds = limited.retryAfterSeconds ?? 1;
      result.respond = {
        status: limited.status ?? 429,
        headers: { "retry-after": String(seconds), "content-type": "application/json" },
        body: JSON.stringify({ message: "too many requests", code: 429, data: null }),
        label: "rateLimit",
      };
      return result;
    }
    const failed = this.fire("serverError", method, template);
    if (failed) {
      const answer = serverError(failed.status ?? 500, failed.body ?? "envelope", failed.after);
      if (failed.after) result.replace = answer;
      else result.respond = answer;
      return result;
    }
    result.drop = this.fire("dropResponse", method, template) !== undefined;
    if (!result.drop) result.hold = this.fire("hold", method, template) !== undefined;
    return result;
  }

  /** Whether the pod being created should end FAILED. */
  podFails(): boolean {
    return this.fire("podFails", "POST", "/v2/pods") !== undefined;
  }

  /** Why the next worker fails to start, or undefined when it starts. */
  workerFailure(): WorkerFailReason | undefined {
    const fault = this.fire("workersFail", "*", "*");
    return fault ? (fault.reason ?? "imagePull") : undefined;
  }

  hasCapacity(region: string, gpuType: string): boolean {
    return !this.armed.some(
      ({ fault }) =>
        fault.type === "noCapacity" &&
        fault.region === region &&
        (fault.gpuType === undefined || fault.gpuType === gpuType),
    );
  }

  private fire<T extends FaultType>(
    type: T,
    method: string,
    template: string,
  ): Extract<Fault, { type: T }> | undefined {
    for (const armed of this.armed) {
      const fault = armed.fault;
      if (fault.type !== type || fault.type === "noCapacity") continue;
      if (fault.times !== undefined && armed.fired >= fault.times) continue;
      if (fault.route !== undefined && !routeMatches(fault.route, method, template)) continue;
      if (!this.random.chance(fault.rate ?? 1)) continue;
      armed.fired++;
      this.counts[type as FiringFaultType]++;
      return fault as Extract<Fault, { type: T }>;
    }
    return undefined;
  }
}

/** Matches a fault's `route` against a request; `*` as the template means "not a route". */
function routeMatches(route: string, method: string, template: string): boolean {
  if (template === "*") return true;
  const space = route.indexOf(" ");
  const routeMethod = space === -1 ? "*" : route.slice(0, space).toUpperCase();
  const pattern = space === -1 ? route : route.slice(space + 1).trim();
  if (routeMethod !== "*" && routeMethod !== method) return false;
  return pattern.endsWith("*") ? template.startsWith(pattern.slice(0, -1)) : template === pattern;
}

function serverError(
  status: number,
  body: "envelope" | "html" | "empty",
  after = false,
): FaultAnswer {
  const label = after ? `serverError ${status} after` : `serverError ${status}`;
  if (body === "html") {
    const text = `<html><head><title>${status}</title></head><body><h1>${status} Bad Gateway</h1></body></html>`;
    return { status, headers: { "content-type": "text/html" }, body: text, label };
  }
  if (body === "empty") return { status, headers: {}, body: "", label };
  return {
    status,
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ message: "system error", code: 10002, data: null }),
    label,
  };
}

const FAULT_TYPES: readonly FaultType[] = [
  "serverError",
  "rateLimit",
  "latency",
  "reset",
  "dropResponse",
  "hold",
  "podFails",
  "workersFail",
  "noCapacity",
];

function zeroCounts(): Record<FiringFaultType, number> {
  const types = FAULT_TYPES.filter((t): t is FiringFaultType => t !== "noCapacity");
  return Object.fromEntries(types.map((t) => [t, 0])) as Record<FiringFaultType, number>;
}

/** Checks a fault given through the options or the admin API. */
function checkFault(value: unknown): Fault {
  if (typeof value !== "object" || value === null) throw new ConfigError("a fault is an object");
  const f = value as Record<string, unknown>;
  if (!FAULT_TYPES.includes(f.type as FaultType)) {
    throw new ConfigError(`fault type must be one of ${FAULT_TYPES.join(", ")}`);
  }
  const number = (key: string, min: number, max = Infinity): void => {
    const v = f[key];
    if (v !== undefined && (typeof v !== "number" || !(v >= min && v <= max))) {
      throw new ConfigError(`fault ${key} must be a number between ${min} and ${max}`);
    }
  };
  number("rate", 0, 1);
  number("times", 0);
  if (f.route !== undefined && typeof f.route !== "string") {
    throw new ConfigError("fault route must be a string");
  }
  switch (f.type) {
    case "serverError":
      number("status", 200, 599);
      if (f.body !== undefined && !["envelope", "html", "empty"].includes(f.body as string)) {
        throw new ConfigError("serverError body must be envelope, html or empty");
      }
      if (f.after !== undefined && typeof f.after !== "boolean") {
        throw new ConfigError("serverError after must be a boolean");
      }
      break;
    case "rateLimit":
      number("retryAfterSeconds", 0);
      if (f.status !== undefined && f.status !== 429 && f.status !== 200) {
        throw new ConfigError("rateLimit status must be 429 or 200");
      }
      break;
    case "latency":
      if (f.ms === undefined) throw new ConfigError("latency needs ms");
      number("ms", 0);
      number("jitterMs", 0);
      break;
    case "workersFail":
      if (f.reason !== undefined && !["imagePull", "crash", "oom"].includes(f.reason as string)) {
        throw new ConfigError("workersFail reason must be imagePull, crash or oom");
      }
      break;
    case "noCapacity":
      if (typeof f.region !== "string" || !findRegion(f.region)) {
        throw new ConfigError("noCapacity needs a known region");
      }
      if (
        f.gpuType !== undefined &&
        !(typeof f.gpuType === "string" && isSupportedGpu(f.gpuType))
      ) {
        throw new ConfigError("noCapacity gpuType must be a known GPU code");
      }
      break;
  }
  return { ...f } as Fault;
}
