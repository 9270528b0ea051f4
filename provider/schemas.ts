import { z } from "zod";
import { EnvValue, Id, envNameProblem, text } from "../client/core/rules";
import { CREATE_TOKEN_VAR } from "./ownership";
import { Timeouts } from "./timeouts";

// Input pieces the resource schemas share beyond the API's own rules, which live in
// client/core/rules.ts with the client's request schemas, so `check` and the client cannot
// disagree. Each message completes the sentence "<property> ...".

/** 1 to `max` characters (the API's rule; placements and regions use it too). */
export const Text = text;

/**
 * Environment variables as a map: the natural shape in a program, and order-free, so the
 * provider sorts it by key and the live list (in whatever order the API returns it) compares
 * equal to it. The names and values follow the request's rules; a bad name is reported on its
 * own key (`environment[""]` for an empty one). {@link CREATE_TOKEN_VAR} is the provider's own.
 */
export const Environment = z
  .record(z.string(), EnvValue, { error: "must be a map of variable names to values" })
  .superRefine((vars, ctx) => {
    for (const name of Object.keys(vars)) {
      const problem = envNameProblem(name);
      if (problem) ctx.addIssue({ code: "custom", path: [name], message: `name ${problem}` });
      if (name === CREATE_TOKEN_VAR) {
        ctx.addIssue({
          code: "custom",
          path: [name],
          message:
            "is set by pulumi-yotta itself: each create carries its own value there, the proof of which resource it made; choose another name",
        });
      }
    }
  })
  .transform(sortKeys);

export function sortKeys<T>(record: Record<string, T>): Record<string, T> {
  return Object.fromEntries(
    Object.entries(record).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
  );
}

/** Inputs every resource takes besides its own (see docs/resources.md). */
export const CommonInputs = {
  adoptId: Id.optional(),
  timeouts: Timeouts,
  /** The Pulumi resource name, passed by the SDK class so `check` can derive a cloud name. */
  autonamePrefix: z.string().optional(),
  /**
   * The resource's owner key, passed by the SDK class (`sdk/internal/stack-key.ts`): keys its
   * auto-name and its create token, the proofs a killed run's create is found again by.
   */
  ownerKey: z.string().optional(),
};

/**
 * GPU codes the documents list (docs/api.md §7). The list grows, so an unknown code is only a
 * warning; the service has the last word.
 */
export const KNOWN_GPU_TYPES: ReadonlySet<string> = new Set([
  "NVIDIA_RTX_4090_24G",
  "NVIDIA_RTX_5090_32G",
  "NVIDIA_RTX_A6000_48G",
  "NVIDIA_RTX_6000_Ada_48G",
  "NVIDIA_A100_PCIe_40G",
  "NVIDIA_A100_40G",
  "NVIDIA_A100_PCIe_80G",
  "NVIDIA_A100_80G",
  "NVIDIA_H100_PCIe_80G",
  "NVIDIA_H100_80G",
  "NVIDIA_RTX_PRO_6000_96G",
  "NVIDIA_H200_141G",
  "NVIDIA_B200_180G",
  "NVIDIA_B300_262G",
  "AWS_Trainium_32G",
  "AMD_MI300X_192G",
  "NVIDIA_L4_24G",
  "NVIDIA_H100_80GB_HBM3_80G",
  "NVIDIA_GeForce_RTX_4090_24G",
  "NVIDIA_GeForce_RTX_5090_32G",
]);

/**
 * The known codes closest to `code`: the same letters and digits in another spelling
 * (`NVIDIA_RTX4090_24G`), else those fewest edits away (two at most, more for long codes). Empty
 * when none is close.
 */
export function closestGpuTypes(code: string): string[] {
  const plain = (text: string) => text.toUpperCase().replace(/[^A-Z0-9]/g, "");
  const wanted = plain(code);
  const limit = Math.max(2, Math.floor(wanted.length / 8));
  const scored = [...KNOWN_GPU_TYPES]
    .map((known) => ({ known, distance: editDistance(wanted, plain(known)) }))
    .filter((c) => c.distance <= limit);
  // Only the closest: one edit away beats two.
  const best = Math.min(...scored.map((c) => c.distance));
  return scored
    .filter((c) => c.distance === best)
    .map((c) => c.known)
    .sort()
    .slice(0, 3);
}

/** ` did you mean A or B?`, or nothing when no known code is close. */
export function gpuTypeHint(code: string): string {
  const close = closestGpuTypes(code);
  return close.length === 0 ? "" : ` Did you mean ${close.join(" or ")}?`;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(
        previous[j]! + 1,
        current[j - 1]! + 1,
        previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1),
      );
    }
    previous = current;
  }
  return previous[b.length]!;
}
