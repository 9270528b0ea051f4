// Runs INSIDE an extracted release (scripts/make-upgrade-fixture.ts copies it there with
// program.ts): deploys the program with that release's package and emulator through the real
// engine, and writes what an upgrade test replays into the directory given as argument.
//
// Only the parts of the package that every release has are used (`startEmulator` with a state
// file and an API key, the SDK's resources through program.ts) and the Automation API, so the
// same file serves the next release's fixture too.
//
//   PULUMI_CLI_DIR=<dir holding pulumi> ts-node --transpile-only deploy.ts <out dir>
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { LocalWorkspace, PulumiCommand } from "@pulumi/pulumi/automation";
import { startEmulator } from "pulumi-yotta/emulator";
import { DEPLOYED, program } from "./program";

/** What the upgrade test needs to know besides the files; written as fixture.json. */
export interface FixtureInfo {
  release: string;
  commit: string;
  project: string;
  stack: string;
  /** Encrypts the stack's secrets; the test imports the state with it. Protects nothing. */
  passphrase: string;
  /** The emulator's API key, stored (encrypted) in the stack config. An emulator key only. */
  apiKey: string;
  /** `yotta:apiUrl` as deployed: the one value the test may rewrite, to its own emulator. */
  apiUrl: string;
  pulumiVersion: string;
}

const PROJECT = "yotta-upgrade";
const STACK = "fixture";
const PASSPHRASE = "pulumi-yotta-upgrade-fixture";
const API_KEY = "upgrade-fixture-key";

async function main(): Promise<void> {
  const [outDir] = process.argv.slice(2);
  const cliDir = process.env.PULUMI_CLI_DIR;
  const release = process.env.FIXTURE_RELEASE;
  const commit = process.env.FIXTURE_COMMIT;
  if (!outDir || !cliDir || !release || !commit) {
    throw new Error(
      "usage: PULUMI_CLI_DIR=… FIXTURE_RELEASE=… FIXTURE_COMMIT=… deploy.ts <out dir>",
    );
  }
  const workDir = path.resolve(__dirname, "work");
  fs.rmSync(workDir, { recursive: true, force: true });
  fs.mkdirSync(path.join(workDir, ".pulumi-state"), { recursive: true });
  const emulatorState = path.join(workDir, "emulator-state.json");

  const emulator = await startEmulator({ statePath: emulatorState, apiKey: API_KEY });
  try {
    const envVars = {
      PATH: [cliDir, process.env.PATH].filter(Boolean).join(path.delimiter),
      PULUMI_HOME: path.join(workDir, ".pulumi-home"),
      PULUMI_BACKEND_URL: `file://${path.join(workDir, ".pulumi-state")}`,
      PULUMI_CONFIG_PASSPHRASE: PASSPHRASE,
      PULUMI_SKIP_UPDATE_CHECK: "true",
      PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
      PULUMI_SKIP_CONFIRMATIONS: "true",
      YOTTA_POLL_INTERVAL_MS: "25",
    };
    const pulumiCommand = await PulumiCommand.get({ root: path.dirname(cliDir) });
    const stack = await LocalWorkspace.createOrSelectStack(
      { projectName: PROJECT, stackName: STACK, program: program(DEPLOYED) },
      // The provider process runs in workDir and resolves `pulumi-yotta` upwards from it: the
      // release's own node_modules.
      { workDir, pulumiCommand, envVars },
    );
    // Configured the way the README tells a user to: the key as a secret, the URL in plain.
    await stack.setAllConfig({
      "yotta:apiKey": { value: API_KEY, secret: true },
      "yotta:apiUrl": { value: emulator.url },
    });
    const up = await stack.up({ onOutput: (line) => process.stderr.write(line) });
    if (up.summary.result !== "succeeded") throw new Error(`up ${up.summary.result}`);
    // A fixture is a settled stack: the release itself must find nothing to change.
    await stack.preview({ expectNoChanges: true });
    await stack.refresh({ expectNoChanges: true });

    fs.mkdirSync(outDir, { recursive: true });
    // `pulumi stack export` as a user runs it: secrets stay encrypted with the passphrase (the
    // Automation API's exportStack would decrypt them).
    const exported = execFileSync(
      path.join(cliDir, "pulumi"),
      ["stack", "export", "--stack", STACK],
      { cwd: workDir, env: { ...process.env, ...envVars }, encoding: "utf8" },
    );
    fs.writeFileSync(path.join(outDir, "state.json"), exported);
    // The stack's config file as the user keeps it: the encryption salt and the config.
    fs.copyFileSync(
      path.join(workDir, `Pulumi.${STACK}.yaml`),
      path.join(outDir, "stack-config.yaml"),
    );
    const info: FixtureInfo = {
      release,
      commit,
      project: PROJECT,
      stack: STACK,
      passphrase: PASSPHRASE,
      apiKey: API_KEY,
      apiUrl: emulator.url,
      pulumiVersion: pulumiCommand.version?.toString() ?? "unknown",
    };
    fs.writeFileSync(path.join(outDir, "fixture.json"), `${JSON.stringify(info, null, 2)}\n`);
  } finally {
    // Closing writes the emulator's last state.
    await emulator.close();
  }
  fs.copyFileSync(emulatorState, path.join(outDir, "emulator-state.json"));
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.stack : error);
  process.exit(1);
});
