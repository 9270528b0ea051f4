import type * as pulumi from "@pulumi/pulumi";

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
