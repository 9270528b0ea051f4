// Tests run the engine through scripts/engine.ts like everything else; this adds the test-only
// part: a fresh work directory per stack under tests/e2e/.work (git-ignored), which is inside the
// repository so the provider process finds node_modules by walking up from it.
import * as fs from "node:fs";
import * as path from "node:path";
import type { PulumiFn, Stack } from "@pulumi/pulumi/automation";
import { openInlineStack, repoRoot, type StackConfig } from "../../scripts/engine";

export { engineEnv, pulumiCliDir, repoRoot } from "../../scripts/engine";

export const workRoot = path.join(repoRoot, "tests", "e2e", ".work");

export interface TestStackOptions {
  /** Names the work directory and the project; unique per test file. */
  name: string;
  program: PulumiFn;
  config?: StackConfig;
  env?: Record<string, string>;
}

export interface TestStack {
  stack: Stack;
  workDir: string;
  /** Removes the work directory, state included. Destroy the stack first if it owns anything. */
  cleanup(): Promise<void>;
}

export async function createTestStack({
  name,
  program,
  config,
  env,
}: TestStackOptions): Promise<TestStack> {
  const workDir = path.join(workRoot, name);
  // State left by an interrupted earlier run must not leak into this one.
  await fs.promises.rm(workDir, { recursive: true, force: true });
  await fs.promises.mkdir(workDir, { recursive: true });
  const stack = await openInlineStack({
    workDir,
    projectName: name,
    stackName: "test",
    program,
    config,
    env,
  });
  return {
    stack,
    workDir,
    cleanup: () => fs.promises.rm(workDir, { recursive: true, force: true }),
  };
}
