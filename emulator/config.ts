/** How long each lifecycle transition takes, in milliseconds of the emulator's clock. */
export interface Timing {
  /** PENDING → INITIALIZING. */
  podPendingMs: number;
  /** INITIALIZING → RUNNING (or FAILED). */
  podInitializingMs: number;
  /** RUNNING → every `expose[]` entry `healthy: true`. */
  podPortsHealthyMs: number;
  /** PAUSING → PAUSED. */
  podPausingMs: number;
  /** Resume: INITIALIZING → RUNNING. */
  podResumingMs: number;
  /** TERMINATING → TERMINATED. */
  podTerminatingMs: number;
  /** TERMINATED pods stay listed this long, then are gone (13000). */
  podRetentionMs: number;
  /** Endpoint create/start/redeploy: INITIALIZING → workers RUNNING. */
  endpointInitializingMs: number;
  /** STOPPING → STOPPED. */
  endpointStoppingMs: number;
  /** A worker added by scaling a running endpoint: INITIALIZING → RUNNING. */
  workerStartMs: number;
  /** A task: PROCESSING → SUCCESS/DELIVERED, once a worker is running. */
  taskProcessingMs: number;
  /** Volume creating → active. */
  volumeCreatingMs: number;
  /** Volume resizing → active. */
  volumeResizingMs: number;
  /** Volume deleting → gone. */
  volumeDeletingMs: number;
  /** VM initializing → running. */
  vmInitializingMs: number;
  /** Terminated VMs stay listed this long, then are gone (11000). */
  vmRetentionMs: number;
  /**
   * A new record shows in list calls only this long after it was created (GET by id sees it at
   * once), as an eventually consistent API's lists lag behind its writes. 0: at once.
   */
  listLagMs: number;
}

/** Library default: every transition in tens of milliseconds, so tests can poll through them. */
export const FAST_TIMING: Readonly<Timing> = {
  podPendingMs: 20,
  podInitializingMs: 30,
  podPortsHealthyMs: 20,
  podPausingMs: 20,
  podResumingMs: 30,
  podTerminatingMs: 20,
  podRetentionMs: 60_000,
  endpointInitializingMs: 50,
  endpointStoppingMs: 20,
  workerStartMs: 30,
  taskProcessingMs: 20,
  volumeCreatingMs: 20,
  volumeResizingMs: 30,
  volumeDeletingMs: 10,
  vmInitializingMs: 30,
  vmRetentionMs: 60_000,
  listLagMs: 0,
};

/** Command default: seconds per transition and a day of retention, closer to the real service. */
export const REALISTIC_TIMING: Readonly<Timing> = {
  podPendingMs: 1_000,
  podInitializingMs: 3_000,
  podPortsHealthyMs: 2_000,
  podPausingMs: 2_000,
  podResumingMs: 3_000,
  podTerminatingMs: 2_000,
  podRetentionMs: 24 * 3_600_000,
  endpointInitializingMs: 5_000,
  endpointStoppingMs: 2_000,
  workerStartMs: 3_000,
  taskProcessingMs: 1_000,
  volumeCreatingMs: 2_000,
  volumeResizingMs: 3_000,
  volumeDeletingMs: 1_000,
  vmInitializingMs: 5_000,
  vmRetentionMs: 24 * 3_600_000,
  listLagMs: 0,
};

/**
 * Switches for each variant the sources show. The defaults are the documented v2 shape as
 * `yotta-api.md` describes it.
 */
export interface Quirks {
  /** Ids (and id references) as bare JSON numbers instead of strings. */
  numericIds: boolean;
  /** Endpoints answer with `envVars` instead of `environmentVars`. */
  endpointEnvField: "environmentVars" | "envVars";
  /** Paused pods report `STOPPED` instead of `PAUSED`. */
  pausedPodStatus: "PAUSED" | "STOPPED";
  /** Initializing pods report the v1 spelling `INITIALIZE`. */
  initializingPodStatus: "INITIALIZING" | "INITIALIZE";
  /** Every number inside `data` is written as a JSON string. */
  stringNumbers: boolean;
  /**
   * `documented`: epoch ms for pods, volumes and tasks; ISO 8601 for credentials, VMs and
   * endpoints. `epoch` / `iso`: one format everywhere.
   */
  timestamps: "documented" | "epoch" | "iso";
  /** The code for an unknown endpoint (both appear in the documents). */
  endpointNotFoundCode: 24001 | 14000;
  /** Volumes name their storage type `storageType` (guide) or `type` (newer schema). */
  volumeTypeField: "storageType" | "type";
  /** VM statuses lower case (`running`) or capitalized like a v1 response (`Running`). */
  vmStatusCase: "lower" | "capitalized";
  /** Create calls answer with the new id alone (v1's `ResultString`) instead of the resource. */
  createReturnsId: boolean;
}

export const DEFAULT_QUIRKS: Readonly<Quirks> = {
  numericIds: false,
  endpointEnvField: "environmentVars",
  pausedPodStatus: "PAUSED",
  initializingPodStatus: "INITIALIZING",
  stringNumbers: false,
  timestamps: "documented",
  endpointNotFoundCode: 24001,
  volumeTypeField: "storageType",
  vmStatusCase: "lower",
  createReturnsId: false,
};

/** Rate limits and quotas. */
export interface Limits {
  /** Task queue rate limits (yotta-api.md §1: about 40 submissions and 60 reads a second). */
  taskSubmitsPerSecond: number;
  taskReadsPerSecond: number;
  /**
   * Requests a second each API key may make over the whole API, on the emulator's clock (a
   * token bucket refilled at this rate); beyond it HTTP 429. 0: no limit.
   */
  requestsPerSecond: number;
  /** Size of each key's token bucket (a burst it may spend at once); 0: `requestsPerSecond`. */
  burst: number;
  /** Request log entries kept; older ones are dropped first. */
  requestLogSize: number;
  /** Largest worker count of an endpoint (the emulator's quota). */
  maxWorkers: number;
}

export const DEFAULT_LIMITS: Readonly<Limits> = {
  taskSubmitsPerSecond: 40,
  taskReadsPerSecond: 60,
  requestsPerSecond: 0,
  burst: 0,
  requestLogSize: 100_000,
  maxWorkers: 100,
};

const QUIRK_CHOICES: { [K in keyof Quirks]: readonly Quirks[K][] } = {
  numericIds: [false, true],
  endpointEnvField: ["environmentVars", "envVars"],
  pausedPodStatus: ["PAUSED", "STOPPED"],
  initializingPodStatus: ["INITIALIZING", "INITIALIZE"],
  stringNumbers: [false, true],
  timestamps: ["documented", "epoch", "iso"],
  endpointNotFoundCode: [24001, 14000],
  volumeTypeField: ["storageType", "type"],
  vmStatusCase: ["lower", "capitalized"],
  createReturnsId: [false, true],
};

/** Merges a partial quirk setting; an unknown key or value is a programming error. */
export function mergeQuirks(base: Quirks, patch: unknown): Quirks {
  const result: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(asObject(patch, "quirks"))) {
    const choices = (QUIRK_CHOICES as Record<string, readonly unknown[]>)[key];
    if (!choices) throw new ConfigError(`unknown quirk ${key}`);
    if (!choices.includes(value)) {
      throw new ConfigError(`quirk ${key} must be one of ${choices.map(String).join(", ")}`);
    }
    result[key] = value;
  }
  return result as unknown as Quirks;
}

/** Merges partial timing; each value must be a non-negative number of milliseconds. */
export function mergeTiming(base: Timing, patch: unknown): Timing {
  return mergeNumbers(base, patch, "timing");
}

export function mergeLimits(base: Limits, patch: unknown): Limits {
  return mergeNumbers(base, patch, "limits");
}

function mergeNumbers<T extends object>(base: T, patch: unknown, what: string): T {
  const result: Record<string, unknown> = { ...(base as Record<string, unknown>) };
  for (const [key, value] of Object.entries(asObject(patch, what))) {
    if (!(key in base)) throw new ConfigError(`unknown ${what} setting ${key}`);
    if (typeof value !== "number" || !Number.isFinite(value) || value < 0) {
      throw new ConfigError(`${what} ${key} must be a non-negative number`);
    }
    result[key] = value;
  }
  return result as T;
}

function asObject(value: unknown, what: string): Record<string, unknown> {
  if (value === undefined) return {};
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new ConfigError(`${what} must be an object`);
  }
  return value as Record<string, unknown>;
}

/** A bad emulator setting (options or admin call), as opposed to a bad API request. */
export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ConfigError";
  }
}
