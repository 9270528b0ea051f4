import * as pulumi from "@pulumi/pulumi";

/** `{a: undefined, b: undefined}`: registers output-only properties of a dynamic resource. */
export function outputKeys<K extends string>(...keys: K[]): Record<K, undefined> {
  return Object.fromEntries(keys.map((k) => [k, undefined])) as Record<K, undefined>;
}

/** The caller's options plus outputs that must always be stored as secrets. */
export function withSecretOutputs(
  opts: pulumi.CustomResourceOptions | undefined,
  secrets: string[],
): pulumi.CustomResourceOptions {
  return {
    ...opts,
    additionalSecretOutputs: [...(opts?.additionalSecretOutputs ?? []), ...secrets],
  };
}

/**
 * The args with the named inputs wrapped as secrets, so the engine encrypts them in the state's
 * inputs too (`additionalSecretOutputs` covers only the outputs). A user who forgets
 * `pulumi.secret()` on a registry password or a token in the environment is still covered.
 */
export function secretInputs<T extends object>(args: T, keys: readonly (keyof T)[]): T {
  const out = { ...args };
  for (const key of keys) {
    if (out[key] !== undefined) out[key] = pulumi.secret(out[key]) as T[keyof T];
  }
  return out;
}
