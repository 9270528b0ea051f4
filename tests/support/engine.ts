// Tests run the engine through scripts/engine.ts like everything else; this adds the test-only
// part: a fresh work directory per stack under tests/e2e/.work (git-ignored), which is inside the
// repository so the provider process finds node_modules by walking up from it.
import * as fs from "node:fs";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
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
    program: settled(program),
    config,
    env,
  });
  return {
    stack,
    workDir,
    cleanup: () => fs.promises.rm(workDir, { recursive: true, force: true }),
  };
}

/**
 * The program as a test stack runs it: it returns only once the engine has answered the
 * registration of every resource it made.
 *
 * An inline program runs in this process, and the engine does not wait for it when a deployment
 * fails: on a failed step or check the CLI exits with the program's calls still in flight, and
 * each then fails with gRPC UNAVAILABLE. The SDK absorbs that for a resource's registration (the
 * resource's outputs never resolve), but not for the stack's outputs, which it registers once the
 * program has returned and its outputs have resolved: that failure becomes an unhandled
 * rejection, which the SDK's own handler may already have stopped listening for. Returning this
 * late, the program registers the stack's outputs only while the engine still waits for them;
 * after an unanswered registration it never returns and sends nothing more. A failing `up` run
 * with `continueOnError` has the engine answer the failed step and end only once the program has
 * finished.
 */
function settled(program: PulumiFn): PulumiFn {
  return async () => {
    const made: pulumi.Resource[] = [];
    pulumi.runtime.registerStackTransformation(({ resource }) => {
      made.push(resource);
      return undefined;
    });
    const outputs = await program();
    // A resource can be made while others are awaited (in an apply): wait until none is new.
    for (let answered = 0; answered < made.length;) {
      const batch = made.slice(answered);
      answered = made.length;
      await Promise.all(batch.map(registered));
    }
    return outputs;
  };
}

/** Resolves once the engine has answered the resource's registration: its URN is known then. */
function registered(resource: pulumi.Resource): Promise<void> {
  return new Promise((resolve) => {
    resource.urn.apply(() => resolve());
  });
}
