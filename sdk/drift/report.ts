/**
 * What a drift check found, in a shape the formatters, the CLI and tests share. It holds no
 * plaintext secret: a value that is secret on either side is replaced by {@link SECRET} before it
 * gets here.
 */
export interface DriftReport {
  /** The stack as named on the command line. */
  stack: string;
  /**
   * `in-sync`: every resource matches its last deployment. `drift`: at least one differs or is
   * gone. `error`: the check could not finish; `resources` then lists only what was seen before.
   */
  status: DriftStatus;
  /** How many managed resources the refresh read. */
  checked: number;
  resources: DriftedResource[];
  errors: DriftFailure[];
}

export type DriftStatus = "in-sync" | "drift" | "error";

export interface DriftedResource {
  urn: string;
  /** The resource type as users write it: `yotta:Pod` rather than the engine's token. */
  type: string;
  /** The Pulumi name, the last part of the URN. */
  name: string;
  /** The cloud id recorded in the state. */
  id: string;
  /**
   * `changed`: it exists but differs. `deleted`: it no longer exists. `pending`: the record's
   * create had an unknown outcome (its id is `pending-…`); the note says what the refresh found.
   */
  kind: "changed" | "deleted" | "pending";
  /**
   * For `changed`: each differing input, by path (`resources.gpuCount`), then each secret input,
   * which may or may not differ. Empty for `deleted`.
   */
  fields: DriftedField[];
  /**
   * Set when secret fields are listed: either the visible fields do not explain the change, or
   * the secret fields may have changed beside them.
   */
  note?: string;
}

export interface DriftedField {
  /** Dotted path from the input's name, e.g. `environment.MODEL`. */
  path: string;
  /** The last applied value, from the state; `undefined` when it was not set. */
  expected: unknown;
  /** The value the cloud reports now; `undefined` when it is not set. */
  actual: unknown;
  /** Both values are {@link SECRET}: neither is ever shown. */
  secret: boolean;
}

export interface DriftFailure {
  /** Absent when the failure is not about one resource (stack not found, backend unreachable). */
  urn?: string;
  type?: string;
  name?: string;
  message: string;
}

/** What a secret value is shown as, on both sides of a field. */
export const SECRET = "[secret]";

/** Exit status of the drift command: 0 in sync, 2 drift, 1 the check failed. */
export function exitCodeFor(report: Pick<DriftReport, "status">): 0 | 1 | 2 {
  switch (report.status) {
    case "in-sync":
      return 0;
    case "drift":
      return 2;
    case "error":
      return 1;
  }
}
