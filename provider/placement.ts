import { z } from "zod";
import { YottaError } from "../client";
import { ResourceInitError } from "./init-error";
import { progress } from "./progress";
import { Text } from "./schemas";

/**
 * Regions a pod may run in, in the user's order. Not sorted: the service may prefer the first
 * one it can use, so the order can carry meaning.
 */
export const Regions = z
  .array(Text(64))
  .refine((r) => new Set(r).size === r.length, { message: "must not repeat a region" });

/** One acceptable way to run a pod: a GPU type, in any of the given regions (any when absent). */
export const Placement = z.strictObject({
  gpuType: Text(255),
  regions: Regions.min(1, { message: "must name at least one region, or be left out" }).optional(),
});
export type Placement = z.output<typeof Placement>;

/** Acceptable placements, most preferred first. Order is the point, so it is kept as given. */
export const Placements = z
  .array(Placement)
  .min(1, { message: "must list at least one placement" })
  .refine((list) => new Set(list.map(placementKey)).size === list.length, {
    message: "must not list the same placement twice",
  });

function placementKey(p: Placement): string {
  return JSON.stringify([p.gpuType, p.regions ?? null]);
}

/** `NVIDIA_H100_80G in [us-east-1, eu-2]`, or `in any region`: how errors and progress name it. */
export function describePlacement(p: Placement): string {
  return `${p.gpuType} in ${p.regions ? `[${p.regions.join(", ")}]` : "any region"}`;
}

/**
 * Whether the service refused a create because the placement has no room right now. No code is
 * documented for this, so the message decides: the emulator answers 10001 with `no capacity` in
 * it, and whatever code the real service uses, its message is what a person would read. Anything
 * else (a GPU the region does not sell, a bad parameter, an outage) is not a capacity problem and
 * must not be papered over by trying elsewhere.
 */
export function isNoCapacity(error: unknown): boolean {
  return (
    YottaError.isInstance(error) &&
    error.status !== undefined &&
    /\bno capacity\b|\binsufficient capacity\b/i.test(error.message)
  );
}

export interface PlacementAttempt {
  /** Position in the list, from 0. */
  index: number;
  placement: Placement;
  /** Why it did not work. */
  reason: string;
}

export interface Placed<T> {
  result: T;
  index: number;
  placement: Placement;
  /** The placements tried before this one, and why each failed. */
  skipped: PlacementAttempt[];
}

/** Every placement was tried (or the time ran out) and none had room. Nothing was created. */
export class NoPlacementError extends Error {
  readonly attempts: PlacementAttempt[];

  constructor(message: string, attempts: PlacementAttempt[]) {
    super(message);
    this.name = "NoPlacementError";
    this.attempts = attempts;
  }
}

export interface PlaceOptions<T> {
  /** `pod`: for messages. */
  kind: string;
  name: string;
  placements: readonly Placement[];
  /** Epoch ms: one budget for every attempt (and whatever the caller does afterwards). */
  deadline: number;
  /** Creates the resource in one placement; a "no capacity" failure moves to the next. */
  attempt: (placement: Placement, index: number) => Promise<T>;
  now?: () => number;
}

/**
 * Tries each placement in order until one has capacity. Only a "no capacity" answer moves on; any
 * other failure stops at once, naming what was tried before it. One pass: capacity that appears
 * later is for the next `up`, not a reason to hold the deployment until its timeout.
 */
export async function placeInOrder<T>(options: PlaceOptions<T>): Promise<Placed<T>> {
  const { kind, name, placements, deadline } = options;
  const now = options.now ?? Date.now;
  const skipped: PlacementAttempt[] = [];
  const exhausted = (reason: string, advice: string) =>
    new NoPlacementError(
      exhaustedMessage(kind, name, placements, skipped, reason, advice),
      skipped,
    );
  for (const [index, placement] of placements.entries()) {
    if (now() >= deadline) {
      throw exhausted(
        "the create timeout ran out",
        "Raise timeouts.create, or run `pulumi up` again.",
      );
    }
    try {
      const result = await options.attempt(placement, index);
      if (skipped.length > 0) {
        progress(
          kind,
          name,
          `placed by placement ${index + 1} of ${placements.length}: ${describePlacement(placement)}`,
        );
      }
      return { result, index, placement, skipped };
    } catch (error) {
      if (!isNoCapacity(error)) {
        // An error that records a resource which exists must reach the host as it is, or the
        // resource would be lost from the state.
        if (skipped.length === 0 || ResourceInitError.isInstance(error)) throw error;
        throw new Error(
          `${kind} ${name}: placement ${index + 1} of ${placements.length} ` +
            `(${describePlacement(placement)}) failed: ${(error as Error).message}\n` +
            `tried before it:\n${listAttempts(skipped)}`,
          { cause: error },
        );
      }
      skipped.push({ index, placement, reason: (error as Error).message });
      const next = placements[index + 1];
      progress(
        kind,
        name,
        next
          ? `no capacity for ${describePlacement(placement)}; trying placement ${index + 2} of ${placements.length}: ${describePlacement(next)}`
          : `no capacity for ${describePlacement(placement)}`,
      );
    }
  }
  throw exhausted(
    "no placement has capacity",
    "Add placements (other regions or GPU types), or run `pulumi up` again once capacity frees up.",
  );
}

function exhaustedMessage(
  kind: string,
  name: string,
  placements: readonly Placement[],
  tried: PlacementAttempt[],
  why: string,
  advice: string,
): string {
  const untried = placements.slice(tried.length);
  const lines = [`${kind} ${name}: ${why}; nothing was created.`];
  if (tried.length > 0) lines.push(`tried, in order:\n${listAttempts(tried)}`);
  if (untried.length > 0) {
    lines.push(
      `not tried:\n${untried
        .map((p, i) => `  ${tried.length + i + 1}. ${describePlacement(p)}`)
        .join("\n")}`,
    );
  }
  return [...lines, advice].join("\n");
}

function listAttempts(attempts: PlacementAttempt[]): string {
  return attempts
    .map((a) => `  ${a.index + 1}. ${describePlacement(a.placement)}: ${a.reason}`)
    .join("\n");
}
