// A resource kind is declared once, in client/kinds.ts; the tables that go over the kinds are
// keyed by it, so a forgotten entry is a compile error. What the compiler cannot see is a file:
// each kind needs its own in every layer, and a forgotten one fails here instead of surfacing as
// a user's "Cannot find module" in the provider process. docs/design.md lists the same files.
import * as fs from "node:fs";
import * as path from "node:path";
import { KINDS, collectionName, type Kind } from "../../client";
import { KINDS as EMULATED_KINDS } from "../../emulator/model";
import { RESOURCES as EMULATED } from "../../emulator/resources";
import * as yotta from "../../sdk";

const root = path.resolve(__dirname, "../..");
const read = (file: string) => fs.readFileSync(path.join(root, file), "utf8");
const exists = (file: string) => fs.existsSync(path.join(root, file));
const tsFiles = (dir: string) =>
  fs.readdirSync(path.join(root, dir)).filter((f) => f.endsWith(".ts") && f !== "index.ts");

const className = (kind: string) => kind.charAt(0).toUpperCase() + kind.slice(1);

/** The files one kind needs, by layer. */
function filesOf(kind: Kind): Record<string, string> {
  const collection = collectionName(kind);
  return {
    client: `client/resources/${collection}.ts`,
    "client tests": `tests/unit/client/${collection}.test.ts`,
    provider: `provider/${kind}.ts`,
    "stored provider": `provider/stored/${kind}.ts`,
    "provider tests": `tests/unit/provider/${kind}.test.ts`,
    "provider property tests": `tests/unit/provider/${kind}.property.test.ts`,
    "SDK class": `sdk/${kind}.ts`,
    "emulator routes": `emulator/resources/${collection}.ts`,
    "emulator tests": `tests/unit/emulator/${collection}.test.ts`,
  };
}

/** `(method, path template)` of every request a client resource file sends. */
function clientRequests(file: string): { method: string; template: string }[] {
  const pattern = /method: "([A-Z]+)",\s*path: (?:path)?[`"]([^`"]+)[`"]/g;
  return [...read(file).matchAll(pattern)].map((m) => ({
    method: m[1] as string,
    template: m[2] as string,
  }));
}

/**
 * True when an emulator route serves a client request: the same method, and each segment equal,
 * or a value in the client's path (`${id}`, `${action}`) where the route has a parameter or a
 * literal. A route's parameter never stands for a literal of the client (`/tasks/count` must not
 * pass as `/tasks/{taskId}`).
 */
function serves(
  route: { method: string; template: string },
  request: { method: string; template: string },
) {
  if (route.method !== request.method) return false;
  const wanted = request.template.split("/");
  const offered = route.template.split("/");
  return (
    wanted.length === offered.length &&
    wanted.every((segment, i) => segment.startsWith("${") || segment === offered[i])
  );
}

test("the kinds are the five of the API, and the client has a file for each and no other", () => {
  expect([...KINDS].sort()).toEqual(["credential", "endpoint", "pod", "vm", "volume"]);
  const files = tsFiles("client/resources").filter((f) => f !== "created.ts");
  expect(files.sort()).toEqual(KINDS.map((k) => `${collectionName(k)}.ts`).sort());
});

test("the emulator, on its own reading of the API, has the same kinds", () => {
  // The emulator does not import the client (it is the other side of the contract), so its
  // kinds are its own list, held equal to the client's here.
  expect([...EMULATED_KINDS].sort()).toEqual([...KINDS].sort());
  expect(Object.keys(EMULATED).sort()).toEqual([...KINDS].sort());
});

test("no layer has a kind file the registry does not know", () => {
  const kinds = new Set<string>(KINDS);
  const known = (dir: string, toKind: (file: string) => string) =>
    tsFiles(dir).filter((f) => !kinds.has(toKind(f)));
  // Besides the kinds: the shared dispatcher, and the stack's key (provider/stack-key.ts).
  expect(known("provider/stored", (f) => f.replace(/\.ts$/, "")).sort()).toEqual([
    "calls.ts",
    "stack-key.ts",
  ]);
  expect(known("emulator/resources", (f) => f.replace(/s\.ts$/, ""))).toEqual([]);
});

describe.each(KINDS)("%s", (kind) => {
  test.each(Object.entries(filesOf(kind)))("has its %s file, %s", (_layer, file) => {
    expect(exists(file)).toBe(true);
  });

  test("its stored provider dispatches to its own kind", () => {
    // Without it the kind still works, but every resource stores 2 KB of closures, twice.
    expect(read(`provider/stored/${kind}.ts`)).toContain(`dispatchingProvider("${kind}")`);
  });

  test("its SDK class is exported by the package and uses its thin provider", () => {
    expect(typeof (yotta as Record<string, unknown>)[className(kind)]).toBe("function");
    expect(read(`sdk/${kind}.ts`)).toContain(`thinProvider("${kind}")`);
  });

  test("the emulator serves every request the client sends for it", () => {
    const requests = clientRequests(`client/resources/${collectionName(kind)}.ts`);
    expect(requests.length).toBeGreaterThan(0);
    const unserved = requests.filter(
      (r) => !EMULATED[kind].routes.some((route) => serves(route, r)),
    );
    expect(unserved).toEqual([]);
  });

  test("is used by an example and documented", () => {
    const examples = fs
      .readdirSync(path.join(root, "examples"), { recursive: true, encoding: "utf8" })
      .filter((f) => f.endsWith(".ts"))
      .map((f) => read(path.join("examples", f)));
    expect(read("docs/resources.md")).toMatch(new RegExp(`^## ${className(kind)}`, "m"));
    // VMs are not part of an example fleet; the README's program and docs cover them.
    if (kind !== "vm")
      expect(examples.some((e) => e.includes(`yotta.${className(kind)}(`))).toBe(true);
  });
});
