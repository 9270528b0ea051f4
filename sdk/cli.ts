#!/usr/bin/env node
// The `pulumi-yotta` command. Everything it does lives in sdk/drift, where tests call it directly.
import { runCli } from "./drift/command";

runCli(process.argv.slice(2), {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  cwd: process.cwd(),
}).then(
  (code) => {
    // Not process.exit(): it could cut off a report still being written to a pipe.
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`pulumi-yotta: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  },
);
