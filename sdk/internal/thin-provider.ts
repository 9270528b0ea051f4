import type * as pulumi from "@pulumi/pulumi";

/** The resources whose implementation lives in `provider/<name>.ts`. */
export type ProviderModule = "pod" | "endpoint" | "volume" | "credential" | "vm";

/**
 * The provider object Pulumi serializes into the state of every resource of one type.
 *
 * Each method loads the implementation by package name when it runs, in the provider process. So
 * the stored text is a couple of kilobytes that capture only the resource's name: no API key, no
 * client, none of the implementation. Because `delete` and `refresh` run the text stored by the
 * last create or update, requiring the installed package (rather than capturing code) is what lets
 * a fixed release reach resources created by an older one.
 *
 * Keep this function's body stable: every change here is a change to every user's state file.
 * The parameter is not called `module`: in a program started with `node -e` that is a global,
 * which the serializer would not capture.
 */
export function thinProvider(resource: ProviderModule): pulumi.dynamic.ResourceProvider {
  /* eslint-disable @typescript-eslint/no-require-imports -- resolved at run time in the provider process, by design (see above) */
  const call = (method: string, ...args: unknown[]) =>
    require("pulumi-yotta/provider/dispatch").call(resource, method, args);
  /* eslint-enable @typescript-eslint/no-require-imports */
  return {
    configure: (req) => call("configure", req),
    check: (olds, news) => call("check", olds, news),
    diff: (id, olds, news) => call("diff", id, olds, news),
    create: (inputs) => call("create", inputs),
    read: (id, props) => call("read", id, props),
    update: (id, olds, news) => call("update", id, olds, news),
    delete: (id, props) => call("remove", id, props),
  };
}
