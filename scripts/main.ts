// The main job: deploy an example fleet with the real Pulumi engine and print what it made.
//
//   npm start                 the gpu-fleet example (the root Pulumi.yaml's program)
//   npm start -- quickstart   another example from examples/
//
// Without YOTTA_API_KEY it runs against the Yotta emulator, whose cloud is kept in
// .yotta-emulator/state.json between runs, as Pulumi's state is kept in .pulumi-state; a second
// run therefore finds nothing to change. With YOTTA_API_KEY set (and no YOTTA_API_URL) the same
// program deploys to the real Yotta service and GPUs are billed.
import * as fs from "node:fs";
import * as path from "node:path";
import type { PulumiFn } from "@pulumi/pulumi/automation";
import { startEmulator, type RunningEmulator } from "../emulator";
import { REALISTIC_TIMING } from "../emulator/config";
import { openInlineStack, repoRoot, runPulumiCliScript } from "./engine";

const EMULATOR_STATE = path.join(repoRoot, ".yotta-emulator", "state.json");

async function main(): Promise<void> {
  const example = process.argv[2] ?? "gpu-fleet";
  const programPath = path.join(repoRoot, "examples", example, "index.ts");
  if (!fs.existsSync(programPath)) throw new Error(`no example at ${programPath}`);

  runPulumiCliScript();
  // The provider process loads the package by name, as in a user's program: build it first.
  if (
    !fs.existsSync(
      path.join(repoRoot, "node_modules", "pulumi-yotta", "dist", "provider", "pod.js"),
    )
  ) {
    throw new Error("the package is not built: run `npm run build` (npm start does it for you)");
  }

  const realService = Boolean(process.env.YOTTA_API_KEY) && !process.env.YOTTA_API_URL;
  let emulator: RunningEmulator | undefined;
  let env: Record<string, string>;
  if (realService) {
    console.log("YOTTA_API_KEY is set: deploying to the real Yotta service (GPUs are billed).");
    env = {};
  } else {
    fs.mkdirSync(path.dirname(EMULATOR_STATE), { recursive: true });
    emulator = await startEmulator({ statePath: EMULATOR_STATE, baseTiming: REALISTIC_TIMING });
    console.log(
      `Yotta emulator on ${emulator.url}, cloud kept in ${path.relative(repoRoot, EMULATOR_STATE)}`,
    );
    // Through the environment, not stack config: the emulator's port changes from run to run and
    // must not show up as a change in the state.
    env = {
      YOTTA_API_URL: emulator.url,
      YOTTA_API_KEY: emulator.apiKey,
      YOTTA_POLL_INTERVAL_MS: "250",
    };
  }

  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- the example chosen on the command line
    const program = require(programPath) as PulumiFn;
    const stack = await openInlineStack({
      workDir: repoRoot,
      projectName: "pulumi-yotta",
      stackName: example,
      program,
      env,
    });
    if (emulator && !(await stack.getAllConfig())[`pulumi-yotta:registryPassword`]) {
      // The example pulls private images; the emulator accepts any password, the real service
      // needs yours (`pulumi config set registryPassword --secret`).
      await stack.setConfig("registryPassword", {
        value: "emulator-registry-password",
        secret: true,
      });
    }
    console.log(`pulumi up (stack ${example}, state in .pulumi-state)`);
    // Refresh first: if either the emulator's file or Pulumi's state was removed, the two are
    // reconciled instead of trusting a stale record.
    const result = await stack.up({
      refresh: true,
      onOutput: (line) => process.stdout.write(line),
    });
    const changes = Object.entries(result.summary.resourceChanges ?? {})
      .filter(([op]) => op !== "same")
      .map(([op, n]) => `${n} ${op}`);
    console.log(
      `\n${changes.length === 0 ? "No changes: the cloud matches the program." : `Changes: ${changes.join(", ")}.`}`,
    );
    console.log("\nStack outputs:");
    for (const [key, output] of Object.entries(result.outputs)) {
      const value = output.secret ? "[secret]" : JSON.stringify(output.value, null, 2);
      console.log(`  ${key}: ${value.replace(/\n/g, "\n  ")}`);
    }
  } finally {
    await emulator?.close();
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
