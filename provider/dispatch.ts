import * as credential from "./credential";
import { isPendingCall, pendingCall, type PendingAware } from "./pending";
import { plain } from "./plain";
import * as endpoint from "./endpoint";
import * as pod from "./pod";
import * as vm from "./vm";
import * as volume from "./volume";

/**
 * The one entry point of the serialized providers (`sdk/internal/thin-provider.ts`): every call
 * from the dynamic-provider host comes through here, so what all resources need is done once.
 */
const MODULES = { pod, endpoint, volume, credential, vm } as const;

export type ModuleName = keyof typeof MODULES;
export type Method = "configure" | "check" | "diff" | "create" | "read" | "update" | "remove";

export async function call(module: ModuleName, method: Method, args: unknown[]): Promise<unknown> {
  const impl = MODULES[module] as unknown as Record<Method, (...a: unknown[]) => Promise<unknown>>;
  if (!impl)
    throw new Error(`pulumi-yotta has no resource "${String(module)}": upgrade the package`);
  // A record whose create has an unknown outcome holds no cloud id: settle it, never use it.
  const result = isPendingCall(method, args)
    ? await pendingCall(impl as unknown as PendingAware, method, args)
    : await impl[method](...args);
  return plain(result);
}
