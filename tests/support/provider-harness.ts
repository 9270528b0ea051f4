// Runs provider modules in-process against a real emulator on a loopback port, the way the
// dynamic-provider process runs them against the cloud: configuration from the environment,
// one client, real HTTP.
import { startEmulator, type EmulatorOptions, type RunningEmulator } from "../../emulator";
import { YottaClient } from "../../client";
import { PROVIDER_KEY } from "../../provider/check";
import { call, type ModuleName } from "../../provider/dispatch";
import { forgetRecorded } from "../../provider/ownership";

export interface ProviderHarness {
  emulator: RunningEmulator;
  /** A client of our own, for arranging and inspecting the cloud behind the provider's back. */
  client: YottaClient;
  close(): Promise<void>;
}

export async function startProviderHarness(
  options: EmulatorOptions = {},
): Promise<ProviderHarness> {
  const emulator = await startEmulator(options);
  process.env.YOTTA_API_KEY = emulator.apiKey;
  process.env.YOTTA_API_URL = emulator.url;
  process.env.YOTTA_POLL_INTERVAL_MS = "10";
  // Progress lines are for a person watching `pulumi up`, not for test output.
  jest.spyOn(console, "log").mockImplementation(() => undefined);
  const client = new YottaClient({ apiKey: emulator.apiKey, baseUrl: emulator.url });
  return {
    emulator,
    client,
    close: async () => {
      await emulator.close();
    },
  };
}

/** What the engine hands `create` after `check`: the checked inputs plus the provider text. */
export function withProvider(inputs: Record<string, unknown>): Record<string, unknown> {
  return { ...inputs, [PROVIDER_KEY]: "serialized provider text" };
}

type Props = Record<string, unknown>;

/** `check` through dispatch, as the engine calls it before a create; its failures must be none. */
export async function checked(kind: ModuleName, news: Props): Promise<Props> {
  const result = (await call(kind, "check", [{}, withProvider(news)])) as {
    inputs: Props;
    failures: unknown[];
  };
  expect(result.failures).toEqual([]);
  return result.inputs;
}

/** `check`, then `create`, through dispatch. */
export async function create(kind: ModuleName, news: Props): Promise<{ id: string; outs: Props }> {
  return (await call(kind, "create", [await checked(kind, news)])) as { id: string; outs: Props };
}

/** The error of work that must fail. */
export async function failure(work: Promise<unknown>): Promise<Error> {
  return work.then(
    () => {
      throw new Error("expected a failure");
    },
    (e: unknown) => e as Error,
  );
}

/** A new provider process: what a later `pulumi` command (after a killed one, too) runs in. */
export function nextRun(): void {
  forgetRecorded();
}
