#!/usr/bin/env node
/**
 * `yotta-emulator`: the emulator as a command, with timing close to the real service.
 *
 *   yotta-emulator [--port 8080] [--host 127.0.0.1] [--state FILE] [--api-key KEY] [--fast] [--seed N]
 */
import { parseArgs } from "node:util";
import { DEFAULT_API_KEY, FAST_TIMING, REALISTIC_TIMING, startEmulator } from "./index";

const USAGE = `usage: yotta-emulator [options]
  --port N        port to listen on (default 8080; 0 picks a free one)
  --host H        interface (default 127.0.0.1)
  --state FILE    keep the cloud in FILE across restarts
  --api-key KEY   the accepted X-Api-Key (default: $YOTTA_API_KEY, else "${DEFAULT_API_KEY}")
  --fast          test timing (tens of ms per transition) instead of seconds
  --seed N        seed of the fault randomness (default 1)`;

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      port: { type: "string", default: "8080" },
      host: { type: "string", default: "127.0.0.1" },
      state: { type: "string" },
      "api-key": { type: "string" },
      fast: { type: "boolean", default: false },
      seed: { type: "string", default: "1" },
      help: { type: "boolean", short: "h", default: false },
    },
    strict: true,
  });
  if (values.help) {
    console.log(USAGE);
    return;
  }
  const port = Number(values.port);
  const seed = Number(values.seed);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new Error(`bad --port ${values.port}`);
  if (!Number.isInteger(seed)) throw new Error(`bad --seed ${values.seed}`);

  const emulator = await startEmulator({
    port,
    host: values.host,
    statePath: values.state,
    apiKey: values["api-key"] ?? (process.env.YOTTA_API_KEY || DEFAULT_API_KEY),
    baseTiming: values.fast ? FAST_TIMING : REALISTIC_TIMING,
    seed,
  });
  console.log(`Yotta emulator listening on ${emulator.url}`);

  const stop = (): void => {
    emulator.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
}

main().catch((error: unknown) => {
  console.error(`yotta-emulator: ${error instanceof Error ? error.message : String(error)}`);
  console.error("run yotta-emulator --help for the options");
  process.exit(1);
});
