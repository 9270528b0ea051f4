// What Pulumi stores in the state for every resource is the provider object serialized to
// JavaScript text, and the dynamic-provider process runs that text. This suite serializes each
// provider the way `dynamic.Resource` does, checks the text carries no secret and none of the
// implementation, and runs it after loading it back from text.
import * as fs from "node:fs";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { thinProvider, type ProviderModule } from "../../sdk/internal/thin-provider";

// eslint-disable-next-line @typescript-eslint/no-require-imports -- the loader the provider process uses
const requireFromString = require("require-from-string") as (code: string) => {
  handler: () => pulumi.dynamic.ResourceProvider;
};

const MODULES: ProviderModule[] = ["pod", "endpoint", "volume", "credential", "vm"];
const API_KEY = "yk-live-0123456789abcdef0123456789abcdef";
const root = path.resolve(__dirname, "../..");

beforeAll(() => {
  // The key is in the test process's environment and module state, as in a user's program.
  process.env.YOTTA_API_KEY = API_KEY;
  if (!fs.existsSync(path.join(root, "node_modules/pulumi-yotta/dist/provider/dispatch.js"))) {
    throw new Error(
      "run `npm run build` first: the serialized provider requires the built package",
    );
  }
});

describe.each(MODULES)("the serialized %s provider", (module) => {
  let text: string;

  beforeAll(async () => {
    const provider = thinProvider(module);
    const serialized = await pulumi.runtime.serializeFunction(() => provider, {
      allowSecrets: false,
    });
    text = serialized.text;
    console.info(`serialized ${module} provider: ${Buffer.byteLength(text)} bytes`);
  });

  test("carries no API key and no client", () => {
    expect(text).not.toContain(API_KEY);
    expect(text).not.toMatch(/YottaClient|undici|X-Api-Key/i);
  });

  test("requires the implementation by package name instead of capturing it", () => {
    expect(text).toContain("pulumi-yotta/provider/dispatch");
    expect(text).toContain(`"${module}"`);
    expect(text).not.toMatch(/diffByTable|checkInputs|waitFor/);
    expect(Buffer.byteLength(text)).toBeLessThan(4096);
  });

  test("runs after loading from text: check validates through the installed package", async () => {
    const loaded = requireFromString(text).handler();
    const result = await loaded.check!({}, { timeouts: { create: "soon" } });
    const properties = (result.failures ?? []).map((f) => f.property);
    expect(properties).toContain("timeouts.create");
  });
});
