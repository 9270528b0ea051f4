import * as path from "node:path";
import { LocalWorkspace, PulumiCommand, Stack, type EngineEvent } from "@pulumi/pulumi/automation";
import { findingsFromEvents } from "./events";
import { redact, SECRET_ENV_VARS } from "./redact";
import type { DriftFailure, DriftReport } from "./report";

export interface DetectDriftOptions {
  /** The stack to check, as `pulumi --stack` takes it (`prod`, `org/project/prod`). */
  stackName: string;
  /** The project directory: the one holding `Pulumi.yaml`. */
  workDir: string;
  /**
   * Added to this process's environment for the CLI and the provider process it starts. The CLI
   * reads its backend and secrets from there, as `pulumi` itself does: `PULUMI_BACKEND_URL` (or a
   * `pulumi login`), `PULUMI_ACCESS_TOKEN`, `PULUMI_CONFIG_PASSPHRASE`; the providers read
   * `YOTTA_API_KEY` and `YOTTA_API_URL` unless the stack's config sets them.
   */
  envVars?: Record<string, string>;
  /** The CLI to run; by default the `pulumi` on `PATH`. */
  pulumiCommand?: PulumiCommand;
}

/**
 * Checks a deployed stack against the cloud without changing either: `pulumi refresh
 * --preview-only` asks each resource's provider to read the live resource and compare it with
 * the last applied inputs, and nothing is written to the state. The program is not run, so this
 * works wherever the stack's state and the providers' credentials are reachable.
 *
 * Never throws for a failed check: the report's status is then `error` and its `errors` say why,
 * without stack traces and with known secrets (API key, access token, passphrase, secret config)
 * replaced by `***`.
 */
export async function detectDrift(options: DetectDriftOptions): Promise<DriftReport> {
  const { stackName } = options;
  const workDir = path.resolve(options.workDir);
  const envVars: Record<string, string> = {
    ...options.envVars,
    // `refresh --preview-only` refuses to run when confirmations are skipped (it reads that as
    // `--yes`); a preview has nothing to confirm, so the user's setting is overridden here only.
    PULUMI_SKIP_CONFIRMATIONS: "false",
  };
  const events: EngineEvent[] = [];
  let workspace: LocalWorkspace | undefined;
  let failure: unknown;
  try {
    const pulumiCommand = options.pulumiCommand ?? (await findPulumi());
    workspace = await LocalWorkspace.create({ workDir, envVars, pulumiCommand });
    const stack = await Stack.select(stackName, withoutSelecting(workspace));
    await stack.previewRefresh({ onEvent: (event) => events.push(event) });
  } catch (err) {
    failure = err;
  }

  const findings = findingsFromEvents(events);
  if (failure === undefined && findings.errors.length === 0) {
    return {
      stack: stackName,
      status: findings.resources.length > 0 ? "drift" : "in-sync",
      checked: findings.checked,
      resources: findings.resources,
      errors: [],
    };
  }
  const errors: DriftFailure[] =
    findings.errors.length > 0 ? findings.errors : [{ message: messageOf(failure) }];
  const secrets = [
    ...SECRET_ENV_VARS.map((name) => envVars[name] ?? process.env[name]),
    ...(await secretConfigValues(workspace, stackName)),
  ];
  return {
    stack: stackName,
    status: "error",
    checked: findings.checked,
    resources: findings.resources,
    errors: errors.map((e) => ({ ...e, message: redact(e.message, secrets) })),
  };
}

export async function findPulumi(): Promise<PulumiCommand> {
  try {
    return await PulumiCommand.get();
  } catch (err) {
    throw new Error(
      `cannot run the Pulumi CLI (${messageOf(err)}): install it ` +
        "(https://www.pulumi.com/docs/install/) and put `pulumi` on PATH",
    );
  }
}

/**
 * `Stack.select` runs `pulumi stack select`, which would change the stack that the user's next
 * `pulumi up` in this directory targets. Every stack command passes `--stack` explicitly, so
 * selecting is not needed, and the refresh itself fails with the CLI's "no stack named ... found"
 * when the stack does not exist.
 */
function withoutSelecting(workspace: LocalWorkspace): LocalWorkspace {
  const selectStack = async (): Promise<void> => {};
  return Object.create(workspace, { selectStack: { value: selectStack } }) as LocalWorkspace;
}

/** Plaintext of the stack's secret config (the API key, say), used only to redact errors. */
async function secretConfigValues(
  workspace: LocalWorkspace | undefined,
  stackName: string,
): Promise<string[]> {
  if (!workspace) return [];
  try {
    const config = await workspace.getAllConfig(stackName);
    return Object.values(config)
      .filter((entry) => entry.secret)
      .map((entry) => entry.value);
  } catch {
    // The stack or its passphrase is what failed: there is no secret config to read, and the
    // environment's secrets are still redacted.
    return [];
  }
}

/**
 * The reason in an Automation API failure. Its `CommandError` message is the whole command
 * result (exit code, the command line, stdout, stderr); the CLI states the reason on lines that
 * start with `error: `.
 */
export function messageOf(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  const reasons = [...text.matchAll(/^error: (.+)$/gm)].map((m) => m[1]!.trim());
  if (reasons.length > 0) return [...new Set(reasons)].join("; ");
  // No `error:` line: a failure to start the CLI, where stderr holds the system error.
  const stderr = /\bstderr: ([\s\S]*?)(?:\n err\?: |$)/.exec(text)?.[1] ?? text;
  const lines = stderr
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => line && !/^\s*at\s/.test(line));
  return lines.find((line) => !line.startsWith("Command failed")) ?? lines[0] ?? "unknown error";
}
