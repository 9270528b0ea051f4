import type * as pulumi from "@pulumi/pulumi";
import type { Method, ModuleName } from "../dispatch";

/**
 * A provider object whose every method hands its arguments to `provider/dispatch`'s `call`,
 * loading dispatch by package name when the method runs. It serves two ways (see
 * `sdk/internal/thin-provider.ts`): as the exports of `provider/stored/<resource>`, which the state
 * names by package, and, where it cannot, serialized whole into the state as JavaScript text. Either
 * way nothing of the implementation, and no API key, is held here.
 *
 * Keep the body stable: serialized, it is the text of every resource whose state holds it. The
 * parameter is not called `module`: in a program started with `node -e` that is a global, which
 * the serializer would not capture.
 */
export function dispatchingProvider(resource: ModuleName): pulumi.dynamic.ResourceProvider {
  /* eslint-disable @typescript-eslint/no-require-imports -- resolved at run time in the provider process, by design (see above) */
  const call = (method: Method, args: unknown[]) =>
    require("pulumi-yotta/provider/dispatch").call(resource, method, args);
  /* eslint-enable @typescript-eslint/no-require-imports */
  return {
    configure: (...args) => call("configure", args),
    check: (...args) => call("check", args),
    diff: (...args) => call("diff", args),
    create: (...args) => call("create", args),
    read: (...args) => call("read", args),
    update: (...args) => call("update", args),
    delete: (...args) => call("remove", args),
  };
}
