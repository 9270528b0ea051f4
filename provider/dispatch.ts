import type { Kind } from "../client";
import { debugSinkFromEnv } from "../client/core/logging";
import * as credential from "./credential";
import * as endpoint from "./endpoint";
import { noteRecorded } from "./ownership";
import { isPendingCall, isPendingId, pendingCall } from "./pending";
import { plain } from "./plain";
import { gpuTypeHint } from "./schemas";
import * as pod from "./pod";
import * as stackKey from "./stack-key";
import type { ResourceModule, ResourceModules } from "./resource";
import * as vm from "./vm";
import * as volume from "./volume";

/**
 * The one entry point of the serialized providers (`sdk/internal/thin-provider.ts`): every call
 * from the dynamic-provider host comes through here, so what all resources need is done once.
 * Each kind of client/kinds.ts has its module here, held to the provider interface: a kind
 * without one, or a module missing a method, is a compile error.
 */
const MODULES: ResourceModules = { pod, endpoint, volume, credential, vm };

/** The kinds, and the stack's key (provider/stack-key.ts), which has no cloud resource. */
export type ModuleName = Kind | "stack-key";

/** The methods whose first argument is a record's id. */
const RECORD_METHODS: ReadonlySet<string> = new Set(["diff", "read", "update", "remove"]);
export type Method = Exclude<keyof ResourceModule, "ownership">;

export async function call<K extends ModuleName>(
  module: K,
  method: Method,
  args: unknown[],
): Promise<unknown> {
  try {
    if (module === "stack-key") {
      const keyMethod = stackKey[method as keyof typeof stackKey] as
        ((...a: unknown[]) => Promise<unknown>) | undefined;
      if (!keyMethod) throw new Error(`the stack key has no method "${method}"`);
      return plain(await keyMethod(...args));
    }
    const impl: ResourceModules[Exclude<K, "stack-key">] | undefined =
      MODULES[module as Exclude<K, "stack-key">];
    if (!impl)
      throw new Error(`pulumi-yotta has no resource "${String(module)}": upgrade the package`);
    // Every id the host hands us belongs to a record of the stack: no create attempt of this
    // process may claim it (provider/ownership.ts).
    // Its name stays held (a replacement's keyed name moves past it) unless it is being deleted.
    if (RECORD_METHODS.has(method) && typeof args[0] === "string" && !isPendingId(args[0])) {
      const props = args[1] as Record<string, unknown> | undefined;
      noteRecorded(module, args[0], method === "remove" ? undefined : props?.name);
    }
    // A record whose create has an unknown outcome holds no cloud id: settle it, never use it.
    // Otherwise the host's arguments go to the method as they came: the host calls each with
    // the arguments its signature names.
    const result = isPendingCall(method, args)
      ? await pendingCall(impl, method, args)
      : await (impl[method] as (...a: unknown[]) => Promise<unknown>).apply(impl, args);
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
  if (!(error instanceof Error)) return error;
  // The service names a GPU type it does not sell; say which known code was likely meant.
  const unsupported = /gpu type \[([^\]]+)\] not supported/i.exec(error.message)?.[1];
  const hint = unsupported === undefined ? "" : gpuTypeHint(unsupported);
  if (hint && !error.message.includes(hint)) {
    Object.defineProperty(error, "message", {
      value: `${error.message}.${hint}`,
      configurable: true,
      writable: true,
    });
  }
  if (debugSinkFromEnv(env)) return error;
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
