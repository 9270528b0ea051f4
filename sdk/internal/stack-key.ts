import { createHmac } from "node:crypto";
import * as pulumi from "@pulumi/pulumi";
import { thinProvider } from "./thin-provider";

/** The name of the stack's key in every stack (one per stack, made before any other resource). */
export const STACK_KEY_NAME = "yotta-stack-key";

/**
 * The stack's key (provider/stack-key.ts): 256 random bits made once and kept in the state, which
 * no other stack has. Only its output matters; it calls no API.
 */
class StackKey extends pulumi.dynamic.Resource {
  declare public readonly key: pulumi.Output<string>;

  constructor() {
    super(thinProvider("stack-key"), STACK_KEY_NAME, { key: undefined }, {}, "yotta", "StackKey");
  }
}

// One key per run of a program, shared by every copy of this package it loads. The stack
// resource of a run identifies it: a process that runs several programs (the Automation API's
// inline programs) gets one key per run.
const KEYS = Symbol.for("pulumi-yotta.stack-keys");
type Keys = WeakMap<object, StackKey>;
const NO_STACK = {};

function stackKey(): StackKey {
  const global = globalThis as { [KEYS]?: Keys };
  const keys = (global[KEYS] ??= new WeakMap());
  const run = pulumi.runtime.getStackResource() ?? NO_STACK;
  let key = keys.get(run);
  if (key === undefined) {
    key = new StackKey();
    keys.set(run, key);
  }
  return key;
}

/**
 * The owner key of one resource: the HMAC of the stack's key and the resource's identity (its
 * project, stack, kind, parent's URN and name, which its URN is made of). The provider keys the
 * resource's auto-name and its create token with it, so a run killed while a create was in flight
 * and the next run derive the same proof and the next one finds what the first made
 * (docs/design.md, "A killed run"). No other stack and no other resource can derive it.
 */
export function ownerKey(
  kind: string,
  name: string,
  opts: pulumi.CustomResourceOptions | undefined,
): pulumi.Output<string> {
  const parent = opts?.parent ? urnOf(opts.parent) : "";
  const project = pulumi.getProject();
  const stack = pulumi.getStack();
  return pulumi.all([stackKey().key, parent]).apply(([key, parentUrn]) =>
    // A program under `pulumi.runtime.setMocks` gets whatever its mocks answer for the key;
    // without one, the provider falls back to a random name and token.
    typeof key === "string" && key !== ""
      ? createHmac("sha256", key)
          .update(`${project}\n${stack}\n${kind}\n${parentUrn}\n${name}`)
          .digest("hex")
      : "",
  );
}

/**
 * A resource's URN as a plain promise. Its output would make the owner key depend on the parent,
 * and an input that depends on a component depends on every resource inside it (so on the
 * resource being declared, and on its siblings): a cycle the SDK waits on forever.
 */
function urnOf(resource: pulumi.Resource): Promise<string> {
  // `promise()` is how the SDK itself awaits an output; it is not in the public typings.
  const urn = resource.urn as unknown as { promise?: () => Promise<string> };
  return typeof urn.promise === "function" ? urn.promise() : Promise.resolve("");
}
