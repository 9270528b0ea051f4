// The main job: deploy an example fleet with `pulumi up` in its project directory, as a user
// does, and print what it made.
//
//   npm start                 the root Pulumi.yaml (the gpu-fleet example)
//   npm start -- quickstart   another example, in its own directory under examples/
//
// Without YOTTA_API_KEY it runs against the Yotta emulator, whose cloud is kept in
// .yotta-emulator/state.json between runs, as Pulumi's state is kept in .pulumi-state; a second
// run therefore finds nothing to change. With YOTTA_API_KEY set (and no YOTTA_API_URL) the same
// program deploys to the real Yotta service and GPUs are billed. Each target has its own stack,
// so the emulator's resources are never looked up on the real service, nor the reverse.
import * as fs from "node:fs";
import * as path from "node:path";
import { startEmulator, type RunningEmulator } from "../emulator";
import { REALISTIC_TIMING, type Timing } from "../emulator/config";
import { engineEnv, repoRoot, runPulumi, runPulumiCliScript, type PulumiRun } from "./engine";

export type Target = "emulator" | "yotta";

/** The stack a target deploys to: one per target, so their ids never meet in one state. */
export const STACKS: Record<Target, string> = { emulator: "emulator", yotta: "yotta" };

/** The real service unless YOTTA_API_URL points elsewhere; otherwise our own emulator. */
export function targetOf(env: NodeJS.ProcessEnv): Target {
  return env.YOTTA_API_KEY && !env.YOTTA_API_URL ? "yotta" : "emulator";
}

/** The project directory of an example: the repository's root Pulumi.yaml is gpu-fleet's. */
export function projectDirOf(example: string): string {
  return example === "gpu-fleet" ? repoRoot : path.join(repoRoot, "examples", example);
}

export interface MainJobOptions {
  /** The directory with the Pulumi.yaml; it must sit below a node_modules with pulumi-yotta. */
  projectDir: string;
  /** The caller's environment: it decides the target and carries YOTTA_API_KEY. */
  env: NodeJS.ProcessEnv;
  /** Pulumi's state (a file:// backend); default `<repo>/.pulumi-state`. */
  backendDir?: string;
  /** Pulumi's home; default `<repo>/.pulumi-home`. */
  pulumiHome?: string;
  /** Where the emulator keeps its cloud; default `<repo>/.yotta-emulator/state.json`. */
  emulatorStatePath?: string;
  /** The emulator's transition times; default close to the real service's. */
  emulatorTiming?: Timing;
  /** Only for tests: where "the real service" is, instead of the provider's default. */
  serviceUrl?: string;
  /** Progress and the CLI's own output; default our stdout. */
  print?: (text: string) => void;
}

export interface MainJobResult {
  target: Target;
  stack: string;
  /** The update's resource changes by operation, as the CLI records them (`same` included). */
  changes: Record<string, number>;
  /** The stack outputs; secret ones as the CLI shows them, "[secret]". */
  outputs: Record<string, unknown>;
}

/** Deploys the project's program with `pulumi up --refresh` to the stack of the target. */
export async function runMainJob(options: MainJobOptions): Promise<MainJobResult> {
  const print = options.print ?? ((text: string) => process.stdout.write(text));
  const target = targetOf(options.env);
  const stack = STACKS[target];
  const emulatorStatePath =
    options.emulatorStatePath ?? path.join(repoRoot, ".yotta-emulator", "state.json");
  const backendDir = options.backendDir ?? path.join(repoRoot, ".pulumi-state");
  fs.mkdirSync(backendDir, { recursive: true });

  let emulator: RunningEmulator | undefined;
  let yottaEnv: Record<string, string>;
  if (target === "yotta") {
    print("YOTTA_API_KEY is set: deploying to the real Yotta service (GPUs are billed).\n");
    yottaEnv = options.serviceUrl ? { YOTTA_API_URL: options.serviceUrl } : {};
  } else {
    fs.mkdirSync(path.dirname(emulatorStatePath), { recursive: true });
    emulator = await startEmulator({
      statePath: emulatorStatePath,
      baseTiming: options.emulatorTiming ?? REALISTIC_TIMING,
    });
    print(
      `Yotta emulator on ${emulator.url}, cloud kept in ${path.relative(repoRoot, emulatorStatePath)}\n`,
    );
    // Through the environment, not stack config: the emulator's port changes from run to run and
    // must not show up as a change in the state.
    yottaEnv = {
      YOTTA_API_URL: emulator.url,
      YOTTA_API_KEY: emulator.apiKey,
      YOTTA_POLL_INTERVAL_MS: "250",
    };
  }
  const env: NodeJS.ProcessEnv = {
    ...options.env,
    ...engineEnv({ backendDir, pulumiHome: options.pulumiHome }),
    ...yottaEnv,
  };
  const pulumi = async (args: string[], run: { input?: string; echo?: boolean } = {}) => {
    const result = await runPulumi(args, { cwd: options.projectDir, env, ...run });
    if (result.code !== 0) throw new PulumiFailed(args, result);
    return result;
  };

  try {
    await pulumi(["stack", "select", "--create", stack]);
    const config = JSON.parse((await pulumi(["config", "--json", "--stack", stack])).stdout);
    const passwordKey = Object.keys(config).find((key) => key.endsWith(":registryPassword"));
    if (emulator && !passwordKey) {
      // The example pulls private images; the emulator accepts any password, the real service
      // needs yours (`npm run pulumi -- config set registryPassword --secret --stack yotta`).
      await pulumi(["config", "set", "registryPassword", "--secret", "--stack", stack], {
        input: "emulator-registry-password",
      });
    }
    print(
      `pulumi up --refresh (stack ${stack}, state in ${path.relative(repoRoot, backendDir)})\n`,
    );
    // Refresh first: if either the emulator's file or Pulumi's state was removed, the two are
    // reconciled instead of trusting a stale record.
    await pulumi(["up", "--refresh", "--yes", "--stack", stack], { echo: !options.print });
    const [update] = JSON.parse(
      (await pulumi(["stack", "history", "--json", "--page-size", "1", "--stack", stack])).stdout,
    ) as { resourceChanges?: Record<string, number> }[];
    const outputs = JSON.parse(
      (await pulumi(["stack", "output", "--json", "--stack", stack])).stdout,
    ) as Record<string, unknown>;
    return { target, stack, changes: update?.resourceChanges ?? {}, outputs };
  } finally {
    await emulator?.close();
  }
}

/** A CLI run that failed; its output has been shown (`up`) or is in the message (the others). */
export class PulumiFailed extends Error {
  constructor(
    readonly args: string[],
    readonly run: PulumiRun,
  ) {
    super(
      `pulumi ${args[0]} failed (exit status ${run.code})` +
        (args[0] === "up" ? "" : `:\n${run.stderr || run.stdout}`),
    );
  }
}

function report({ changes, outputs }: MainJobResult): string {
  const changed = Object.entries(changes)
    .filter(([op, n]) => op !== "same" && n > 0)
    .map(([op, n]) => `${n} ${op}`);
  const lines = [
    "",
    changed.length === 0
      ? "No changes: the cloud matches the program."
      : `Changes: ${changed.join(", ")}.`,
    "",
    "Stack outputs:",
    ...Object.entries(outputs).map(
      ([key, value]) => `  ${key}: ${JSON.stringify(value, null, 2).replace(/\n/g, "\n  ")}`,
    ),
  ];
  return lines.join("\n") + "\n";
}

async function main(): Promise<void> {
  const example = process.argv[2] ?? "gpu-fleet";
  const projectDir = projectDirOf(example);
  if (!fs.existsSync(path.join(projectDir, "Pulumi.yaml"))) {
    throw new Error(`no example project at ${projectDir}`);
  }
  runPulumiCliScript();
  // The provider process loads the package by name, as in a user's program: build it first.
  if (
    !fs.existsSync(
      path.join(repoRoot, "node_modules", "pulumi-yotta", "dist", "provider", "pod.js"),
    )
  ) {
    throw new Error("the package is not built: run `npm run build` (npm start does it for you)");
  }
  process.stdout.write(report(await runMainJob({ projectDir, env: process.env })));
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  });
}
