import * as credential from "./credential";
import { isPendingCall, pendingCall, type PendingAware } from "./pending";
import { plain } from "./plain";
import * as endpoint from "./endpoint";
import * as pod from "./pod";
import * as vm from "./vm";
import * as volume from "./volume";
import { debugSinkFromEnv } from "../client/core/logging";

/**
 * The one entry point of the serialized providers (`sdk/internal/thin-provider.ts`): every call
 * from the dynamic-provider host comes through here, so what all resources need is done once.
 */
const MODULES = { pod, endpoint, volume, credential, vm } as const;

export type ModuleName = keyof typeof MODULES;
export type Method = "configure" | "check" | "diff" | "create" | "read" | "update" | "remove";

export async function call(module: ModuleName, method: Method, args: unknown[]): Promise<unknown> {
  try {
    const impl = MODULES[module] as unknown as Record<
      Method,
      (...a: unknown[]) => Promise<unknown>
    >;
    if (!impl)
      throw new Error(`pulumi-yotta has no resource "${String(module)}": upgrade the package`);
    // A record whose create has an unknown outcome holds no cloud id: settle it, never use it.
    const result = isPendingCall(method, args)
      ? await pendingCall(impl as unknown as PendingAware, method, args)
      : await impl[method](...args);
    return plain(result);
  } catch (error) {
    throw forHost(error);
  }
}

/**
 * The error as the dynamic-provider host should print it. The host writes every failed check,
 * diff, read and delete to stderr as `${error}: ${error.stack}`, which the engine shows under the
 * stack: by default the message twice on one line, then a trace through our sources. The message
 * already says what failed and why (it names the resource, the call and the cause), so the trace
 * is left out and the name and message are printed once: `ConnectionError: pods.get (GET
 * /v2/pods/…): connection failed: …`. The engine's own diagnostic for the resource carries the
 * message unchanged. With `YOTTA_DEBUG=1` the error is left as it is, trace included.
 */
export function forHost(error: unknown, env: NodeJS.ProcessEnv = process.env): unknown {
  if (!(error instanceof Error) || debugSinkFromEnv(env)) return error;
  const name = error.name || "Error";
  Object.defineProperty(error, "stack", {
    value: error.message,
    configurable: true,
    writable: true,
  });
  Object.defineProperty(error, "toString", {
    value: () => name,
    configurable: true,
    writable: true,
  });
  return error;
}
