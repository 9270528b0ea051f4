// scripts/pulumi-cli.sh decides where the engine comes from. Most cases run it against stand-ins
// (a `go` that writes a fake CLI, a fake `pulumi` on PATH) in a scratch cache; one runs it against
// the real cache and the real CLI.
import { spawn, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { repoRoot } from "../support/engine";

const script = path.join(repoRoot, "scripts", "pulumi-cli.sh");
const shimName = "pulumi-resource-pulumi-nodejs";
const shimSource = fs.readFileSync(
  path.join(repoRoot, "node_modules", "@pulumi", "pulumi", shimName),
  "utf8",
);
const goMod = fs.readFileSync(path.join(repoRoot, "scripts", "pulumi-cli", "go.mod"), "utf8");
const pinned = /^\s*github\.com\/pulumi\/pulumi\/pkg\/v3 v(\S+)/m.exec(goMod)?.[1] ?? "";

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

/**
 * A `go` whose build writes a CLI reporting the version given through -ldflags, after an optional
 * delay, or fails when FAKE_GO_FAIL is set.
 */
function fakeGo(): string {
  const dir = path.join(scratch, "fake-go");
  writeExecutable(
    path.join(dir, "go"),
    `#!/bin/sh
if [ "$1" = version ]; then echo "go version go1.99.0 linux/amd64"; exit 0; fi
echo "$PWD|$GONOSUMDB|$CGO_ENABLED|$*" >> "${goLog()}"
[ -z "$FAKE_GO_SLEEP" ] || sleep "$FAKE_GO_SLEEP"
[ -z "$FAKE_GO_FAIL" ] || { echo "fake go: build failed" >&2; exit 1; }
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

function versionOf(dir: string): string {
  return spawnSync(path.join(dir, "pulumi"), ["version"], { encoding: "utf8" }).stdout.trim();
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

it("fails with install instructions when there is no pulumi, no cache and no Go", () => {
  const result = run(sandboxEnv());

  expect(result.status).not.toBe(0);
  expect(result.stdout).toBe("");
  expect(result.stderr).toContain("https://www.pulumi.com/docs/install/");
  expect(result.stderr).toContain("https://go.dev/doc/install");
  expect(fs.existsSync(pinnedBin())).toBe(false);
});

describe("building the pinned CLI", () => {
  it("builds once with the release flags, then reuses the cache", () => {
    const env = sandboxEnv([fakeGo()]);

    const first = run(env);
    const second = run(env);

    expect(first.status).toBe(0);
    expect(first.dir).toBe(pinnedBin());
    expect(second.dir).toBe(pinnedBin());
    expect(versionOf(pinnedBin())).toBe(`v${pinned}`);
    expect(goBuilds()).toHaveLength(1);
    const [cwd, noSumDb, cgo, args] = (goBuilds()[0] ?? "").split("|");
    expect(cwd).toBe(path.join(repoRoot, "scripts", "pulumi-cli"));
    expect(noSumDb).toBe("github.com/pulumi");
    expect(cgo).toBe("0");
    expect(args).toContain("-trimpath");
    expect(args).toContain(
      `-X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=v${pinned}`,
    );
    expect(args).toMatch(/ github\.com\/pulumi\/pulumi\/pkg\/v3\/cmd\/pulumi$/);
    expect(first.stderr).toContain("building Pulumi CLI");
    expect(second.stderr).not.toContain("building");
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

  it("rebuilds a cached CLI that reports another version", () => {
    const env = sandboxEnv([fakeGo()]);
    fakePulumi(path.join(pinnedBin(), "pulumi"), "3.1.0");

    const result = run(env);

    expect(result.dir).toBe(pinnedBin());
    expect(goBuilds()).toHaveLength(1);
    expect(versionOf(pinnedBin())).toBe(`v${pinned}`);
  });

  it("leaves nothing that looks built when the build fails", () => {
    const result = run(sandboxEnv([fakeGo()], { FAKE_GO_FAIL: "1" }));

    expect(result.status).not.toBe(0);
    expect(result.stdout).toBe("");
    expect(result.stderr).toContain("fake go: build failed");
    expect(fs.existsSync(pinnedBin())).toBe(false);
    expect(
      fs
        .readdirSync(path.join(scratch, "cache", "pulumi-cli"))
        .filter((e) => e.startsWith(".build")),
    ).toEqual([]);
  });

  it("leaves nothing that looks built when interrupted", async () => {
    const child = spawn("bash", [script], {
      env: sandboxEnv([fakeGo()], { FAKE_GO_SLEEP: "30" }),
      stdio: "ignore",
      detached: true,
    });
    const exited = new Promise<number | null>((resolve) =>
      child.on("exit", (code) => resolve(code)),
    );
    while (goBuilds().length === 0) await new Promise((resolve) => setTimeout(resolve, 50));

    // A terminal's Ctrl-C reaches the whole process group, the build included.
    process.kill(-(child.pid ?? 0), "SIGINT");

    expect(await exited).not.toBe(0);
    expect(fs.existsSync(pinnedBin())).toBe(false);
    expect(
      fs
        .readdirSync(path.join(scratch, "cache", "pulumi-cli"))
        .filter((e) => e.startsWith(".build")),
    ).toEqual([]);
  });

  it("falls back to XDG_CACHE_HOME without PULUMI_YOTTA_CACHE", () => {
    const env = sandboxEnv([fakeGo()], { XDG_CACHE_HOME: path.join(scratch, "xdg") });
    delete env.PULUMI_YOTTA_CACHE;

    const result = run(env);

    expect(result.dir).toBe(
      path.join(scratch, "xdg", "pulumi-yotta", "pulumi-cli", `v${pinned}`, "bin"),
    );
  });
});

describe("a pulumi already on PATH", () => {
  it("is used where it is when it is new enough and has the shim", () => {
    const installed = path.join(scratch, "pulumi-install", "bin");
    fakePulumi(path.join(installed, "pulumi"), "3.300.0");
    writeExecutable(path.join(installed, shimName), shimSource);

    const result = run(sandboxEnv([installed, fakeGo()]));

    expect(result.status).toBe(0);
    expect(result.dir).toBe(installed);
    expect(goBuilds()).toEqual([]);
  });

  it("is linked into the cache beside our shim when it has no shim", () => {
    const installed = path.join(scratch, "elsewhere");
    fakePulumi(path.join(installed, "pulumi"), "3.300.0");

    const result = run(sandboxEnv([installed, fakeGo()]));

    expect(result.dir).toBe(path.join(scratch, "cache", "pulumi-cli", "path", "bin"));
    expect(fs.readlinkSync(path.join(result.dir, "pulumi"))).toBe(path.join(installed, "pulumi"));
    expect(fs.readFileSync(path.join(result.dir, shimName), "utf8")).toBe(shimSource);
    expect(fs.existsSync(path.join(installed, shimName))).toBe(false);
    expect(goBuilds()).toEqual([]);
  });

  it("is ignored when older than the pinned version", () => {
    const installed = path.join(scratch, "old", "bin");
    fakePulumi(path.join(installed, "pulumi"), "3.100.0");
    writeExecutable(path.join(installed, shimName), shimSource);

    const result = run(sandboxEnv([installed, fakeGo()]));

    expect(result.stderr).toContain(`version 3.100.0, need ${pinned} or newer`);
    expect(result.dir).toBe(pinnedBin());
    expect(goBuilds()).toHaveLength(1);
  });
});

it(
  "gives the real pinned CLI from the real cache",
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
  },
  20 * 60 * 1000,
);
