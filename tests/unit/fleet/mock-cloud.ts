// Pulumi's mock monitor standing in for the engine, with a small cloud behind it: what a fleet
// registers, in which order, with which options, and what each pod would report once created.
// The real engine and provider run in tests/e2e/fleet.test.ts; this is for the program's shape.
import * as pulumi from "@pulumi/pulumi";
// eslint-disable-next-line @typescript-eslint/no-require-imports -- no typings: the monitor is internal to the SDK
const settings = require("@pulumi/pulumi/runtime/settings") as { getMonitor(): MockMonitorLike };

interface RegisterRequest {
  getType(): string;
  getName(): string;
  getDependenciesList(): string[];
  getDeletebeforereplace(): boolean;
  getParent(): string;
}

interface MockMonitorLike {
  registerResource(req: RegisterRequest, callback: (err: unknown, res: unknown) => void): unknown;
}

export interface Registration {
  type: string;
  name: string;
  inputs: Record<string, unknown>;
  /** URNs of what it waits for (explicit `dependsOn` and the resources behind its inputs). */
  dependencies: string[];
  deleteBeforeReplace: boolean;
  parent: string;
}

export interface MockCloud {
  registrations: Registration[];
  /** `start:<name>` when the engine is asked to create it, `end:<name>` once created. */
  events: string[];
  pods(): Registration[];
}

export interface MockCloudOptions {
  /** USD per GPU-hour the pods report, by GPU code; absent codes report no price. */
  prices?: Record<string, number>;
  /** Regions where no pod fits: a pod lands on its first placement outside them. */
  full?: string[];
  /** How long each create takes, to make ordering visible. */
  delayMs?: number;
}

// One mock monitor per test file: a fleet registers its outputs after its children settle, which
// can be after its test ended, and a fresh monitor would not know the resource any more.
let installed: Promise<void> | undefined;
let current: { cloud: MockCloud; options: MockCloudOptions } | undefined;
const pending = new Map<string, Registration>();

/** A fresh cloud for one test: nothing registered yet, these prices and capacity. */
export async function mockCloud(options: MockCloudOptions = {}): Promise<MockCloud> {
  installed ??= install();
  await installed;
  const registrations: Registration[] = [];
  const cloud: MockCloud = {
    registrations,
    events: [],
    pods: () => registrations.filter((r) => r.type.endsWith(":Pod")),
  };
  current = { cloud, options };
  return cloud;
}

async function install(): Promise<void> {
  await pulumi.runtime.setMocks(
    {
      newResource: async (args) => {
        const { cloud, options } = current!;
        cloud.events.push(`start:${args.name}`);
        const registration = pending.get(`${args.type}::${args.name}`)!;
        registration.inputs = args.inputs as Record<string, unknown>;
        cloud.registrations.push(registration);
        if (options.delayMs) await new Promise((r) => setTimeout(r, options.delayMs));
        cloud.events.push(`end:${args.name}`);
        if (!args.type.endsWith(":Pod")) {
          return { id: args.custom ? `${args.name}-id` : undefined, state: args.inputs };
        }
        return { id: `${args.name}-id`, state: podState(args.name, args.inputs, options) };
      },
      call: () => ({}),
    },
    "project",
    "stack",
    false,
  );
  // The mock monitor does not pass resource options to `newResource`: read them off the request.
  const monitor = settings.getMonitor();
  const register = monitor.registerResource.bind(monitor);
  monitor.registerResource = (req, callback) => {
    pending.set(`${req.getType()}::${req.getName()}`, {
      type: req.getType(),
      name: req.getName(),
      inputs: {},
      dependencies: req.getDependenciesList(),
      deleteBeforeReplace: req.getDeletebeforereplace(),
      parent: req.getParent(),
    });
    return register(req, callback);
  };
}

interface PlacementInput {
  gpuType: string;
  regions?: string[];
}

function podState(
  name: string,
  inputs: Record<string, unknown>,
  options: MockCloudOptions,
): Record<string, unknown> {
  const placements = inputs.placements as PlacementInput[];
  const full = new Set(options.full ?? []);
  const index = placements.findIndex(
    (p) => !(p.regions ?? ["us-east-1"]).every((r) => full.has(r)),
  );
  const placement = placements[index]!;
  const region = (placement.regions ?? ["us-east-1"]).find((r) => !full.has(r));
  const gpuCount = inputs.gpuCount as number;
  const price = options.prices?.[placement.gpuType];
  return {
    ...inputs,
    name: `${name}-a1b2c3d`,
    status: "RUNNING",
    gpuType: placement.gpuType,
    placementIndex: index,
    region,
    sshCommand: `ssh root@${name}.invalid`,
    hourlyPrice: price === undefined ? undefined : price * gpuCount,
  };
}

/** The value of an output once it settles; rejects when it fails, as the engine would see it. */
export function settled<T>(output: pulumi.Output<T>): Promise<T> {
  // `promise()` is the SDK's own way to await an output; it is not in the public typings.
  return (output as unknown as { promise(): Promise<T> }).promise();
}
