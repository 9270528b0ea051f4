/**
 * A local Yotta API for tests, examples and demos: real HTTP on loopback, strict validation,
 * lifecycles on a controllable clock, the documented variants as quirks, and fault injection.
 *
 * ```ts
 * const cloud = await startEmulator();
 * // point the client at cloud.url with X-Api-Key: cloud.apiKey
 * cloud.admin.settle();
 * await cloud.close();
 * ```
 */
import type { AddressInfo } from "node:net";
import { EmulatorAdmin } from "./admin";
import { FAST_TIMING, type Limits, type Quirks, type Timing } from "./config";
import { Emulator, settingsFrom } from "./emulator";
import { loadState, lockState, saveState } from "./persistence";
import { createEmulatorServer } from "./server";
import type { Fault } from "./faults";

export { EmulatorAdmin, AdminError, type RequestFilter } from "./admin";
export {
  FAST_TIMING,
  REALISTIC_TIMING,
  DEFAULT_QUIRKS,
  DEFAULT_LIMITS,
  ConfigError,
} from "./config";
export type { Limits, Quirks, Timing } from "./config";
export type { Fault, FaultScope, FiredFault, FiringFaultType, WorkerFailReason } from "./faults";
export type { LoggedRequest } from "./emulator";
export { StateFileError } from "./persistence";
export { GPU_TYPES, REGIONS } from "./catalog";
export type * from "./model";

/** The API key the emulator accepts unless told otherwise. */
export const DEFAULT_API_KEY = "test-key";

export interface EmulatorOptions {
  /** TCP port; 0 (the default) picks a free one. */
  port?: number;
  /** Interface to listen on; default 127.0.0.1. */
  host?: string;
  /** The API key accepted in `X-Api-Key`; default {@link DEFAULT_API_KEY}. */
  apiKey?: string;
  /** More accepted keys besides `apiKey` (each has its own `limits.requestsPerSecond` bucket). */
  apiKeys?: string[];
  /** Transition times; unset ones come from {@link FAST_TIMING}. */
  timing?: Partial<Timing>;
  quirks?: Partial<Quirks>;
  limits?: Partial<Limits>;
  faults?: Fault[];
  /** Seed of the fault randomness; default 1. */
  seed?: number;
  /** Keep the cloud in this file across restarts (written atomically after each change). */
  statePath?: string;
  /** Start with the clock stopped: only `admin.advance`/`settle` move it. */
  frozenClock?: boolean;
  /** Where unset timing values come from; default {@link FAST_TIMING}. */
  baseTiming?: Timing;
}

export interface RunningEmulator {
  /** `http://host:port`, no trailing slash. */
  url: string;
  apiKey: string;
  admin: EmulatorAdmin;
  close(): Promise<void>;
}

export async function startEmulator(options: EmulatorOptions = {}): Promise<RunningEmulator> {
  const settings = settingsFrom(options, options.baseTiming ?? FAST_TIMING);
  const statePath = options.statePath;
  const lock = statePath ? lockState(statePath) : undefined;
  let emulator: Emulator;
  try {
    emulator = new Emulator(settings, statePath ? loadState(statePath) : undefined);
  } catch (error) {
    lock?.release();
    throw error;
  }
  if (options.frozenClock) emulator.store.freeze();
  const persist = (): void => {
    if (statePath && emulator.store.dirty) {
      saveState(statePath, emulator.store.snapshot());
      emulator.store.dirty = false;
    }
  };
  // A fresh state file is written at once, so a restart finds one even before any change.
  emulator.store.dirty = true;
  persist();

  const apiKey = options.apiKey ?? DEFAULT_API_KEY;
  const admin = new EmulatorAdmin(emulator, persist);
  const apiKeys = [apiKey, ...(options.apiKeys ?? [])];
  const server = createEmulatorServer(emulator, { apiKeys, admin, persist });
  const host = options.host ?? "127.0.0.1";
  await new Promise<void>((resolve, reject) => {
    const failed = (error: Error) => {
      lock?.release();
      reject(error);
    };
    server.once("error", failed);
    server.listen(options.port ?? 0, host, () => {
      server.off("error", failed);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const urlHost = host.includes(":") ? `[${host}]` : host;
  const url = `http://${urlHost}:${port}`;
  lock?.serving(url);
  return {
    url,
    apiKey,
    admin,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
        persist();
        lock?.release();
      }),
  };
}
