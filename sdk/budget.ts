/**
 * The spend guard's rules, as pure functions over plain numbers. `GpuFleet` applies them before it
 * creates anything and again as prices become known; a stack-wide policy applies
 * {@link stackBudgetViolations} to every pod in a stack. Nothing here talks to the cloud.
 */

/** Limits on what a fleet (or a stack) may run. Every field is optional; absent means no limit. */
export interface BudgetArgs {
  /** Most GPUs at once, over every replica. */
  maxGpus?: number;
  /** The only GPU codes any placement may name, e.g. `["NVIDIA_A100_80G", "NVIDIA_H100_80G"]`. */
  allowedGpuTypes?: string[];
  /** Most USD per hour for the GPUs while they run (storage is not counted). */
  maxHourlyCost?: number;
  /**
   * USD per GPU-hour by GPU code, used to check `maxHourlyCost` before anything is created. For a
   * GPU type missing here the price the API reports is checked once the pod exists.
   */
  prices?: Record<string, number>;
}

/** Where a pod may run, as the guard sees it. */
export interface PlacementPlan {
  gpuType: string;
  regions?: readonly string[];
}

/** One pod the guard weighs: what it may use, and (once it exists) what it costs. */
export interface PodDemand {
  name: string;
  gpuCount: number;
  /** Acceptable placements; the guard assumes the worst of them. */
  placements: readonly PlacementPlan[];
  /** USD per hour, once the API has reported it. */
  hourlyPrice?: number;
}

export interface BudgetVerdict {
  /** One sentence per broken limit; empty when everything fits. */
  violations: string[];
  /** GPU codes that `maxHourlyCost` could not be checked for yet: no price was supplied. */
  unpriced: string[];
}

/** Refuses a budget whose own numbers make no sense, before they are compared with anything. */
export function budgetArgsProblems(budget: BudgetArgs): string[] {
  const problems: string[] = [];
  const nonNegative = (value: unknown, what: string) => {
    if (
      value !== undefined &&
      !(typeof value === "number" && Number.isFinite(value) && value >= 0)
    ) {
      problems.push(`${what} must be a number of at least 0, not ${JSON.stringify(value)}`);
    }
  };
  nonNegative(budget.maxGpus, "budget.maxGpus");
  nonNegative(budget.maxHourlyCost, "budget.maxHourlyCost");
  for (const [gpuType, price] of Object.entries(budget.prices ?? {})) {
    nonNegative(price, `budget.prices.${gpuType}`);
  }
  if (budget.allowedGpuTypes !== undefined && !Array.isArray(budget.allowedGpuTypes)) {
    problems.push("budget.allowedGpuTypes must be a list of GPU codes");
  }
  return problems;
}

/**
 * Checks pods against a budget before they exist, assuming each lands on its most expensive
 * acceptable placement. `subject` starts every sentence: `fleet trainers`, `the stack`.
 */
export function budgetViolations(
  subject: string,
  pods: readonly PodDemand[],
  budget: BudgetArgs,
): BudgetVerdict {
  const violations: string[] = [];

  if (budget.maxGpus !== undefined) {
    const gpus = pods.reduce((sum, p) => sum + p.gpuCount, 0);
    if (gpus > budget.maxGpus) {
      violations.push(
        `${subject} needs ${gpus} GPUs (${describeCounts(pods)}), over budget.maxGpus ${budget.maxGpus}`,
      );
    }
  }

  if (budget.allowedGpuTypes !== undefined) {
    const allowed = new Set(budget.allowedGpuTypes);
    const refused = unique(
      pods.flatMap((p) => p.placements.map((pl) => pl.gpuType)).filter((g) => !allowed.has(g)),
    );
    if (refused.length > 0) {
      violations.push(
        `${subject} may use ${refused.join(", ")}, not in budget.allowedGpuTypes ` +
          `[${budget.allowedGpuTypes.join(", ")}]`,
      );
    }
  }

  const unpriced: string[] = [];
  if (budget.maxHourlyCost !== undefined) {
    const worst = pods.map((p) => worstCase(p, budget.prices ?? {}));
    unpriced.push(...unique(worst.flatMap((w) => w.unpriced)));
    // Unpriced placements can only add to this, so it is already a lower bound on the worst case.
    const total = round(worst.reduce((sum, w) => sum + w.cost, 0));
    if (total > budget.maxHourlyCost) {
      violations.push(
        `${subject} could cost up to ${usd(total)}/h (${describeWorst(pods, worst)}), over ` +
          `budget.maxHourlyCost ${usd(budget.maxHourlyCost)}/h`,
      );
    }
  }

  return { violations, unpriced };
}

/** The pods of a fleet in order, with the price each is known to cost (reported or supplied). */
export interface PricedReplica {
  name: string;
  gpuType?: string;
  gpuCount: number;
  hourlyPrice?: number;
}

export interface CostTally {
  /** USD per hour of the replicas whose price is known. */
  total: number;
  /** Replicas whose price neither the API reported nor `budget.prices` gives. */
  unpriced: string[];
}

/** Adds up what running replicas cost; a missing reported price falls back to `prices`. */
export function tallyCost(
  replicas: readonly PricedReplica[],
  prices: Record<string, number> = {},
): CostTally {
  let total = 0;
  const unpriced: string[] = [];
  for (const r of replicas) {
    const price = priceOf(r, prices);
    if (price === undefined) unpriced.push(r.name);
    else total += price;
  }
  return { total: round(total), unpriced };
}

/**
 * Checks the replicas that exist against `maxHourlyCost`, with the prices now known. Over the
 * limit, the message says how far, and which replicas to delete to get back under it: the last
 * ones, since scaling a fleet down removes from the end.
 */
export function costOverrun(
  subject: string,
  replicas: readonly PricedReplica[],
  budget: BudgetArgs,
): string | undefined {
  if (budget.maxHourlyCost === undefined) return undefined;
  const limit = budget.maxHourlyCost;
  const prices = budget.prices ?? {};
  const { total } = tallyCost(replicas, prices);
  if (total <= limit) return undefined;
  let keep = 0;
  let kept = 0;
  for (const r of replicas) {
    const price = priceOf(r, prices) ?? 0;
    if (round(kept + price) > limit) break;
    kept = round(kept + price);
    keep++;
  }
  const surplus = replicas.slice(keep).map((r) => r.name);
  return (
    `${subject} costs ${usd(total)}/h at the prices the API reported ` +
    `(${replicas.map((r) => `${r.name} ${describePrice(priceOf(r, prices))}`).join(", ")}), over ` +
    `budget.maxHourlyCost ${usd(limit)}/h. They keep billing until deleted: set replicas to ` +
    `${keep} (deletes ${surplus.join(", ")}; ${usd(kept)}/h) and run \`pulumi up\`, or raise the limit.`
  );
}

/**
 * The same limits over every Yotta pod of a stack (each given as a {@link PodDemand}), for a
 * policy that sees the whole stack at once. A pod already running counts at its reported price.
 */
export function stackBudgetViolations(
  pods: readonly PodDemand[],
  budget: BudgetArgs,
): BudgetVerdict {
  return budgetViolations("the stack", pods, budget);
}

/** A resource as a stack-wide policy sees it (the shape `@pulumi/policy` gives `validateStack`). */
export interface StackResource {
  type: string;
  name: string;
  props: Record<string, unknown>;
}

/** The engine's type token for a `Pod` (and so for every replica of a `GpuFleet`). */
export const POD_TYPE = "pulumi-nodejs:dynamic/yotta:Pod";

/**
 * The Yotta pods among a stack's resources, as the guard weighs them. A pod whose GPU count or
 * placement is not known yet (it depends on another resource's output during a preview) cannot
 * be weighed and is left out; a pod that already runs carries the price the API reported.
 */
export function podsInStack(resources: readonly StackResource[]): PodDemand[] {
  const pods: PodDemand[] = [];
  for (const { type, name, props } of resources) {
    if (type !== POD_TYPE || typeof props.gpuCount !== "number") continue;
    const placements = placementsOf(props);
    if (placements === undefined) continue;
    const hourlyPrice = typeof props.hourlyPrice === "number" ? props.hourlyPrice : undefined;
    pods.push({ name, gpuCount: props.gpuCount, placements, hourlyPrice });
  }
  // The engine lists resources in no order a person would expect; messages list them by name.
  return pods.sort((a, b) => a.name.localeCompare(b.name, "en", { numeric: true }));
}

/** `placements` when the pod has them (its recorded `gpuType` is then what it got), else `gpuType`. */
function placementsOf(props: Record<string, unknown>): PlacementPlan[] | undefined {
  if (Array.isArray(props.placements)) {
    const listed = props.placements as { gpuType?: unknown; regions?: unknown }[];
    if (!listed.every((p) => typeof p?.gpuType === "string")) return undefined;
    return listed.map((p) => ({ gpuType: p.gpuType as string }));
  }
  return typeof props.gpuType === "string" ? [{ gpuType: props.gpuType }] : undefined;
}

interface Worst {
  cost: number;
  placement?: PlacementPlan;
  unpriced: string[];
}

function worstCase(pod: PodDemand, prices: Record<string, number>): Worst {
  if (pod.hourlyPrice !== undefined) return { cost: pod.hourlyPrice, unpriced: [] };
  let worst: Worst = { cost: 0, unpriced: [] };
  for (const placement of pod.placements) {
    const price = prices[placement.gpuType];
    if (price === undefined) worst.unpriced.push(placement.gpuType);
    else if (price * pod.gpuCount > worst.cost || worst.placement === undefined) {
      worst = { cost: price * pod.gpuCount, placement, unpriced: worst.unpriced };
    }
  }
  return worst;
}

function priceOf(r: PricedReplica, prices: Record<string, number>): number | undefined {
  if (r.hourlyPrice !== undefined) return r.hourlyPrice;
  const perGpu = r.gpuType === undefined ? undefined : prices[r.gpuType];
  return perGpu === undefined ? undefined : round(perGpu * r.gpuCount);
}

/** `6 × 2 GPUs`, or `a 4, b 2` when the pods differ. */
function describeCounts(pods: readonly PodDemand[]): string {
  const counts = unique(pods.map((p) => String(p.gpuCount)));
  if (counts.length === 1) return `${pods.length} × ${counts[0]} GPUs`;
  return pods.map((p) => `${p.name} ${p.gpuCount}`).join(", ");
}

/** `6 pods × (1 × NVIDIA_H100_80G at $2.50/GPU-h)`: where the worst case comes from. */
function describeWorst(pods: readonly PodDemand[], worst: Worst[]): string {
  const counts = new Map<string, number>();
  pods.forEach((p, i) => {
    const w = worst[i]!;
    let part: string | undefined;
    if (p.hourlyPrice !== undefined) part = `${p.name} at ${usd(p.hourlyPrice)}/h as reported`;
    else if (w.placement !== undefined) {
      part = `${p.gpuCount} × ${w.placement.gpuType} at ${usd(w.cost / p.gpuCount)}/GPU-h`;
    }
    if (part !== undefined) counts.set(part, (counts.get(part) ?? 0) + 1);
  });
  const parts = [...counts].map(([part, n]) => (n > 1 ? `${n} pods × (${part})` : part));
  return `${parts.join("; ")}, at the most expensive acceptable placement`;
}

function describePrice(price: number | undefined): string {
  return price === undefined ? "unpriced" : usd(price);
}

function unique<T>(items: readonly T[]): T[] {
  return [...new Set(items)];
}

function usd(n: number): string {
  return `$${n.toFixed(2)}`;
}

/** Prices are cents and fractions of cents; keep sums free of floating-point dust. */
function round(n: number): number {
  return Math.round(n * 10_000) / 10_000;
}
