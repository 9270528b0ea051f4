import type * as pulumi from "@pulumi/pulumi";

/** The resources whose implementation lives in `provider/<name>.ts`. */
export type ProviderModule = "pod" | "endpoint" | "volume" | "credential" | "vm";

/**
 * The provider object Pulumi serializes into the state of every resource of one type.
 *
 * Each method loads the implementation by package name when it runs, in the provider process. So
 * the stored text is a few hundred bytes that capture only the module name: no API key, no
 * client, none of the implementation. Because `delete` and `refresh` run the text stored by the
 * last create or update, requiring the installed package (rather than capturing code) is what lets
 * a fixed release reach resources created by an older one.
 *
 * Keep this function's body stable: the stored text is compared by nothing, but every change here
 * is a change to every user's state file.
 */
export function thinProvider(module: ProviderModule): pulumi.dynamic.ResourceProvider {
  const path = `pulumi-yotta/provider/${module}`;
  /* eslint-disable @typescript-eslint/no-require-imports -- resolved at run time in the provider process, by design (see above) */
  return {
    configure: (req) => require(path).configure(req),
    check: (olds, news) => require(path).check(olds, news),
    diff: (id, olds, news) => require(path).diff(id, olds, news),
    create: (inputs) => require(path).create(inputs),
    read: (id, props) => require(path).read(id, props),
    update: (id, olds, news) => require(path).update(id, olds, news),
    delete: (id, props) => require(path).remove(id, props),
  };
  /* eslint-enable @typescript-eslint/no-require-imports */
}
