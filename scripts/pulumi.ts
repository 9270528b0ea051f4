// `npm run pulumi -- <args>`: the pinned CLI with this repository's environment (state in
// .pulumi-state, passphrase secrets, no login), in the root project unless `--cwd` says
// otherwise. For the stacks `npm start` deploys, e.g.
//
//   npm run pulumi -- stack ls
//   npm run pulumi -- config set registryPassword --secret --stack yotta
//
// Commands that reach the Yotta API (refresh, destroy) need YOTTA_API_KEY, and for the emulator
// stack a running emulator in YOTTA_API_URL.
import { spawnSync } from "node:child_process";
import * as path from "node:path";
import { engineEnv, pulumiCliDir, repoRoot } from "./engine";

const result = spawnSync(path.join(pulumiCliDir(), "pulumi"), process.argv.slice(2), {
  cwd: repoRoot,
  env: { ...process.env, ...engineEnv({ backendDir: path.join(repoRoot, ".pulumi-state") }) },
  stdio: "inherit",
});
if (result.error) throw result.error;
process.exitCode = result.status ?? 1;
