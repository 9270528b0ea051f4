// The emulated cloud as the soak sees it: what this emulator supports, the resources someone else
// made in the account, every live record, and which faults fired.
import {
  startEmulator,
  type EmulatorAdmin,
  type Kind,
  type LoggedRequest,
  type RecordOf,
} from "../../../emulator";
import { YottaClient } from "../../../client";
import { GPU, type CloudKind, type Features, type ForeignSpec } from "./plan";

let features: Promise<Features> | undefined;

/**
 * What the emulator in this tree can do, found once per process by asking it: the settings by
 * their presence in its configuration, `after` by a create that must commit under a 500.
 */
export function emulatorFeatures(): Promise<Features> {
  features ??= (async () => {
    const route = "/v2/container-registry-auths";
    const probe = await startEmulator({
      faults: [{ type: "serverError", route: `POST ${route}`, after: true }],
    });
    try {
      const { limits, timing } = probe.admin.config();
      await fetch(`${probe.url}${route}`, {
        method: "POST",
        headers: { "x-api-key": probe.apiKey, "content-type": "application/json" },
        body: JSON.stringify({ name: "probe", username: "probe", password: "probe" }),
      });
      return {
        serverErrorAfter: probe.admin.list("credential").length === 1,
        tokenBucket: "requestsPerSecond" in limits && "burst" in limits,
        listLag: "listLagMs" in timing,
      };
    } finally {
      await probe.close();
    }
  })();
  return features;
}

export interface ForeignRecord {
  kind: CloudKind;
  id: string;
  name: string;
  collidesWith?: string;
  /** The stored record when the soak started, without its scheduled steps. */
  snapshot: Record<string, unknown>;
}

/**
 * Makes the foreign resources through a client of the same account, as someone at the console
 * would, runs their lifecycles to the end, and records them as they then are: from here on
 * nothing but a call made for them could change them.
 */
export async function makeForeign(
  client: YottaClient,
  admin: EmulatorAdmin,
  specs: readonly ForeignSpec[],
): Promise<ForeignRecord[]> {
  const made: { kind: CloudKind; id: string; spec: ForeignSpec }[] = [];
  for (const f of specs) {
    const s = f.spec;
    let id: string;
    switch (s.kind) {
      case "pod":
        id = (
          await client.pods.create({
            name: s.name,
            image: s.image,
            gpuType: GPU,
            gpuCount: 1,
            regions: s.regions,
          })
        ).id;
        break;
      case "volume":
        id = (
          await client.volumes.create({
            name: s.name,
            storageType: "CEPH",
            region: s.region,
            sizeInGb: s.sizeInGb,
          })
        ).id;
        break;
      case "credential":
        id = (
          await client.credentials.create({
            name: s.name,
            username: s.username,
            password: s.password,
          })
        ).id;
        break;
      case "endpoint":
        id = (
          await client.endpoints.create({
            name: s.name,
            image: s.image,
            resources: [{ region: s.region, gpuType: GPU, gpuCount: 1 }],
            workers: s.workers,
            containerVolumeInGb: 20,
            serviceMode: s.serviceMode,
          })
        ).id;
        break;
    }
    made.push({ kind: s.kind, id, spec: f });
  }
  admin.settle();
  return made.map(({ kind, id, spec }) => ({
    kind,
    id,
    name: spec.spec.name,
    collidesWith: spec.collidesWith,
    snapshot: comparable(admin.get(kind, id)!),
  }));
}

/**
 * Someone else's pod made while the program's faults are armed: they hit this create too (they
 * are the API's, whoever calls it), so what it made is found the way its owner would, by looking:
 * a new pod of the name without the provider's create token. Tried until one exists.
 */
export async function makeForeignPodUnderFaults(
  client: YottaClient,
  admin: EmulatorAdmin,
  spec: ForeignSpec,
): Promise<ForeignRecord> {
  const s = spec.spec;
  if (s.kind !== "pod") throw new Error(`only pods are made under faults, not ${s.kind}`);
  const before = new Set(admin.list("pod").map((p) => p.id));
  for (let attempt = 1; ; attempt++) {
    await client.pods
      .create({ name: s.name, image: s.image, gpuType: GPU, gpuCount: 1, regions: s.regions })
      .catch(() => undefined);
    const made = admin
      .list("pod")
      .find(
        (p) =>
          !before.has(p.id) &&
          p.name === s.name &&
          !p.environmentVars.some((e) => e.key === "PULUMI_YOTTA_CREATE_TOKEN"),
      );
    if (made) {
      // Run its lifecycle to the end, as makeForeign does, so the snapshot is what stays.
      admin.settle();
      return {
        kind: "pod",
        id: made.id,
        name: s.name,
        collidesWith: spec.collidesWith,
        snapshot: comparable(admin.get("pod", made.id)!),
      };
    }
    if (attempt >= 20) throw new Error(`could not make the foreign pod ${s.name} in 20 attempts`);
  }
}

/** A record without what only the emulator's scheduler uses. */
function comparable(record: RecordOf[Kind]): Record<string, unknown> {
  const { pending: _pending, ...rest } = record as RecordOf[Kind] & { pending?: unknown };
  return rest as Record<string, unknown>;
}

/** How a foreign resource differs from its snapshot: `deleted`, or the fields that changed. */
export function foreignChange(admin: EmulatorAdmin, f: ForeignRecord): string | undefined {
  const record = admin.get(f.kind, f.id);
  if (!record) return "deleted";
  const now = comparable(record);
  if (f.kind === "pod" && (now.status === "TERMINATING" || now.status === "TERMINATED")) {
    return `deleted (${String(now.status)})`;
  }
  const keys = new Set([...Object.keys(f.snapshot), ...Object.keys(now)]);
  const changed = [...keys].filter((k) => JSON.stringify(f.snapshot[k]) !== JSON.stringify(now[k]));
  if (changed.length === 0) return undefined;
  return changed.map((k) => `${k} ${short(f.snapshot[k])} → ${short(now[k])}`).join(", ");
}

function short(value: unknown): string {
  const text = JSON.stringify(value) ?? "undefined";
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

export interface CloudRecord {
  kind: CloudKind;
  id: string;
  name: string;
  status: string;
  /** Billing or holding its name: not terminated, and not on its way out. */
  live: boolean;
}

const KINDS: CloudKind[] = ["pod", "volume", "credential", "endpoint"];
const GOING = new Set(["TERMINATING", "TERMINATED", "deleting"]);

/** Every stored record of the kinds a program makes. */
export function cloudRecords(admin: EmulatorAdmin): CloudRecord[] {
  return KINDS.flatMap((kind) =>
    admin.list(kind).map((r) => {
      const status = "status" in r ? String(r.status) : "active";
      return { kind, id: r.id, name: r.name, status, live: !GOING.has(status) };
    }),
  );
}

/**
 * Which faults fired, from the request log: its `fault` label per request, a 429 the limiter
 * answered without a fault, and a latency fault by its late entry (the log keeps requests in the
 * order they were answered and stamps each with its arrival, so a request that waited shows up
 * after ones that arrived a second or more later).
 */
export function faultsFired(log: readonly LoggedRequest[]): Record<string, number> {
  const counts: Record<string, number> = {};
  const add = (label: string) => (counts[label] = (counts[label] ?? 0) + 1);
  let latestArrival = -Infinity;
  const labelled = log.some((r) => r.fault?.startsWith("latency"));
  for (const r of log) {
    if (r.fault) add(r.fault.replace(/^serverError \d+/, "serverError"));
    else if (r.status === 429) add("limiter 429");
    if (!labelled && r.time + 1000 <= latestArrival) add("latency");
    latestArrival = Math.max(latestArrival, r.time);
  }
  return counts;
}
