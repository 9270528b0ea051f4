/**
 * The optional state file: the cloud's records, written atomically after every change so a
 * demo's cloud survives a restart. A file that cannot be read back is a startup error, never a
 * silent reset: starting empty would make the cloud disagree with the Pulumi state.
 */
import {
  closeSync,
  fsyncSync,
  openSync,
  readFileSync,
  renameSync,
  unlinkSync,
  writeFileSync,
  writeSync,
} from "node:fs";
import { dirname, basename, join } from "node:path";
import { mkdirSync } from "node:fs";
import { parseJson, stringifyJson } from "./json";
import { KINDS, type Kind } from "./model";
import type { Snapshot } from "./store";

const FORMAT = "yotta-emulator-state";
const VERSION = 1;

export class StateFileError extends Error {
  constructor(path: string, reason: string) {
    super(`state file ${path} cannot be used: ${reason}`);
    this.name = "StateFileError";
  }
}

/** A state file held by this emulator: no other live emulator may write it meanwhile. */
export interface StateLock {
  /** Says where the holder serves, for the message another emulator gets. */
  serving(url: string): void;
  release(): void;
}

/**
 * Takes the state file for this emulator. Two emulators writing one file lose each other's
 * records (each writes its whole cloud), so a file another live emulator holds is refused, with
 * the holder named; a lock left by a process that is gone (killed) is taken over.
 */
export function lockState(path: string): StateLock {
  const lockPath = `${path}.lock`;
  mkdirSync(dirname(path), { recursive: true });
  const mine = { pid: process.pid, startedAt: new Date().toISOString() } as Record<string, unknown>;
  for (let attempt = 0; ; attempt++) {
    try {
      writeFileSync(lockPath, JSON.stringify(mine), { flag: "wx" });
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST" || attempt > 0) {
        throw new StateFileError(
          path,
          `its lock ${lockPath} cannot be taken: ${(error as Error).message}`,
        );
      }
      const holder = readHolder(lockPath);
      if (holder && isAlive(holder.pid)) {
        const where = typeof holder.url === "string" ? ` serving ${holder.url}` : "";
        throw new StateFileError(
          path,
          `another emulator holds it (process ${holder.pid}${where}, since ${String(holder.startedAt)}); ` +
            "two emulators on one state file would lose each other's records. Stop that one, or " +
            "point this one at it (YOTTA_API_URL) or at another --state file",
        );
      }
      unlinkSync(lockPath); // left by a process that is gone
    }
  }
  let held = true;
  return {
    serving(url) {
      if (held) writeFileSync(lockPath, JSON.stringify({ ...mine, url }));
    },
    release() {
      if (!held) return;
      held = false;
      try {
        unlinkSync(lockPath);
      } catch {
        // Already gone: nothing to release.
      }
    },
  };
}

function readHolder(
  lockPath: string,
): { pid: number; url?: unknown; startedAt?: unknown } | undefined {
  try {
    const parsed = JSON.parse(readFileSync(lockPath, "utf8")) as { pid?: unknown };
    return typeof parsed.pid === "number" ? (parsed as { pid: number }) : undefined;
  } catch {
    return undefined;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** Reads the state file; undefined when there is none yet. */
export function loadState(path: string): Snapshot | undefined {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw new StateFileError(path, (error as Error).message);
  }
  let parsed: unknown;
  try {
    parsed = parseJson(text);
  } catch (error) {
    throw new StateFileError(path, `not JSON (${(error as Error).message})`);
  }
  const problem = checkSnapshot(parsed);
  if (problem) throw new StateFileError(path, problem);
  const { clockOffsetMs, lastId, records } = parsed as Snapshot;
  return { clockOffsetMs, lastId, records };
}

/** Writes the state: a temporary file, flushed, then renamed over the old one. */
export function saveState(path: string, snapshot: Snapshot): void {
  mkdirSync(dirname(path), { recursive: true });
  const text = stringifyJson({
    format: FORMAT,
    version: VERSION,
    savedAt: Date.now(),
    ...snapshot,
  });
  const temporary = join(dirname(path), `.${basename(path)}.${process.pid}.tmp`);
  const fd = openSync(temporary, "w");
  try {
    writeSync(fd, text);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(temporary, path);
}

/** Fields every record of a kind must carry, with their JSON types. */
const REQUIRED: Record<Kind, Record<string, string>> = {
  pod: {
    name: "string",
    image: "string",
    gpuType: "string",
    gpuCount: "number",
    status: "string",
    region: "string",
    expose: "array",
    persistentVolumes: "array",
    environmentVars: "array",
  },
  endpoint: {
    name: "string",
    image: "string",
    status: "string",
    workers: "number",
    resources: "array",
    workerList: "array",
    tasks: "array",
    serviceMode: "string",
  },
  volume: { name: "string", storageType: "string", status: "string", mountedBy: "array" },
  credential: { name: "string", type: "string", username: "string", password: "string" },
  vm: {
    name: "string",
    status: "string",
    region: "string",
    vmTypeId: "number",
    volumeMountPaths: "object",
  },
};

function typeOf(value: unknown): string {
  if (Array.isArray(value)) return "array";
  if (value === null) return "null";
  return typeof value;
}

/** Says what is wrong with a parsed state file, or undefined when it is usable. */
function checkSnapshot(value: unknown): string | undefined {
  if (typeOf(value) !== "object") return "not an object";
  const v = value as Record<string, unknown>;
  if (v.format !== FORMAT) return `format is not ${FORMAT}`;
  if (v.version !== VERSION) return `unsupported version ${String(v.version)}`;
  if (typeof v.clockOffsetMs !== "number") return "clockOffsetMs is missing";
  if (typeof v.lastId !== "string" || !/^\d+$/.test(v.lastId)) return "lastId is missing";
  if (typeOf(v.records) !== "object") return "records is missing";
  const records = v.records as Record<string, unknown>;
  const seen = new Set<string>();
  for (const kind of KINDS) {
    const list = records[kind];
    if (!Array.isArray(list)) return `records.${kind} is not an array`;
    for (const [i, record] of list.entries()) {
      const where = `records.${kind}[${i}]`;
      if (typeOf(record) !== "object") return `${where} is not an object`;
      const r = record as Record<string, unknown>;
      if (r.kind !== kind) return `${where}.kind is not ${kind}`;
      if (typeof r.id !== "string" || !/^\d+$/.test(r.id)) return `${where}.id is not an id`;
      if (seen.has(r.id)) return `${where}.id ${r.id} appears twice`;
      seen.add(r.id);
      if (typeof r.createdAt !== "number" || typeof r.updatedAt !== "number") {
        return `${where} lacks createdAt/updatedAt`;
      }
      if (!Array.isArray(r.pending) || !r.pending.every(isStep))
        return `${where}.pending is malformed`;
      for (const [field, type] of Object.entries(REQUIRED[kind] ?? {})) {
        if (typeOf(r[field]) !== type) return `${where}.${field} is not a ${type}`;
      }
    }
  }
  return undefined;
}

function isStep(value: unknown): boolean {
  if (typeOf(value) !== "object") return false;
  const s = value as Record<string, unknown>;
  return typeof s.at === "number" && typeof s.action === "string";
}
