import { createRequire } from "node:module";
import * as path from "node:path";
import type * as pulumi from "@pulumi/pulumi";
import type { Kind } from "../../client";
import { dispatchingProvider } from "../../provider/stored/calls";

/**
 * The kinds of client/kinds.ts: each has its implementation in `provider/<kind>.ts` and its
 * stored module `provider/stored/<kind>.ts`.
 */
export type ProviderModule = Kind | "stack-key";

/**
 * The provider object Pulumi serializes into the state of every resource of one type (twice: in
 * its inputs and in its outputs).
 *
 * Wherever it can, this is the exports of the package's module `provider/stored/<resource>`: the
 * serializer then writes a module found under `node_modules` as a `require` of it, and the stored
 * text is about 270 bytes, `require("pulumi-yotta/provider/stored/pod")` and the SDK's wrapper.
 * Elsewhere (this repository, whose `node_modules/pulumi-yotta` is a link to itself; a pnpm store;
 * the package nested under another one) the serializer would name the module by a path that does
 * not resolve later, or fail, so the same object is made afresh and serialized whole: about 2.1 KB
 * of closures. Both load the installed package by name when a method runs and call
 * `provider/dispatch`'s `call(resource, method, args)`: the state holds no API key, no client and
 * none of the implementation, and a fixed release reaches resources created by an older one
 * (`delete` and `refresh` run the stored text). docs/design.md lists what that text relies on.
 */
export function thinProvider(resource: ProviderModule): pulumi.dynamic.ResourceProvider {
  return storedModule(resource) ?? dispatchingProvider(resource);
}

/**
 * `provider/stored/<resource>`'s exports, when the serializer will write them as
 * `require("pulumi-yotta/provider/stored/<resource>")` and that name resolves, from the program's
 * directory, to the same file (the provider process resolves it from there); else undefined.
 */
function storedModule(resource: ProviderModule): pulumi.dynamic.ResourceProvider | undefined {
  const expected = `pulumi-yotta/provider/stored/${resource}`;
  try {
    const file = require.resolve(`../../provider/stored/${resource}`);
    const inPackage = pathUnderNodeModules(path.relative(process.cwd(), file));
    if (inPackage === undefined) return undefined;
    // How the serializer maps that path through the package's `exports`, done by its own code
    // (which finds the package.json by name, and in some SDK versions misses it).
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- internal module of the SDK, checked by the try
    const sdkPackage = require("@pulumi/pulumi/runtime/closure/package") as {
      getModuleFromPath(path: string): string;
    };
    if (sdkPackage.getModuleFromPath(inPackage) !== expected) return undefined;
    const fromProgram = createRequire(path.join(process.cwd(), "index.js"));
    if (fromProgram.resolve(expected) !== file) return undefined;
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- the module whose exports the state names
    return require(file) as pulumi.dynamic.ResourceProvider;
  } catch {
    return undefined;
  }
}

/**
 * The module path the serializer derives from a loaded file's path relative to the working
 * directory: what follows `node_modules/`. Only where every SDK version of the peer range derives
 * the same: exactly one `node_modules` on the way and no pnpm store (older versions take what
 * follows the first `node_modules`, newer ones the last in a pnpm store). Undefined elsewhere.
 */
export function pathUnderNodeModules(relative: string): string | undefined {
  const parts = relative.split(/[\\/]/);
  const at = parts.indexOf("node_modules");
  if (at < 0 || parts.lastIndexOf("node_modules") !== at || parts.includes(".pnpm")) {
    return undefined;
  }
  return parts.slice(at + 1).join("/");
}
