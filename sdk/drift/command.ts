import * as path from "node:path";
import { parseArgs } from "node:util";
import { detectDrift, type DetectDriftOptions } from "./detect";
import { DRIFT_FORMATS, formatReport, type DriftFormat } from "./format";
import { exitCodeFor, type DriftReport } from "./report";
import {
  findUnmanagedIn,
  type FindUnmanagedOptions,
  type UnmanagedReport,
} from "../unmanaged/scan";
import { formatUnmanaged, unmanagedExitCode } from "../unmanaged/format";

export const USAGE = `Usage: pulumi-yotta drift --stack <name> [--cwd <dir>] [--format text|markdown|json]
       pulumi-yotta unmanaged --stack <name> [--stack <name> ...] [--cwd <dir>] [--format ...]

drift: compares a deployed stack with the cloud without changing either (pulumi refresh
--preview-only) and prints every resource that differs from its last deployment: each changed
field with its expected and actual value (secrets masked), each resource deleted outside Pulumi,
and each record whose create had an unknown outcome (pending).
Exit status: 0 no drift, 2 drift, 1 the check failed.

unmanaged: lists every live resource of the Yotta account that none of the given stacks records
(a pending record counts as recording what its create made): kind, id, name, age and hourly
price. The nightly check for leaked GPUs. Nothing is changed.
Exit status: 0 none, 2 some, 1 the scan failed.

Options:
  -s, --stack <name>    the stack to check (required; unmanaged takes several)
  -C, --cwd <dir>       the project directory, holding Pulumi.yaml (default: the current one)
      --format <format> text (default), markdown or json
  -h, --help            show this help

It runs the \`pulumi\` on PATH with this environment, as \`pulumi\` itself would: the backend from
PULUMI_BACKEND_URL or \`pulumi login\`, PULUMI_ACCESS_TOKEN, PULUMI_CONFIG_PASSPHRASE; the Yotta
API is reached with the (first) stack's yotta:apiKey / yotta:apiUrl, else YOTTA_API_KEY and
YOTTA_API_URL.
`;

export type Command =
  | { kind: "help" }
  | { kind: "drift"; stack: string; cwd: string; format: DriftFormat }
  | { kind: "unmanaged"; stacks: string[]; cwd: string; format: DriftFormat };

/** A command line we cannot run; the message says what to change. */
export class UsageError extends Error {
  override readonly name = "UsageError";
}

/** Reads `argv` (without `node` and the script), resolving `--cwd` against `cwd`. */
export function parseCommand(argv: readonly string[], cwd: string): Command {
  const [command, ...rest] = argv;
  if (command === undefined || command === "-h" || command === "--help" || command === "help") {
    return { kind: "help" };
  }
  if (command !== "drift" && command !== "unmanaged") {
    throw new UsageError(`unknown command ${JSON.stringify(command)}`);
  }

  let values: { stack?: string[]; cwd?: string; format?: string; help?: boolean };
  try {
    ({ values } = parseArgs({
      args: [...rest],
      options: {
        stack: { type: "string", short: "s", multiple: true },
        cwd: { type: "string", short: "C" },
        format: { type: "string" },
        help: { type: "boolean", short: "h" },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (err) {
    // parseArgs explains an unknown option or a missing value well; only its class is wrong.
    throw new UsageError(err instanceof Error ? err.message : String(err));
  }
  if (values.help) return { kind: "help" };
  const stacks = (values.stack ?? []).filter((s) => s !== "");
  if (stacks.length === 0) throw new UsageError("--stack is required");
  const format = values.format ?? "text";
  if (!isFormat(format)) {
    throw new UsageError(`--format must be one of ${DRIFT_FORMATS.join(", ")}, not ${format}`);
  }
  const dir = path.resolve(cwd, values.cwd ?? ".");
  if (command === "unmanaged") return { kind: "unmanaged", stacks, cwd: dir, format };
  if (stacks.length > 1) throw new UsageError("drift checks one stack: give --stack once");
  return { kind: "drift", stack: stacks[0]!, cwd: dir, format };
}

function isFormat(value: string): value is DriftFormat {
  return (DRIFT_FORMATS as readonly string[]).includes(value);
}

export interface CliIo {
  stdout(text: string): void;
  stderr(text: string): void;
  cwd: string;
  /** The check itself; tests replace it to drive the exit status. */
  detect?: (options: DetectDriftOptions) => Promise<DriftReport>;
  /** The unmanaged scan itself, likewise. */
  scan?: (options: FindUnmanagedOptions) => Promise<UnmanagedReport>;
}

/**
 * Runs one command line and returns the exit status. The report goes to stdout in every outcome,
 * an `error` report included, so a CI job can publish whatever it got; progress and usage
 * problems go to stderr. Nothing here prints a stack trace.
 */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  let command: Command;
  try {
    command = parseCommand(argv, io.cwd);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    io.stderr(`pulumi-yotta: ${err.message}\n\n${USAGE}`);
    return 1;
  }
  if (command.kind === "help") {
    io.stdout(USAGE);
    return 0;
  }

  if (command.kind === "unmanaged") {
    io.stderr(`Listing what the account holds beyond stacks ${command.stacks.join(", ")}...\n`);
    const report = await (io.scan ?? findUnmanagedIn)({
      stacks: command.stacks,
      workDir: command.cwd,
    });
    io.stdout(formatUnmanaged(report, command.format));
    return unmanagedExitCode(report);
  }

  io.stderr(`Checking stack ${command.stack} for drift (pulumi refresh --preview-only)...\n`);
  const detect = io.detect ?? detectDrift;
  let report: DriftReport;
  try {
    report = await detect({ stackName: command.stack, workDir: command.cwd });
  } catch (err) {
    // detectDrift reports failures in the report; reaching this is a bug, still said plainly.
    io.stderr(`pulumi-yotta: ${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  }
  io.stdout(formatReport(report, command.format));
  return exitCodeFor(report);
}
