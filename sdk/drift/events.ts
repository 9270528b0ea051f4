import type { EngineEvent, StepEventMetadata } from "@pulumi/pulumi/automation";
import { compareInputs, maskedFields } from "./compare";
import type { DriftedResource, DriftFailure } from "./report";

/** What one `refresh --preview-only` said, before the caller decides the status. */
export interface RefreshFindings {
  checked: number;
  resources: DriftedResource[];
  /** Error diagnostics, already stripped of stack traces. */
  errors: DriftFailure[];
}

const SECRET_NOTE =
  "The provider reports a change that no visible field explains: it is in a secret field, " +
  "whose values are never shown.";

export const MAYBE_SECRET_NOTE =
  "The fields shown as [secret] may have changed too: their values are never shown, so the " +
  "report cannot tell.";

/**
 * Reads the engine events of a refresh preview.
 *
 * What CLI 3.248 sends, per resource, in the `resOutputsEvent` of a refresh preview (measured with
 * the real CLI): `op: "same"` when the provider's `diff` of the refreshed outputs against the
 * stored inputs finds nothing; `op: "update"` with `old.inputs` (the last applied inputs) and
 * `new.outputs` (what `read` returned) when it finds a change; `op: "delete"` with `new: null`
 * when `read` reports the resource gone. `diffs` and `detailedDiff` are empty for dynamic
 * providers, so the fields are worked out here from those two property maps.
 */
export function findingsFromEvents(events: readonly EngineEvent[]): RefreshFindings {
  const findings: RefreshFindings = { checked: 0, resources: [], errors: [] };
  // A resource counts once, however many outputs events the engine sends for it: the last wins.
  const byUrn = new Map<string, ReturnType<typeof driftOf>>();
  for (const event of events) {
    const step = event.resOutputsEvent?.metadata;
    if (step && isManaged(step)) {
      byUrn.delete(step.urn);
      byUrn.set(step.urn, driftOf(step));
    }
    const diagnostic = event.diagnosticEvent;
    if (diagnostic?.severity === "error") {
      const message = cleanMessage(diagnostic.message);
      if (message) findings.errors.push(failureAt(diagnostic.urn, message));
    }
  }
  findings.checked = byUrn.size;
  for (const drifted of byUrn.values()) if (drifted) findings.resources.push(drifted);
  // The engine closes a failed run with a bare "preview failed"; it adds nothing to the errors
  // that say why.
  if (findings.errors.some((e) => e.urn)) {
    findings.errors = findings.errors.filter((e) => e.urn || !/^preview failed$/i.test(e.message));
  }
  // The engine reads resources in parallel: sort so that two runs over the same drift print alike.
  findings.resources.sort((a, b) => a.urn.localeCompare(b.urn));
  findings.errors.sort((a, b) => (a.urn ?? "").localeCompare(b.urn ?? ""));
  return findings;
}

/**
 * Resources a provider reads on refresh; not the stack, components, provider instances, or the
 * stack's key (`yotta-stack-key`), which lives in the state only.
 */
function isManaged(step: StepEventMetadata): boolean {
  return (
    step.old?.custom === true &&
    !step.type.startsWith("pulumi:providers:") &&
    step.type !== STACK_KEY_TYPE
  );
}

/** The engine's type of the stack's key (sdk/internal/stack-key.ts). */
const STACK_KEY_TYPE = "pulumi-nodejs:dynamic/yotta:StackKey";

function driftOf(step: StepEventMetadata): DriftedResource | undefined {
  const base = {
    urn: step.urn,
    type: displayType(step.type),
    name: nameOf(step.urn),
    id: step.old?.id ?? "",
  };
  const attempt = step.old?.outputs?.[PENDING_KEY] as { reason?: unknown } | undefined;
  if (attempt) return { ...base, kind: "pending", fields: [], note: pendingNote(step, attempt) };
  if (step.op === "delete") return { ...base, kind: "deleted", fields: [] };
  if (step.op !== "update") return undefined;

  const { visible, secret } = compareInputs(step.old?.inputs ?? {}, step.new?.outputs ?? {});
  if (visible.length === 0) {
    return { ...base, kind: "changed", fields: maskedFields(secret), note: SECRET_NOTE };
  }
  // A visible change does not rule out a secret one beside it: the provider's diff says only that
  // something differs, and a secret's values cannot be compared here.
  if (secret.length === 0) return { ...base, kind: "changed", fields: visible };
  return {
    ...base,
    kind: "changed",
    fields: [...visible, ...maskedFields(secret)],
    note: MAYBE_SECRET_NOTE,
  };
}

/**
 * Where a record whose create had an unknown outcome keeps its attempt (provider/pending.ts); the
 * name is part of what stored state holds for good (docs/design.md).
 */
const PENDING_KEY = "__pendingCreate";

/**
 * What the refresh found of a pending record's attempt: `read` puts what the attempt made in the
 * record's place (outputs without the attempt), drops the record when it made nothing, or keeps
 * it as it is while the outcome is unknown.
 */
function pendingNote(step: StepEventMetadata, attempt: { reason?: unknown }): string {
  const unknown = "the create's outcome was unknown when it was recorded";
  if (step.op === "delete" || !step.new) {
    return `${unknown}; it made nothing, and \`pulumi refresh\` drops the record.`;
  }
  const outputs = step.new.outputs ?? {};
  if (!(PENDING_KEY in outputs)) {
    const status = typeof outputs.status === "string" ? `, ${outputs.status}` : "";
    const price =
      typeof outputs.hourlyPrice === "number" ? `, billing ${outputs.hourlyPrice} USD an hour` : "";
    return (
      `${unknown}; it made ${String(outputs.id ?? step.new.id)} (live${status}${price}), ` +
      "which `pulumi refresh` records under its id."
    );
  }
  const reason = typeof attempt.reason === "string" && attempt.reason ? ` (${attempt.reason})` : "";
  return `${unknown}${reason}, and it is still unknown: a late create could still appear. Run the check again later.`;
}

/** `pulumi-nodejs:dynamic/yotta:Pod` → `yotta:Pod`; any other token is already what users see. */
export function displayType(token: string): string {
  return /^pulumi-nodejs:dynamic\/(.+)$/.exec(token)?.[1] ?? token;
}

/** `urn:pulumi:<stack>::<project>::<type>::<name>`; a name may itself contain `::`. */
export function nameOf(urn: string): string {
  return urn.split("::").slice(3).join("::") || urn;
}

function failureAt(urn: string | undefined, message: string): DriftFailure {
  if (!urn) return { message };
  const type = urn.split("::")[2]?.split("$").pop();
  return { urn, type: type ? displayType(type) : undefined, name: nameOf(urn), message };
}

/**
 * A diagnostic as a reader wants it: without the engine's "Preview failed: " prefix and without
 * stack-trace lines (a provider error's trace is noise in a CI log and can name local paths).
 */
export function cleanMessage(message: string): string {
  return message
    .replace(/^Preview failed: /, "")
    .split("\n")
    .filter((line) => !/^\s+at\s/.test(line))
    .join("\n")
    .trim();
}
