import { z } from "zod";
import { Timeouts } from "./timeouts";

// Input pieces shared by the resource schemas. Each message completes the sentence
// "<property> ...", so a failure reads as the field and the rule.

export const isPowerOfTwo = (n: number) => Number.isInteger(n) && n > 0 && (n & (n - 1)) === 0;

export const GpuCount = z
  .number({ error: "must be a number" })
  .refine(isPowerOfTwo, { message: "must be a power of two (1, 2, 4, 8, ...)" });

export const Text = (max: number) =>
  z
    .string({ error: "must be a string" })
    .min(1, { message: "must not be empty" })
    .max(max, { message: `must be at most ${max} characters` });

export const NonNegativeInt = z
  .number({ error: "must be a number" })
  .int({ message: "must be a whole number" })
  .min(0, { message: "must not be negative" });

/** An id given by the user (a credential or volume to use, a resource to adopt). */
export const IdRef = z
  .union([z.string(), z.number()], { error: "must be a Yotta id" })
  .transform(String)
  .refine((s) => /^\d{1,20}$/.test(s), { message: "must be a Yotta id (digits only)" });

/**
 * Environment variables as a map: the natural shape in a program, and order-free, so the
 * provider sorts it by key and the live list (in whatever order the API returns it) compares
 * equal to it.
 */
export const Environment = z
  .record(
    z.string().min(1, { message: "names must not be empty" }),
    z.string({ error: "values must be strings" }).min(1, { message: "values must not be empty" }),
  )
  .transform(sortKeys);

export function sortKeys<T>(record: Record<string, T>): Record<string, T> {
  return Object.fromEntries(
    Object.entries(record).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
  );
}

/** Inputs every resource takes besides its own (see docs/resources.md). */
export const CommonInputs = {
  adoptId: IdRef.optional(),
  timeouts: Timeouts,
  /** The Pulumi resource name, passed by the SDK class so `check` can derive a cloud name. */
  autonamePrefix: z.string().optional(),
};

/**
 * GPU codes the documents list (yotta-api.md §7). The list grows, so an unknown code is only a
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
