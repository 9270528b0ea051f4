// Engine events shaped like those CLI 3.248 sends for `refresh --preview-only` (recorded from the
// real CLI; `__provider` text shortened), built per resource so each test states only what it is
// about.
import type { EngineEvent, OpType, StepEventMetadata } from "@pulumi/pulumi/automation";

const STACK_URN = "urn:pulumi:prod::fleet::pulumi:pulumi:Stack::fleet-prod";
const PROVIDER_URN = "urn:pulumi:prod::fleet::pulumi:providers:pulumi-nodejs::default";

/** How the engine shows a secret in events: the signature key, the plaintext hidden. */
export const secretValue = {
  "4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270",
  ciphertext: "[secret]",
};

export function urnOf(type: string, name: string): string {
  return `urn:pulumi:prod::fleet::pulumi:pulumi:Stack$pulumi-nodejs:dynamic/yotta:${type}::${name}`;
}

interface Refreshed {
  type: string;
  name: string;
  id?: string;
  op: OpType;
  /** The last applied inputs, as stored. */
  inputs: Record<string, unknown>;
  /** What `read` returned; absent when the resource is gone. */
  outputs?: Record<string, unknown>;
}

/** One managed resource's `resOutputsEvent`. */
export function refreshed({
  type,
  name,
  id = `${name}-id`,
  op,
  inputs,
  outputs,
}: Refreshed): EngineEvent {
  const token = `pulumi-nodejs:dynamic/yotta:${type}`;
  const urn = urnOf(type, name);
  const state = (outs: Record<string, unknown>) => ({
    type: token,
    urn,
    custom: true,
    id,
    parent: STACK_URN,
    inputs: { __provider: "exports.handler = __f0;", ...inputs },
    outputs: { __provider: "exports.handler = __f0;", ...outs },
    provider: `${PROVIDER_URN}::0b1c`,
  });
  const metadata: StepEventMetadata = {
    op,
    urn,
    type: token,
    old: state(inputs),
    new: outputs === undefined ? undefined : state(outputs),
    provider: `${PROVIDER_URN}::0b1c`,
  };
  return { sequence: 0, timestamp: 0, resOutputsEvent: { metadata, planning: true } };
}

/** The stack and the default provider: every refresh reports them, never as managed resources. */
export function bookkeeping(): EngineEvent[] {
  return [STACK_URN, PROVIDER_URN].map((urn) => {
    const type = urn.split("::")[2]!;
    const state = { type, urn, id: "", parent: "", inputs: {}, outputs: {}, provider: "" };
    const custom = type.startsWith("pulumi:providers:");
    return {
      sequence: 0,
      timestamp: 0,
      resOutputsEvent: {
        metadata: {
          op: "same",
          urn,
          type,
          old: { ...state, custom },
          new: { ...state, custom },
          provider: "",
        },
        planning: true,
      },
    };
  });
}

export function diagnostic(
  severity: "error" | "info#err" | "warning",
  message: string,
  urn?: string,
): EngineEvent {
  return {
    sequence: 0,
    timestamp: 0,
    diagnosticEvent: { urn, prefix: `${severity}: `, message, color: "never", severity },
  };
}
