import * as pulumi from "@pulumi/pulumi";
import {
  budgetArgsProblems,
  budgetViolations,
  costOverrun,
  tallyCost,
  type BudgetArgs,
  type PricedReplica,
} from "./budget";
import { Pod, type PodSpecArgs } from "./pod";
import { Volume } from "./volume";

/** One acceptable place for a replica. Plain values: the budget is checked before anything runs. */
export interface FleetPlacementArgs {
  /** GPU code such as `NVIDIA_H100_80G`. */
  gpuType: string;
  /** Regions to accept for this GPU type; any region that sells it when absent. */
  regions?: string[];
}

/** What every replica runs: a pod's spec without a name or a place. */
export type FleetTemplateArgs = Omit<PodSpecArgs, "name" | "adoptId" | "gpuCount"> & {
  /** GPUs per replica: a power of two (1, 2, 4, 8). A plain number, so the budget can count it. */
  gpuCount: number;
};

/** A CEPH volume made for the fleet and mounted in every replica. */
export interface SharedVolumeArgs {
  /** Size in GB, 1–10240; growing it resizes in place while nothing mounts it. */
  sizeInGb: pulumi.Input<number>;
  /** Where every replica sees it, e.g. `/data`. */
  mountPath: string;
  /**
   * The volume's region. A CEPH volume is mounted only in its own region, so every replica runs
   * there. Default: the first region of the first placement.
   */
  region?: string;
  /** The volume's name, unique in the account. Default: derived from the fleet's name. */
  name?: pulumi.Input<string>;
}

export interface GpuFleetArgs {
  /** How many identical pods. Scaling adds or removes only the difference, from the end. */
  replicas: number;
  /** Every replica's spec. A change replaces the replicas, `parallelism` at a time. */
  template: FleetTemplateArgs;
  /**
   * Acceptable placements, most preferred first; each replica tries them in order until one has
   * capacity. Changing the list replaces every replica.
   */
  placements: FleetPlacementArgs[];
  /**
   * `false` (default): every replica prefers the first placement, falling back in order. `true`:
   * replica `i` starts at placement `i mod n` and wraps around, so replicas spread evenly over the
   * placements (for example over regions) and each can still fall back to all of them.
   */
  spread?: boolean;
  /**
   * How many replicas are created, replaced or deleted at a time (default 1). A template change
   * deletes a replica before making its successor, so at least `replicas - parallelism` keep
   * running and the fleet never holds more than `replicas` pods.
   */
  parallelism?: number;
  /** A CEPH volume mounted in every replica; it pins the fleet to the volume's region. */
  sharedVolume?: SharedVolumeArgs;
  /**
   * Limits checked before anything is created (the worst case over the placements), and again as
   * the API reports prices. See docs/fleets.md.
   */
  budget?: BudgetArgs;
}

/** One replica as it runs. */
export interface FleetReplica {
  /** The pod's cloud name. */
  name: string;
  id: string;
  status: string;
  /** Where it landed. */
  region?: string;
  /** The GPU type it got. */
  gpuType: string;
  /** Which of the fleet's placements it got, from 0 (the most preferred). */
  placementIndex?: number;
  sshCommand?: string;
  /** USD per hour while it runs. */
  hourlyPrice?: number;
}

/**
 * A fleet of identical GPU pods from one template, placed by ordered preferences, under an
 * optional budget.
 *
 * Replicas are `Pod`s named `<name>-0` … `<name>-<n-1>`, so changing `replicas` adds or removes
 * only the difference. Each replica waits for the ones `parallelism` places before it, which makes
 * a template change a rolling replacement: delete one, create its successor, move on.
 *
 * @example
 * ```ts
 * import * as yotta from "pulumi-yotta";
 *
 * const fleet = new yotta.GpuFleet("trainers", {
 *   replicas: 4,
 *   template: {
 *     image: "pytorch/pytorch:2.4.0-cuda12.1-cudnn9-runtime",
 *     gpuCount: 8,
 *     expose: [{ port: 22, protocol: "SSH" }],
 *   },
 *   placements: [
 *     { gpuType: "NVIDIA_H100_80G", regions: ["us-east-1"] },
 *     { gpuType: "NVIDIA_H100_80G", regions: ["us-west-2"] },
 *   ],
 *   budget: { maxGpus: 32, maxHourlyCost: 90, prices: { NVIDIA_H100_80G: 2.5 } },
 * });
 * export const cost = fleet.totalHourlyCost;
 * export const where = fleet.replicas.apply((rs) => rs.map((r) => r.region));
 * ```
 */
export class GpuFleet extends pulumi.ComponentResource {
  /** The replicas, in order. */
  public readonly pods: Pod[];
  /** The shared volume, when `sharedVolume` is set. */
  public readonly volume: Volume | undefined;
  /** What each replica got and costs. */
  public readonly replicas: pulumi.Output<FleetReplica[]>;
  /**
   * USD per hour of every replica, at the prices the API reports (or `budget.prices` where it
   * reports none).
   */
  public readonly totalHourlyCost: pulumi.Output<number>;
  public readonly totalGpus: pulumi.Output<number>;

  constructor(name: string, args: GpuFleetArgs, opts?: pulumi.ComponentResourceOptions) {
    // Everything the budget depends on is checked before the component itself is registered: a
    // refused fleet leaves nothing behind, not even an empty component in the state.
    const plan = planFleet(name, args);
    super("yotta:index:GpuFleet", name, {}, opts);

    if (plan.unpriced.length > 0) {
      pulumi.log.warn(
        `fleet ${name}: no price in budget.prices for ${plan.unpriced.join(", ")}; ` +
          "budget.maxHourlyCost is checked once the replicas report what they cost",
        this,
      );
    }

    const shared = args.sharedVolume;
    this.volume = shared
      ? new Volume(
          `${name}-shared`,
          {
            storageType: "CEPH",
            region: plan.volumeRegion,
            sizeInGb: shared.sizeInGb,
            name: shared.name,
          },
          { parent: this },
        )
      : undefined;
    const volumes = this.volume
      ? pulumi
          .all([pulumi.output(args.template.volumes ?? []), this.volume.id])
          .apply(([own, volumeId]) => [
            ...own,
            { volumeId, mountPath: shared!.mountPath, volumeType: "CEPH" as const },
          ])
      : args.template.volumes;

    const budget = args.budget ?? {};
    const pods: Pod[] = [];
    for (let i = 0; i < plan.replicas; i++) {
      pods.push(
        new Pod(
          `${name}-${i}`,
          { ...args.template, volumes, placements: plan.placementsOf(i) },
          {
            parent: this,
            // Rolling replacement: the old replica goes before its successor comes, so a template
            // change never runs more pods (or GPUs, or cost) than the fleet is allowed.
            deleteBeforeReplace: true,
            // Each replica waits for the one `parallelism` places before it: replacements and
            // creates go that many at a time.
            dependsOn: i < plan.parallelism ? undefined : [pods[i - plan.parallelism]!],
          },
        ),
      );
    }
    this.pods = pods;

    const priced = pulumi.all(pods.map((pod, i) => pricedReplica(`${name}-${i}`, pod)));
    this.replicas = pulumi.all(
      pods.map((pod, i) =>
        pulumi
          .output({
            name: pod.name,
            id: pod.id,
            status: pod.status,
            region: pod.region,
            gpuType: pod.gpuType,
            placementIndex: pod.placementIndex,
            sshCommand: pod.sshCommand,
            hourlyPrice: pod.hourlyPrice,
          })
          .apply((r) => ({ ...r, placementIndex: plan.fleetIndex(i, r.placementIndex) })),
      ),
    );
    // A price the API reports only once a pod exists is checked here, as soon as every replica
    // has reported. Failing this output fails the deployment with the message, and the pods stay
    // in the state, so the message says which to delete. (Stopping earlier would need a resource
    // whose registration depends on a failing output, and the SDK never settles such a resource's
    // outputs: the program would hang instead of failing.)
    this.totalHourlyCost = priced.apply((replicas) => {
      const overrun = costOverrun(`fleet ${name}`, replicas, budget);
      if (overrun !== undefined) throw new Error(overrun);
      return tallyCost(replicas, budget.prices).total;
    });
    this.totalGpus = pulumi.output(plan.replicas * args.template.gpuCount);

    this.registerOutputs({
      replicas: this.replicas,
      totalHourlyCost: this.totalHourlyCost,
      totalGpus: this.totalGpus,
    });
  }
}

interface FleetPlan {
  replicas: number;
  parallelism: number;
  /** Where the shared volume goes, when there is one. */
  volumeRegion?: string;
  /** GPU codes without a price, checked against `maxHourlyCost` after creation. */
  unpriced: string[];
  /** Replica `i`'s placements, in the order it tries them. */
  placementsOf(i: number): FleetPlacementArgs[];
  /** The fleet-wide index of the placement replica `i` got, from its own list's index. */
  fleetIndex(i: number, own: number | undefined): number | undefined;
}

/**
 * Validates what decides the fleet's shape and cost, and applies the budget. Throws (so nothing is
 * created) with every problem found, not just the first.
 */
function planFleet(name: string, args: GpuFleetArgs): FleetPlan {
  const problems: string[] = [];
  const { replicas, template, spread = false, parallelism = 1, budget = {} } = args;

  if (!isWhole(replicas, 0)) {
    problems.push(
      `replicas must be a whole number of at least 0 known when the program runs, not ${show(replicas)}`,
    );
  }
  if (!isWhole(parallelism, 1)) {
    problems.push(`parallelism must be a whole number of at least 1, not ${show(parallelism)}`);
  }
  const gpuCount = template?.gpuCount;
  if (!isWhole(gpuCount, 1) || (gpuCount & (gpuCount - 1)) !== 0) {
    problems.push(`template.gpuCount must be a power of two (1, 2, 4, 8), not ${show(gpuCount)}`);
  }
  const given = Array.isArray(args.placements) ? args.placements : [];
  // Each entry remembers its position in the user's list, which is what the outputs report.
  let placements = given.map((p, origin) => ({ ...p, origin }));
  if (placements.length === 0) {
    problems.push("placements must list at least one { gpuType, regions? }");
  }
  placements.forEach((p, i) => {
    if (typeof p?.gpuType !== "string" || p.gpuType === "") {
      problems.push(`placements[${i}].gpuType must be a GPU code such as NVIDIA_H100_80G`);
    }
    if (p?.regions !== undefined && !(Array.isArray(p.regions) && p.regions.every(isText))) {
      problems.push(`placements[${i}].regions must be a list of region codes`);
    }
  });

  let volumeRegion: string | undefined;
  if (args.sharedVolume && problems.length === 0) {
    volumeRegion = args.sharedVolume.region ?? placements[0]?.regions?.[0];
    if (volumeRegion === undefined) {
      problems.push(
        "sharedVolume.region is required when the first placement names no region: " +
          "a CEPH volume lives in one region",
      );
    } else {
      const region = volumeRegion;
      placements.forEach((p, i) => {
        if (p.regions !== undefined && !p.regions.includes(region)) {
          problems.push(
            `placements[${i}] (${p.gpuType} in [${p.regions.join(", ")}]) cannot mount the shared ` +
              `volume in ${region}: a CEPH volume is mounted only in its own region`,
          );
        }
      });
      // Every replica must run beside the volume, so each placement narrows to its region; two
      // that come down to the same GPU type there are one.
      const seen = new Set<string>();
      placements = placements
        .map((p) => ({ ...p, regions: [region] }))
        .filter((p) => !seen.has(p.gpuType) && !!seen.add(p.gpuType));
    }
  }

  problems.push(...budgetArgsProblems(budget));
  if (problems.length > 0) {
    throw new Error(`fleet ${name}: ${problems.join("; ")}. Nothing was created.`);
  }

  const demands = Array.from({ length: replicas }, (_, i) => ({
    name: `${name}-${i}`,
    gpuCount: gpuCount as number,
    placements,
  }));
  const verdict = budgetViolations(`fleet ${name}`, demands, budget);
  if (verdict.violations.length > 0) {
    throw new Error(
      `fleet ${name} is over budget, so nothing was created:\n` +
        verdict.violations.map((v) => `  - ${v}`).join("\n"),
    );
  }

  const n = placements.length;
  const offset = (i: number) => (spread ? i % n : 0);
  return {
    replicas,
    parallelism,
    volumeRegion,
    unpriced: verdict.unpriced,
    placementsOf: (i) =>
      [...placements.slice(offset(i)), ...placements.slice(0, offset(i))].map((p) => ({
        gpuType: p.gpuType,
        ...(p.regions ? { regions: [...p.regions] } : {}),
      })),
    fleetIndex: (i, own) =>
      own === undefined ? undefined : placements[(own + offset(i)) % n]?.origin,
  };
}

/** A replica's cost facts, named as the program names it (`trainers-3`). */
function pricedReplica(name: string, pod: Pod): pulumi.Output<PricedReplica> {
  return pulumi.output({
    name,
    gpuType: pod.gpuType,
    gpuCount: pod.gpuCount,
    hourlyPrice: pod.hourlyPrice,
  });
}

function isWhole(value: unknown, min: number): value is number {
  return typeof value === "number" && Number.isInteger(value) && value >= min;
}

function isText(value: unknown): value is string {
  return typeof value === "string" && value !== "";
}

function show(value: unknown): string {
  return pulumi.Output.isInstance(value) ? "an output" : JSON.stringify(value);
}
