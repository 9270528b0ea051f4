import type { z } from "zod";
import { checkInputs, UNKNOWN, type CheckResult } from "./check";
import { NAME_RULES, withName } from "./naming";
import { progress } from "./progress";
import { KNOWN_GPU_TYPES } from "./schemas";

// The steps every resource's provider methods share. What differs between resources (fields,
// rules, calls, waits) stays in each resource's own file and is passed in.

export type ResourceKind = keyof typeof NAME_RULES;

/**
 * `check`: the inputs with the name settled (see `withName`), validated and normalized by the
 * resource's schema. `gpuTypesOf` names the GPU types valid inputs ask for; a code the documents
 * do not list is only a warning, since the list grows and the service has the last word.
 */
export function checkResource(
  kind: ResourceKind,
  schema: z.ZodType,
  olds: Record<string, unknown>,
  news: Record<string, unknown>,
  gpuTypesOf?: (inputs: Record<string, unknown>) => unknown[],
): CheckResult {
  const named = withName(olds, news, NAME_RULES[kind]);
  const result = checkInputs(schema, named);
  if (gpuTypesOf && result.failures.length === 0) {
    for (const gpuType of gpuTypesOf(result.inputs)) {
      if (typeof gpuType === "string" && gpuType !== UNKNOWN && !KNOWN_GPU_TYPES.has(gpuType)) {
        progress(
          kind,
          String(named.name),
          `gpuType ${gpuType} is not a known code; the service decides`,
        );
      }
    }
  }
  return result;
}

/** The `gpuType` of each entry of a list input, for `checkResource`; none while it is unknown. */
export function gpuTypesIn(list: unknown): unknown[] {
  return Array.isArray(list) ? list.map((entry) => (entry as { gpuType?: unknown })?.gpuType) : [];
}
