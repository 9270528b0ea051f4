// The one way this repository runs the real Pulumi engine: the CLI found or built by
// scripts/pulumi-cli.sh, an environment that never leaves the machine, and either the CLI itself
// in a project directory (`pulumi up`, as users run it) or Automation API stacks for inline
// programs. See docs/engine.md.
import { execFileSync, spawn, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import {
  LocalWorkspace,
  PulumiCommand,
  type ConfigValue,
  type PulumiFn,
  type Stack,
} from "@pulumi/pulumi/automation";

export const repoRoot = path.resolve(__dirname, "..");

/** Encrypts stack secrets in local state; it protects nothing and is not meant to. */
const LOCAL_PASSPHRASE = "pulumi-yotta-local";

/** The wrapper module of the pinned CLI; the version matrix has others (scripts/pulumi-cli/newest). */
export const PINNED_CLI_MODULE = "scripts/pulumi-cli";

const cliDirs = new Map<string, string>();

/**
 * Runs scripts/pulumi-cli.sh (finding, or building, the CLI of a wrapper module) and returns the
 * directory holding `pulumi`, the Node language host and the dynamic-provider shim (and, for a
 * module that names one, its Node.js). The script's progress goes straight to our stderr: a first
 * build takes minutes and must not look like a hang.
 */
export function runPulumiCliScript(module = PINNED_CLI_MODULE): string {
  const dir = runScript("inherit", module);
  cliDirs.set(module, dir);
  return dir;
}

/**
 * The CLI directory of a wrapper module, resolved once per process. The script's messages are
 * kept for the error only: once the CLI is cached they say nothing new to every test file.
 */
export function pulumiCliDir(module = PINNED_CLI_MODULE): string {
  let dir = cliDirs.get(module);
  if (!dir) {
    dir = runScript("pipe", module);
    cliDirs.set(module, dir);
  }
  return dir;
}

function runScript(stderr: "inherit" | "pipe", module: string): string {
  const script = path.join(repoRoot, "scripts", "pulumi-cli.sh");
  // The pinned module is the script's default, and only then may it use a `pulumi` on PATH.
  const env =
    module === PINNED_CLI_MODULE
      ? process.env
      : { ...process.env, PULUMI_YOTTA_CLI_MODULE: path.resolve(repoRoot, module) };
  const result = spawnSync("bash", [script], {
    cwd: repoRoot,
    env,
    encoding: "utf8",
    stdio: ["ignore", "pipe", stderr],
  });
  if (result.error) throw result.error;
  if (result.status !== 0) {
    const messages = stderr === "pipe" ? `:\n${result.stderr}` : "; its messages are above";
    throw new Error(`${script} exited with ${result.status ?? result.signal}${messages}`);
  }
  const dir = result.stdout.trim().split("\n").pop() ?? "";
  if (!path.isAbsolute(dir) || !fs.existsSync(path.join(dir, "pulumi"))) {
    throw new Error(`${script} printed ${JSON.stringify(dir)}, not a directory holding pulumi`);
  }
  return dir;
}

/**
 * Packs this repository with `npm pack` (the built `dist/`, so build first) into `dir` as
 * `pulumi-yotta.tgz`, and returns the tarball's path: the package as a user installs it.
 */
export function packPackage(dir: string): string {
  const packed = execFileSync("npm", ["pack", "--silent", "--pack-destination", dir], {
    cwd: repoRoot,
    encoding: "utf8",
  })
    .trim()
    .split("\n")
    .pop()!;
  const tarball = path.join(dir, "pulumi-yotta.tgz");
  fs.renameSync(path.join(dir, packed), tarball);
  return tarball;
}

/**
 * Makes `root` a user's project directory: a package.json of these dependencies (such as
 * `pulumi-yotta: file:<tarball>`), installed by npm into its own `node_modules`.
 */
export function installDependencies(root: string, dependencies: Record<string, string>): void {
  fs.writeFileSync(
    path.join(root, "package.json"),
    JSON.stringify({ name: "yotta-projects", private: true, dependencies }, null, 2),
  );
  execFileSync(
    "npm",
    ["install", "--prefer-offline", "--no-audit", "--no-fund", "--loglevel=error"],
    { cwd: root, stdio: ["ignore", "inherit", "inherit"] },
  );
}

export interface EngineEnvOptions {
  /** Directory of the file:// state backend. */
  backendDir: string;
  /** Pulumi's own home (plugins, workspace files); defaults to the repository's `.pulumi-home`. */
  pulumiHome?: string;
  /** The directory of `pulumi`, as `pulumiCliDir()` gives it; defaults to the pinned CLI's. */
  cliDir?: string;
}

/**
 * Environment for a CLI run that needs no login, no network and no prompt: local file state,
 * passphrase secrets, no update check, no plugin downloads.
 */
export function engineEnv({
  backendDir,
  pulumiHome = path.join(repoRoot, ".pulumi-home"),
  cliDir = pulumiCliDir(),
}: EngineEnvOptions): Record<string, string> {
  return {
    // The CLI finds the language host and the shim on PATH, and they find `node` there.
    PATH: [cliDir, process.env.PATH].filter(Boolean).join(path.delimiter),
    PULUMI_HOME: path.resolve(pulumiHome),
    PULUMI_BACKEND_URL: `file://${path.resolve(backendDir)}`,
    PULUMI_CONFIG_PASSPHRASE: LOCAL_PASSPHRASE,
    PULUMI_SKIP_UPDATE_CHECK: "true",
    PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
    PULUMI_SKIP_CONFIRMATIONS: "true",
  };
}

export interface PulumiRun {
  /** The exit status; null when a signal ended the CLI. */
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface RunPulumiOptions {
  /** The project directory, the one with Pulumi.yaml. */
  cwd: string;
  /** The whole environment of the CLI, e.g. `{ ...process.env, ...engineEnv(...) }`. */
  env: NodeJS.ProcessEnv;
  /** Written to the CLI's stdin, then closed: the answer to a prompt such as a secret's value. */
  input?: string;
  /** Also copy the CLI's output to ours as it comes. */
  echo?: boolean;
  /** The directory of the `pulumi` to run; defaults to the pinned CLI's. */
  cliDir?: string;
  /**
   * Kills the CLI and every process it started (the language host, the program, the providers,
   * which the CLI puts in process groups of their own) with SIGKILL once this returns true, as a
   * CI job's timeout does. Polled every 20 ms.
   */
  killWhen?: () => boolean;
}

/**
 * Runs the CLI in a project directory, as a user does (`pulumi up`, `pulumi config set …`), and
 * resolves when it exits, whatever its status. It never blocks this process: an emulator in it
 * must keep answering the provider process meanwhile.
 */
export function runPulumi(args: string[], options: RunPulumiOptions): Promise<PulumiRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(path.join(options.cliDir ?? pulumiCliDir(), "pulumi"), args, {
      cwd: options.cwd,
      env: options.env,
      stdio: ["pipe", "pipe", "pipe"],
    });
    const killWhen = options.killWhen;
    const watch =
      killWhen &&
      setInterval(() => {
        if (!killWhen() || child.pid === undefined) return;
        clearInterval(watch);
        killTree(child.pid);
      }, 20);
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => {
      stdout += chunk.toString();
      if (options.echo) process.stdout.write(chunk);
    });
    child.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
      if (options.echo) process.stderr.write(chunk);
    });
    child.on("error", reject);
    child.on("close", (code) => {
      if (watch) clearInterval(watch);
      resolve({ code, stdout, stderr });
    });
    child.stdin.end(options.input ?? "");
  });
}

/** SIGKILLs `pid` and all its descendants (found in /proc: Linux). */
export function killTree(pid: number): void {
  for (const p of descendants(pid)) {
    try {
      process.kill(p, "SIGKILL");
    } catch {
      // Already gone.
    }
  }
}

/**
 * The `pulumi` CLI among this process's descendants running `command` (`up`, `destroy`): the one
 * the Automation API started. Undefined when there is none.
 */
export function pulumiCliRunning(command: string): number | undefined {
  return descendants(process.pid).find((p) => {
    try {
      const argv = fs.readFileSync(`/proc/${p}/cmdline`, "utf8").split("\0");
      return path.basename(argv[0] ?? "") === "pulumi" && argv.includes(command);
    } catch {
      return false;
    }
  });
}

/** `pid` and every process below it, from /proc. */
function descendants(pid: number): number[] {
  const children = new Map<number, number[]>();
  for (const entry of fs.readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, "utf8");
      // pid (comm) state ppid ...: comm may hold spaces and parentheses, so read after the last ')'.
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(entry)]);
    } catch {
      // The process ended meanwhile.
    }
  }
  const all: number[] = [];
  const visit = (p: number) => {
    all.push(p);
    for (const c of children.get(p) ?? []) visit(c);
  };
  visit(pid);
  return all;
}

export type StackConfig = Record<string, string | ConfigValue>;

export interface InlineStackOptions {
  /**
   * The project directory. The dynamic-provider process runs here and resolves
   * `@pulumi/pulumi` and `pulumi-yotta` from it, so it must sit under a `node_modules` that has
   * them. Its Pulumi.yaml is used when present; otherwise a default project named `projectName`.
   */
  workDir: string;
  projectName: string;
  stackName: string;
  program: PulumiFn;
  /** Defaults to `<workDir>/.pulumi-state`. */
  backendDir?: string;
  config?: StackConfig;
  /** Extra environment for the CLI and the provider process, e.g. YOTTA_API_URL. */
  env?: Record<string, string>;
}

/** Creates or selects a stack of an inline program, run by the pinned CLI against local state. */
export async function openInlineStack(options: InlineStackOptions): Promise<Stack> {
  const workDir = path.resolve(options.workDir);
  const backendDir = options.backendDir ?? path.join(workDir, ".pulumi-state");
  fs.mkdirSync(backendDir, { recursive: true });
  const envVars = { ...engineEnv({ backendDir }), ...options.env };
  // PulumiCommand wants the install root (<root>/bin/pulumi); the script always returns a `bin`.
  const pulumiCommand = await PulumiCommand.get({ root: path.dirname(pulumiCliDir()) });
  const stack = await LocalWorkspace.createOrSelectStack(
    { projectName: options.projectName, stackName: options.stackName, program: options.program },
    { workDir, envVars, pulumiCommand },
  );
  if (options.config) {
    const entries = Object.entries(options.config).map(([key, value]) => [
      key,
      typeof value === "string" ? { value } : value,
    ]);
    await stack.setAllConfig(Object.fromEntries(entries));
  }
  return stack;
}
