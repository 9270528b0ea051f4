// What Pulumi stores in the state for every resource is the provider object serialized to
// JavaScript text, and the dynamic-provider process runs that text. This suite serializes each
// provider the way `dynamic.Resource` does, checks the text carries no secret and none of the
// implementation, and runs it after loading it back from text: here, in this repository, where
// the text is the whole provider object, and in installed layouts made on disk, where a plain
// `node_modules` install stores only a `require` of the package's module.
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { KINDS, type Kind } from "../../client";
import { pathUnderNodeModules, thinProvider } from "../../sdk/internal/thin-provider";

// eslint-disable-next-line @typescript-eslint/no-require-imports -- the loader the provider process uses
const requireFromString = require("require-from-string") as (code: string) => {
  handler: () => pulumi.dynamic.ResourceProvider;
};

const MODULES = KINDS;
const API_KEY = "yk-live-0123456789abcdef0123456789abcdef";
const root = path.resolve(__dirname, "../..");
/** Names of the implementation that must never be in the text. */
const IMPLEMENTATION = /diffByTable|checkInputs|waitFor|YottaClient|undici|X-Api-Key/i;

/**
 * The most a stored `require` of the package's module may take: measured 271 to 279 bytes, the
 * SDK's wrapper of `() => provider` and one `require` line. Serializing the seven methods instead
 * costs at least 1.5 KB (the serializer wraps each function in about 170 bytes), so this bound
 * fails for any text that carries closures.
 */
const STORED_REQUIRE_BYTES = 400;
/**
 * The most the whole provider object may take where it is serialized (this repository, pnpm
 * stores, nested installs): measured 2,149 to 2,157 bytes, seven one-line methods and the shared
 * `call`, down from 2,257 with one closure per parameter list.
 */
const WHOLE_OBJECT_BYTES = 2200;

beforeAll(() => {
  // The key is in the test process's environment and module state, as in a user's program.
  process.env.YOTTA_API_KEY = API_KEY;
  if (!fs.existsSync(path.join(root, "node_modules/pulumi-yotta/dist/provider/dispatch.js"))) {
    throw new Error(
      "run `npm run build` first: the serialized provider requires the built package",
    );
  }
});

describe.each(MODULES)("the serialized %s provider in this repository", (module) => {
  let text: string;

  beforeAll(async () => {
    const provider = thinProvider(module);
    const serialized = await pulumi.runtime.serializeFunction(() => provider, {
      allowSecrets: false,
    });
    text = serialized.text;
  });

  test("carries no API key and no client", () => {
    expect(text).not.toContain(API_KEY);
    expect(text).not.toMatch(IMPLEMENTATION);
  });

  test("is the whole object, requiring dispatch by package name instead of capturing it", () => {
    // `node_modules/pulumi-yotta` links to the repository root: the serializer sees a local
    // module, so a stored `require` of it is not possible here.
    expect(text).toContain(
      'require("pulumi-yotta/provider/dispatch").call(resource, method, args)',
    );
    expect(text).toContain(`resource: "${module}"`);
    expect(text).not.toContain("provider/stored");
    expect(Buffer.byteLength(text)).toBeLessThanOrEqual(WHOLE_OBJECT_BYTES);
  });

  test("runs after loading from text: check validates through the installed package", async () => {
    const loaded = requireFromString(text).handler();
    const result = await loaded.check!({}, { timeouts: { create: "soon" } });
    const properties = (result.failures ?? []).map((f) => f.property);
    expect(properties).toContain("timeouts.create");
  });
});

describe("the path the serializer names a module by", () => {
  test.each([
    ["a project's node_modules", "node_modules/pulumi-yotta/dist/provider/stored/pod.js"],
    [
      "a workspace's, above the project",
      "../../node_modules/pulumi-yotta/dist/provider/stored/pod.js",
    ],
    ["Windows separators", "..\\node_modules\\pulumi-yotta\\dist\\provider\\stored\\pod.js"],
  ])("%s: what follows node_modules", (_, relative) => {
    expect(pathUnderNodeModules(relative)).toBe("pulumi-yotta/dist/provider/stored/pod.js");
  });

  test.each([
    ["this repository", "../../dist/provider/stored/pod.js"],
    ["a pnpm store", "node_modules/.pnpm/pulumi-yotta@0.2.0/node_modules/pulumi-yotta/dist/x.js"],
    ["a package nested in another", "node_modules/lib/node_modules/pulumi-yotta/dist/x.js"],
  ])("%s: none (SDK versions differ there, or it is not in node_modules)", (_, relative) => {
    expect(pathUnderNodeModules(relative)).toBeUndefined();
  });
});

/**
 * An installed layout on disk: the package's files copied (as npm unpacks them), a real copy of
 * @pulumi/pulumi beside it (the serializer resolves the package from its own directory), links
 * to this repository's other dependencies, and a project folder to run from.
 */
class Install {
  readonly dir: string;

  constructor(prefix: string) {
    this.dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), prefix)));
    const modules = path.join(this.dir, "node_modules");
    fs.mkdirSync(path.join(modules, "@pulumi"), { recursive: true });
    for (const entry of fs.readdirSync(path.join(root, "node_modules"))) {
      if (["pulumi-yotta", "@pulumi", ".bin"].includes(entry) || entry.startsWith(".")) continue;
      fs.symlinkSync(path.join(root, "node_modules", entry), path.join(modules, entry));
    }
    fs.cpSync(
      path.join(root, "node_modules/@pulumi/pulumi"),
      path.join(modules, "@pulumi/pulumi"),
      { recursive: true },
    );
    const pkg = path.join(modules, "pulumi-yotta");
    fs.mkdirSync(pkg);
    fs.copyFileSync(path.join(root, "package.json"), path.join(pkg, "package.json"));
    for (const part of ["client", "provider", "sdk"]) {
      fs.cpSync(path.join(root, "dist", part), path.join(pkg, "dist", part), { recursive: true });
    }
    fs.mkdirSync(path.join(this.dir, "project"));
    fs.writeFileSync(path.join(this.dir, "project", "serialize.js"), SERIALIZE);
  }

  /** Moves the package into a pnpm store, linked from node_modules as pnpm does. */
  intoPnpmStore(): void {
    const store = path.join(this.dir, "node_modules/.pnpm/pulumi-yotta@0.1.0/node_modules");
    fs.mkdirSync(store, { recursive: true });
    fs.renameSync(
      path.join(this.dir, "node_modules/pulumi-yotta"),
      path.join(store, "pulumi-yotta"),
    );
    fs.symlinkSync(
      path.relative(path.join(this.dir, "node_modules"), path.join(store, "pulumi-yotta")),
      path.join(this.dir, "node_modules/pulumi-yotta"),
    );
  }

  /** Each provider's text and what its `check` reports, from a program in the project folder. */
  serialize(): Record<Kind, { text: string; failures: string[] }> {
    const out = execFileSync("node", ["serialize.js", JSON.stringify(MODULES)], {
      cwd: path.join(this.dir, "project"),
      env: { ...process.env, YOTTA_API_KEY: API_KEY },
      encoding: "utf8",
    });
    return JSON.parse(out) as Record<Kind, { text: string; failures: string[] }>;
  }

  remove(): void {
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

/** A user's program, as far as serialization goes: the SDK serializes, the host loads and calls. */
const SERIALIZE = `
const path = require("node:path");
const pulumi = require("@pulumi/pulumi");
const requireFromString = require("require-from-string");
const sdk = path.dirname(require.resolve("pulumi-yotta"));
const { thinProvider } = require(path.join(sdk, "internal/thin-provider.js"));
(async () => {
  const out = {};
  for (const module of JSON.parse(process.argv[2])) {
    const provider = thinProvider(module);
    const { text } = await pulumi.runtime.serializeFunction(() => provider, { allowSecrets: false });
    const result = await requireFromString(text).handler().check({}, { timeouts: { create: "soon" } });
    out[module] = { text, failures: (result.failures || []).map((f) => f.property) };
  }
  process.stdout.write(JSON.stringify(out));
})().catch((error) => {
  console.error(error);
  process.exit(1);
});
`;

describe("the serialized providers in an installed package", () => {
  const installs: Install[] = [];
  afterAll(() => installs.forEach((i) => i.remove()));

  function expectRuns(result: { text: string; failures: string[] }): void {
    expect(result.text).not.toContain(API_KEY);
    expect(result.text).not.toMatch(IMPLEMENTATION);
    expect(result.failures).toContain("timeouts.create");
  }

  test("in node_modules: a require of the package's module, a few hundred bytes", () => {
    const install = new Install("yotta-install-");
    installs.push(install);
    const results = install.serialize();
    for (const module of MODULES) {
      const { text } = results[module];
      expect(text).toContain(`require("pulumi-yotta/provider/stored/${module}")`);
      expect(text).not.toContain("provider/dispatch");
      expect(Buffer.byteLength(text)).toBeLessThanOrEqual(STORED_REQUIRE_BYTES);
      expectRuns(results[module]);
    }
  }, 120_000);

  // Where the serializer would name the module by a path that does not resolve later, or fail.
  // @pulumi/pulumi 3.248.0 looks for the package.json at the first "pulumi-yotta" in the path of
  // the package's main file, which below such a folder is the folder's, and would store
  // `require("pulumi-yotta/dist/provider/stored/pod.js")`, which the package's exports refuse.
  test.each([
    ["in a pnpm store", "yotta-install-", true],
    ["below a folder named pulumi-yotta-…", "pulumi-yotta-project-", false],
  ])(
    "%s: the whole object, which runs",
    (_, prefix, pnpm) => {
      const install = new Install(prefix);
      installs.push(install);
      if (pnpm) install.intoPnpmStore();
      const results = install.serialize();
      for (const module of MODULES) {
        const { text } = results[module];
        expect(text).toContain('require("pulumi-yotta/provider/dispatch")');
        expect(Buffer.byteLength(text)).toBeLessThanOrEqual(WHOLE_OBJECT_BYTES);
        expectRuns(results[module]);
      }
    },
    120_000,
  );
});
