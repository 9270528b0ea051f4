// Makes the upgrade fixture of one release: extracts the release's commit outside the repository,
// installs and builds it there, deploys scripts/upgrade-fixture/program.ts with THAT release's
// package and emulator through the real engine, and keeps what tests/e2e/upgrade.test.ts replays
// in tests/fixtures/upgrade/<version>/ (tests/fixtures/upgrade/README.md says what each file is).
//
//   npx ts-node --transpile-only scripts/make-upgrade-fixture.ts <release commit>
//
// An existing fixture is never overwritten: old releases' fixtures stay as they were made.
import { spawnSync, type SpawnSyncOptions } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { repoRoot, runPulumiCliScript } from "./engine";

const FIXTURES = path.join(repoRoot, "tests", "fixtures", "upgrade");
const SOURCES = path.join(repoRoot, "scripts", "upgrade-fixture");

function run(command: string, args: string[], options: SpawnSyncOptions = {}): void {
  console.error(`$ ${command} ${args.join(" ")}`);
  const result = spawnSync(command, args, { stdio: "inherit", ...options });
  if (result.error) throw result.error;
  if (result.status !== 0) {
    throw new Error(`${command} ${args.join(" ")} exited with ${result.status ?? result.signal}`);
  }
}

function output(command: string, args: string[]): string {
  const result = spawnSync(command, args, { cwd: repoRoot, encoding: "utf8" });
  if (result.status !== 0) throw new Error(`${command} ${args.join(" ")}: ${result.stderr}`);
  return result.stdout.trim();
}

function main(): void {
  const [ref] = process.argv.slice(2);
  if (!ref) throw new Error("usage: make-upgrade-fixture.ts <release commit>");
  const commit = output("git", ["rev-parse", "--verify", `${ref}^{commit}`]);

  const tree = path.join(os.tmpdir(), `yotta-release-${commit.slice(0, 12)}`);
  fs.rmSync(tree, { recursive: true, force: true });
  fs.mkdirSync(tree, { recursive: true });
  run("bash", [
    "-o",
    "pipefail",
    "-c",
    'git -C "$1" archive "$2" | tar -x -C "$3"',
    "extract",
    repoRoot,
    commit,
    tree,
  ]);
  const release = (
    JSON.parse(fs.readFileSync(path.join(tree, "package.json"), "utf8")) as {
      version: string;
    }
  ).version;
  const outDir = path.join(FIXTURES, release);
  if (fs.existsSync(outDir)) {
    throw new Error(`${path.relative(repoRoot, outDir)} exists: a release's fixture is made once`);
  }

  // The release exactly as published: its lock file, its build (which links node_modules/pulumi-yotta).
  run("npm", ["ci", "--no-audit", "--no-fund"], { cwd: tree });
  run("npm", ["run", "build"], { cwd: tree });

  const inside = path.join(tree, "upgrade-fixture");
  fs.mkdirSync(inside);
  for (const file of ["program.ts", "deploy.ts"]) {
    fs.copyFileSync(path.join(SOURCES, file), path.join(inside, file));
  }
  const cliDir = runPulumiCliScript();
  const staging = path.join(tree, "fixture-out");
  run(
    path.join(tree, "node_modules", ".bin", "ts-node"),
    ["--transpile-only", path.join(inside, "deploy.ts"), staging],
    {
      cwd: tree,
      env: {
        ...process.env,
        PULUMI_CLI_DIR: cliDir,
        FIXTURE_RELEASE: release,
        FIXTURE_COMMIT: commit,
      },
    },
  );
  fs.copyFileSync(path.join(SOURCES, "program.ts"), path.join(staging, "program.ts"));
  // Formatted as the repository's other files, so `npm run lint` passes over the fixture.
  run(path.join(repoRoot, "node_modules", ".bin", "prettier"), ["--write", staging], {
    cwd: repoRoot,
  });
  fs.mkdirSync(FIXTURES, { recursive: true });
  fs.cpSync(staging, outDir, { recursive: true });
  console.error(`fixture of ${release} (${commit}) in ${path.relative(repoRoot, outDir)}`);
  console.error(`the release's tree stays in ${tree} for inspection`);
}

try {
  main();
} catch (error) {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
}
