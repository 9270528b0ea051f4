/**
 * The API's input rules, each written once (docs/api.md says where each comes from). The
 * client's request schemas and the providers' input schemas are both built from these pieces,
 * so an input that passes a provider's `check` becomes a request the client sends, and the
 * client refuses nothing that `check` let through. The emulator keeps its own reading of the
 * documents and must not use this module: it is the other side of the contract.
 *
 * Each message completes the sentence "<field> ...". A rule reports one issue, the first it
 * finds, and stops there: the rules that span several fields then run only on values that are
 * well formed, so one mistake is one failure.
 */
import { z } from "zod";

/** The server binds counts and sizes as Java `int`s (the pod schema says int32). */
export const INT32_MAX = 2 ** 31 - 1;
/** Ids are positive int64 values. */
const INT64_MAX = 2n ** 63n - 1n;

type Problem = string | undefined;

/** "is required" for a missing value, else "must be <expected>". */
function expecting(expected: string) {
  return (issue: { input?: unknown }) =>
    issue.input === undefined ? `is required (${expected})` : `must be ${expected}`;
}

/** `base` with one more rule: the first problem `problemOf` finds is the value's one issue. */
function ruled<T, S extends z.ZodType<T>>(base: S, problemOf: (value: T) => Problem): S {
  return base.superRefine((value, ctx) => {
    const problem = problemOf(value as T);
    if (problem !== undefined) ctx.addIssue({ code: "custom", message: problem, continue: false });
  }) as S;
}

function listed(values: readonly string[]): string {
  return values.length < 2
    ? values.join("")
    : `${values.slice(0, -1).join(", ")} or ${values[values.length - 1]}`;
}

/** True when no two items share a key. */
export function distinct<T>(items: readonly T[], key: (item: T) => unknown = (x) => x): boolean {
  return new Set(items.map(key)).size === items.length;
}

// ---- numbers ----

export interface Range {
  min: number;
  /** Defaults to the int32 maximum, the API's bound for every count and size. */
  max?: number;
  unit?: string;
}

export function wholeNumberProblem(n: number, { min, max = INT32_MAX, unit }: Range): Problem {
  if (!Number.isInteger(n)) return "must be a whole number";
  const units = unit ? ` ${unit}` : "";
  if (max !== INT32_MAX) return n < min || n > max ? `must be ${min}-${max}${units}` : undefined;
  if (n < min) return min === 0 ? "must not be negative" : `must be at least ${min}${units}`;
  if (n > max) return `must be at most ${INT32_MAX} (the API's int32 limit)`;
  return undefined;
}

/** A whole number in a range; the maximum defaults to int32's. */
export function wholeNumber(range: Range) {
  return ruled(z.number({ error: expecting("a number") }), (n: number) =>
    wholeNumberProblem(n, range),
  );
}

export const NonNegativeInt = wholeNumber({ min: 0 });
export const PositiveInt = wholeNumber({ min: 1 });

/** A TCP port; pods may expose 0, endpoints start at 1. */
export const port = (min: 0 | 1) => wholeNumber({ min, max: 65535 });

/** 1, 2, 4, ... up to 2^30, the largest power of two an int32 holds. */
export function isPowerOfTwo(n: number): boolean {
  // Bit operations work on int32, so they are exact only once the range is checked.
  return Number.isInteger(n) && n >= 1 && n <= INT32_MAX && (n & (n - 1)) === 0;
}

/** GPUs per pod, worker or VM: a power of two everywhere (docs/api.md §1). */
export const GpuCount = ruled(z.number({ error: expecting("a number") }), (n: number) => {
  if (!Number.isInteger(n)) return "must be a whole number";
  if (isPowerOfTwo(n)) return undefined;
  return n > INT32_MAX
    ? "must be a power of two no larger than 2^30 (the API's int32 limit)"
    : "must be a power of two (1, 2, 4, 8, ...)";
});

// ---- text ----

function hasControlCharacter(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x20 || code === 0x7f) return true;
  }
  return false;
}

const CONTROL = "must not contain line breaks, tabs, NUL or other control characters";

function textProblem(text: string, max: number): Problem {
  if (text.length === 0) return "must not be empty";
  if (text.length > max) return `must be at most ${max} characters`;
  return undefined;
}

/** 1 to `max` characters. */
export function text(max: number) {
  return ruled(z.string({ error: expecting("a string") }), (s: string) => textProblem(s, max));
}

/** A name shown to people (pods, volumes, VMs): not blank, one line, no control characters. */
export function displayName(max: number) {
  return ruled(z.string({ error: expecting("a string") }), (s: string) => {
    const problem = textProblem(s, max);
    if (problem) return problem;
    if (s.trim() === "") return "must not be blank";
    return hasControlCharacter(s) ? CONTROL : undefined;
  });
}

/** The name rule of endpoints and credentials (docs/api.md §3, §5). */
export const STRICT_NAME = /^(?=[A-Za-z])[A-Za-z0-9@._-]{1,20}$/;

export const ShortName = ruled(z.string({ error: expecting("a string") }), (s: string) =>
  STRICT_NAME.test(s)
    ? undefined
    : "must start with a letter and have at most 20 of A-Z a-z 0-9 @ . _ -",
);

/** An image reference or a registry host: no spaces or control characters inside. */
function referenceProblem(s: string): Problem {
  return /\s/.test(s) || hasControlCharacter(s)
    ? "must not contain spaces or control characters"
    : undefined;
}

export const Image = ruled(
  z.string({ error: expecting("a string") }),
  (s: string) => textProblem(s, 255) ?? referenceProblem(s),
);

/** Docker Hub when absent; the schema allows it empty. */
export const ImageRegistry = ruled(z.string({ error: expecting("a string") }), (s: string) =>
  s.length > 255 ? "must be at most 255 characters" : referenceProblem(s),
);

export const Region = text(64);
export const GpuType = text(255);

/** Regions a pod may run in; unique (the schema's `uniqueItems`). */
export const Regions = z
  .array(Region, { error: expecting("a list of regions") })
  .refine((r) => distinct(r), { message: "must not repeat a region" });

/** An absolute path inside the container or VM (a mount needs `/`). */
export const MountPath = ruled(z.string({ error: expecting("a string") }), (s: string) => {
  const problem = textProblem(s, 255);
  if (problem) return problem;
  if (!s.startsWith("/")) return "must be an absolute path";
  return hasControlCharacter(s) ? CONTROL : undefined;
});

/** Registry usernames and passwords: 1–255 characters. Messages never quote the value. */
export const Secret = text(255);

export const Webhook = ruled(z.string({ error: expecting("a string") }), (s: string) =>
  s.length > 512 ? "must be at most 512 characters" : undefined,
);

// ---- ids ----

/**
 * Why `value` is not an id, if it is not. Ids are positive int64 values, larger than 2^53, so a
 * JS number holds one exactly only while it is a safe integer; beyond that its digits are
 * already lost, and the message says to pass the id as a string.
 */
export function idProblem(value: string | number): Problem {
  if (typeof value === "number") {
    if (!Number.isInteger(value) || value < 1)
      return "must be a Yotta id (a positive whole number)";
    return Number.isSafeInteger(value)
      ? undefined
      : "is beyond 2^53, so as a number it has lost digits: pass the id as a string";
  }
  if (!/^[1-9]\d*$/.test(value)) return "must be a Yotta id (decimal digits, no leading zero)";
  return value.length > 19 || BigInt(value) > INT64_MAX
    ? "must be a Yotta id (at most 9223372036854775807)"
    : undefined;
}

/** An id reference, as its exact decimal string. */
export const Id = z
  .union([z.string(), z.number()], { error: expecting("a Yotta id (a string of digits)") })
  .transform((value, ctx): string => {
    const problem = idProblem(value);
    if (problem === undefined) return String(value);
    ctx.addIssue({ code: "custom", message: problem, continue: false });
    return z.NEVER;
  });

/** Volume id → absolute mount path (a VM's mounts); one volume per path. */
export const VolumeMountPaths = z
  .record(z.string(), MountPath, { error: expecting("a map of volume id to mount path") })
  .superRefine((mounts, ctx) => {
    for (const id of Object.keys(mounts)) {
      if (idProblem(id) !== undefined) {
        ctx.addIssue({ code: "custom", path: [id], message: "is not a volume id (keys are ids)" });
      }
    }
    if (!distinct(Object.values(mounts))) {
      ctx.addIssue({ code: "custom", message: "must not mount two volumes at the same path" });
    }
  });

// ---- environment ----

/** Environment variable names: the server wants them non-empty; `=` would split the pair. */
export function envNameProblem(name: string): Problem {
  if (name === "") return "must not be empty";
  return name.includes("=") || hasControlCharacter(name)
    ? 'must not contain "=" or control characters'
    : undefined;
}

export const EnvName = ruled(z.string({ error: expecting("a string") }), envNameProblem);

/** The server wants values non-empty. Messages never quote a value (they are often tokens). */
export const EnvValue = ruled(z.string({ error: expecting("a string") }), (s: string) =>
  s === "" ? "must not be empty" : undefined,
);

/** Environment variables as a request carries them: `[{key, value}]`, each key once. */
export const EnvVars = z
  .array(z.strictObject({ key: EnvName, value: EnvValue }), {
    error: expecting("a list of {key, value}"),
  })
  .refine((vars) => distinct(vars, (v) => v.key), { message: "must not repeat a key" });

// ---- enums ----

function oneOf<const T extends readonly [string, ...string[]]>(values: T) {
  return z.enum(values, { error: expecting(listed(values)) });
}

export const IMAGE_PUBLIC_TYPES = ["PUBLIC", "PRIVATE"] as const;
export const RESOURCE_TYPES = ["GPU", "CPU"] as const;
export const POD_PROTOCOLS = ["SSH", "HTTP", "TCP"] as const;
export const ENDPOINT_PROTOCOLS = ["http", "tcp"] as const;
export const SERVICE_MODES = ["ALB", "QUEUE", "CUSTOM"] as const;
export type ServiceMode = (typeof SERVICE_MODES)[number];
export const STORAGE_TYPES = ["S3", "R2", "CEPH", "VENDOR"] as const;
export type StorageType = (typeof STORAGE_TYPES)[number];
export const VENDOR_VOLUME_TYPES = ["NVMe", "HDD"] as const;
export const CREDENTIAL_TYPES = ["DOCKER_HUB", "GCR", "ECR", "ACR", "PRIVATE"] as const;
export type CredentialType = (typeof CREDENTIAL_TYPES)[number];
/** The storage types a pod attaches (the volumes that have a region and a size). */
export const MOUNT_VOLUME_TYPES = ["CEPH", "VENDOR"] as const;

export const ImagePublicType = oneOf(IMAGE_PUBLIC_TYPES);
export const ResourceType = oneOf(RESOURCE_TYPES);
export const PodProtocol = oneOf(POD_PROTOCOLS);
export const ServiceModeIn = oneOf(SERVICE_MODES);
export const StorageTypeIn = oneOf(STORAGE_TYPES);
export const VendorVolumeType = oneOf(VENDOR_VOLUME_TYPES);
export const CredentialTypeIn = oneOf(CREDENTIAL_TYPES);
export const MountVolumeType = oneOf(MOUNT_VOLUME_TYPES);

/** The documents spell endpoint protocols in lower case; any case is accepted, sent lower. */
export const EndpointProtocol = z
  .string({ error: expecting(listed(ENDPOINT_PROTOCOLS)) })
  .transform((p) => p.toLowerCase())
  .pipe(oneOf(ENDPOINT_PROTOCOLS));

// ---- rules that span fields ----

export interface SpanIssue {
  path: string[];
  message: string;
}

/** What the pod rules over several fields look at, whichever names the caller uses for them. */
export interface PodSpan {
  imagePublicType?: string;
  hasCredential: boolean;
  persistentVolumeInGb?: number;
  persistentMountPath?: string;
  mounts: readonly { id: unknown; mountPath: string }[];
}

/**
 * The pod rules over several fields. `names` gives the caller's names for the credential and
 * the attached volumes (`credentialId`/`volumes` in the inputs, `containerRegistryAuthId`/
 * `persistentVolumes` in the request).
 */
export function podSpanIssues(
  pod: PodSpan,
  names: { credential: string; volumes: string },
): SpanIssue[] {
  const issues: SpanIssue[] = [];
  const disk = pod.persistentVolumeInGb ?? 0;
  if (disk > 0 && pod.persistentMountPath === undefined) {
    issues.push({
      path: ["persistentMountPath"],
      message: "is required when persistentVolumeInGb is greater than 0",
    });
  }
  if (disk === 0 && pod.persistentMountPath !== undefined) {
    issues.push({
      path: ["persistentMountPath"],
      message: "needs persistentVolumeInGb greater than 0 (there is no disk to mount)",
    });
  }
  if (pod.imagePublicType === "PRIVATE" && !pod.hasCredential) {
    issues.push({
      path: ["imagePublicType"],
      message: `is PRIVATE, which needs ${names.credential} (the registry credential)`,
    });
  }
  if (!distinct(pod.mounts, (m) => String(m.id))) {
    issues.push({ path: [names.volumes], message: "must not attach the same volume twice" });
  }
  const paths = pod.mounts.map((m) => m.mountPath);
  if (disk > 0 && pod.persistentMountPath !== undefined) paths.push(pod.persistentMountPath);
  if (!distinct(paths)) {
    issues.push({
      path: [names.volumes],
      message: "must not use one mount path twice (persistentMountPath included)",
    });
  }
  return issues;
}

/** Pod ports: one protocol per port. */
export function distinctPorts(ports: readonly { port: number }[]): boolean {
  return distinct(ports, (p) => p.port);
}
export const DISTINCT_PORTS = "must not expose the same port twice";

/** An endpoint's GPU resources: at least one, one gpuCount for all, each place once. */
export const EndpointResource = z.strictObject({
  region: Region,
  gpuType: GpuType,
  gpuCount: GpuCount,
});

export const EndpointResources = z
  .array(EndpointResource, { error: expecting("a list of {region, gpuType, gpuCount}") })
  .min(1, { message: "must have at least one entry" })
  .refine((r) => new Set(r.map((x) => x.gpuCount)).size <= 1, {
    message: "must all use the same gpuCount",
  })
  .refine((r) => distinct(r, (x) => `${x.region}/${x.gpuType}`), {
    message: "must not repeat a region and gpuType pair",
  });

export const Workers = wholeNumber({ min: 1 });
export const EndpointContainerVolume = wholeNumber({ min: 20, unit: "GB" });
export const VolumeSize = wholeNumber({ min: 1, max: 10240, unit: "GB" });

type VolumeField = "region" | "sizeInGb" | "vendorVolumeType";

/**
 * Which fields each storage type needs, and which it has no use for (docs/api.md §4). S3 has no
 * region; the object stores (S3, R2) have no fixed size; only VENDOR volumes have a vendor type.
 * Refusing the extra fields keeps a request the service might reject, or silently ignore
 * (leaving a permanent diff), from ever being sent.
 */
export const VOLUME_FIELDS: Record<
  StorageType,
  { required: VolumeField[]; refused: VolumeField[] }
> = {
  S3: { required: [], refused: ["region", "sizeInGb", "vendorVolumeType"] },
  R2: { required: [], refused: ["sizeInGb", "vendorVolumeType"] },
  CEPH: { required: ["region", "sizeInGb"], refused: ["vendorVolumeType"] },
  VENDOR: { required: ["region", "sizeInGb", "vendorVolumeType"], refused: [] },
};

export function volumeSpanIssues(
  volume: { storageType: StorageType } & Partial<Record<VolumeField, unknown>>,
): SpanIssue[] {
  const rules = VOLUME_FIELDS[volume.storageType];
  return [
    ...rules.required
      .filter((field) => volume[field] === undefined)
      .map((field) => ({
        path: [field],
        message: `is required for ${volume.storageType} volumes`,
      })),
    ...rules.refused
      .filter((field) => volume[field] !== undefined)
      .map((field) => ({
        path: [field],
        message: `is not supported for ${volume.storageType} volumes`,
      })),
  ];
}

/** Adds span issues to a refinement's context. */
export function report(ctx: z.RefinementCtx, issues: readonly SpanIssue[]): void {
  for (const issue of issues) ctx.addIssue({ code: "custom", ...issue });
}
