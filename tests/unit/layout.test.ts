// A new resource type touches a predictable set of files; a forgotten one fails here instead of
// surfacing as a user's "Cannot find module" in the provider process.
import * as fs from "node:fs";
import * as path from "node:path";
import * as yotta from "../../sdk";

const root = path.resolve(__dirname, "../..");
const read = (file: string) => fs.readFileSync(path.join(root, file), "utf8");

const clientResources = fs
  .readdirSync(path.join(root, "client", "resources"))
  .filter((f) => f.endsWith(".ts") && f !== "created.ts")
  .map((f) => f.replace(/s\.ts$/, ""));

const className = (name: string) => name.charAt(0).toUpperCase() + name.slice(1);

test("the client has the five resources", () => {
  expect(clientResources.sort()).toEqual(["credential", "endpoint", "pod", "vm", "volume"]);
});

describe.each(clientResources)("%s", (name) => {
  test("has a provider module, reachable through the dispatch entry", () => {
    expect(fs.existsSync(path.join(root, "provider", `${name}.ts`))).toBe(true);
    expect(read("provider/dispatch.ts")).toMatch(
      new RegExp(`import \\* as ${name} from "\\./${name}"`),
    );
    expect(read("sdk/internal/thin-provider.ts")).toContain(`"${name}"`);
  });

  test("has the stored provider module a user's state requires by name", () => {
    // Without it the kind still works, but every resource stores 2 KB of closures, twice.
    expect(read(`provider/stored/${name}.ts`)).toContain(`dispatchingProvider("${name}")`);
  });

  test("has an SDK class exported by the package", () => {
    expect(typeof (yotta as Record<string, unknown>)[className(name)]).toBe("function");
  });

  test("is used by an example and documented", () => {
    const examples = fs
      .readdirSync(path.join(root, "examples"), { recursive: true, encoding: "utf8" })
      .filter((f) => f.endsWith(".ts"))
      .map((f) => read(path.join("examples", f)));
    const documented = read("docs/resources.md");
    expect(documented).toMatch(new RegExp(`^## ${className(name)}`, "m"));
    // VMs are not part of an example fleet; the README's program and docs cover them.
    if (name !== "vm")
      expect(examples.some((e) => e.includes(`yotta.${className(name)}(`))).toBe(true);
  });
});
