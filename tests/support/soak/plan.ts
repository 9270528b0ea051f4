// What one soak seed does, as plain data derived from the seed alone: the program's declarations,
// the resources someone else made in the account beforehand, the faults, and the update. Printing
// a plan says everything needed to understand a failing seed; replaying the seed rebuilds it.
import type { Fault, Limits, Quirks, Timing } from "../../../emulator";
import { SeededRandom } from "../../../emulator/random";

export const GPU = "NVIDIA_RTX_4090_24G";
/** Regions that sell {@link GPU}. */
export const REGIONS = ["us-east-1", "us-east-2", "us-west-1", "us-central-2", "eu-2"] as const;

interface Named {
  /** The Pulumi name. */
  logical: string;
  /** The cloud name when the program gives one; absent: the provider derives one. */
  name?: string;
}

export interface PodDecl extends Named {
  kind: "pod";
  /** Set by the soak when the user follows the advice for a pending record: adopt what it made. */
  adoptId?: string;
  image: string;
  regions: string[];
  running: boolean;
  /** Logical name of a credential of the program the pod pulls its image with. */
  credential?: string;
  /** Logical name of a CEPH volume of the program the pod mounts (its region is the pod's). */
  volume?: string;
}

export interface VolumeDecl extends Named {
  kind: "volume";
  region: string;
  sizeInGb: number;
}

export interface CredentialDecl extends Named {
  kind: "credential";
  username: string;
  password: string;
}

export interface EndpointDecl extends Named {
  kind: "endpoint";
  image: string;
  region: string;
  workers: number;
  serviceMode: "ALB" | "QUEUE";
}

export interface FleetDecl extends Omit<Named, "name"> {
  kind: "fleet";
  replicas: number;
  image: string;
  region: string;
  /** Size of a shared CEPH volume mounted by every replica, when the fleet has one. */
  sharedVolumeGb?: number;
}

export type Decl = PodDecl | VolumeDecl | CredentialDecl | EndpointDecl | FleetDecl;
export type CloudKind = "pod" | "volume" | "credential" | "endpoint";

/** A resource made in the account before the program runs, by a person at the console. */
export interface ForeignSpec {
  /** Made from this spec: the kind, a cloud name, and the fields a create needs. */
  spec: Exclude<Decl, FleetDecl> & { name: string };
  /** The declaration whose explicit name it holds, when it collides with one. */
  collidesWith?: string;
  /** True when the spec is the colliding declaration's own (a lookup by name and spec matches it). */
  sameSpec?: boolean;
}

export interface UpdatePlan {
  target: string;
  /** What changes, for the report: `running false`, `image …`, `sizeInGb 60`. */
  change: string;
  mode: "in place" | "replace";
  apply(decl: Decl): Decl;
}

/** The emulator settings that are not faults; the optional ones only where the emulator has them. */
export interface Pressure {
  quirks: Partial<Quirks>;
  /** The token-bucket limiter (`limits.requestsPerSecond`/`burst`), when the emulator has it. */
  limits?: Partial<Limits> & Record<string, number>;
  /** List answers lagging behind writes (`timing.listLagMs`), when the emulator has it. */
  timing?: Partial<Timing> & Record<string, number>;
}

/**
 * What a hostile or careless user adds to a seed (drawn from a stream of its own, so the plans of
 * older seeds stay as they were): each names a pod declaration with an explicit name.
 */
export interface Hostile {
  /** A second declaration, `<logical>twin`, with this pod's name and spec. */
  twinOf?: string;
  /** Someone else makes a pod with this declaration's name and spec once `up` has sent a create. */
  foreignDuring?: string;
  /** ... and after the first `up` phase, once every look window has passed. */
  foreignAfter?: string;
  /** After a failed `up`, a pending record whose create made a pod gets `adoptId`: that pod. */
  adoptPending: boolean;
  /**
   * The engine is killed (SIGKILL: the CLI, its language host, the program and the providers)
   * during the first attempt of a phase, once that attempt has made this many API requests;
   * then `pulumi cancel`, and the phase goes on.
   */
  kill?: { phase: "up" | "update" | "destroy"; afterRequests: number };
}

export interface SoakPlan {
  seed: number;
  declarations: Decl[];
  hostile: Hostile;
  foreign: ForeignSpec[];
  faults: Fault[];
  pressure: Pressure;
  /** Absent when the program had nothing the update could safely change. */
  update?: UpdatePlan;
}

/** What the emulator in use supports beyond the faults every version has. */
export interface Features {
  /** `serverError` with `after: true`: the request commits, then the error is answered. */
  serverErrorAfter: boolean;
  /** `limits.requestsPerSecond` and `limits.burst`. */
  tokenBucket: boolean;
  /** `timing.listLagMs`. */
  listLag: boolean;
}

/** The client timeout the provider runs with; a `latency` fault past it commits late. */
export const REQUEST_TIMEOUT_MS = 1500;

/** The longest a `latency` fault holds a request, and the longest list lag a seed sets. */
const LATENCY_MS = { ms: 1800, jitterMs: 400 };
const LIST_LAGS_MS = [100, 300, 800];

/**
 * How long after an ambiguous create the provider keeps looking for what it made before it may
 * conclude nothing was (`YOTTA_LOOK_WINDOW_MS`; 5 minutes against the real service). It must
 * outlast the latest a commit can show in a list here, a held request plus the list lag, or the
 * provider would be told something false; twice that leaves room for a loaded machine.
 */
export const LOOK_WINDOW_MS = 2 * (LATENCY_MS.ms + LATENCY_MS.jitterMs + Math.max(...LIST_LAGS_MS));

/** A generator per concern, so adding a fault kind does not change the programs seeds make. */
function stream(seed: number, concern: number): Dice {
  return new Dice(
    new SeededRandom((Math.imul(seed, 0x9e3779b1) ^ Math.imul(concern, 0x85ebca6b)) >>> 0),
  );
}

class Dice {
  constructor(private readonly random: SeededRandom) {}
  chance(p: number): boolean {
    return this.random.chance(p);
  }
  int(min: number, max: number): number {
    return this.random.between(min, max);
  }
  pick<T>(items: readonly T[]): T {
    return items[this.random.between(0, items.length - 1)]!;
  }
  /** One of the keys, with the given weights. */
  weighted<K extends string>(weights: Record<K, number>): K {
    const entries = Object.entries(weights) as [K, number][];
    let roll = this.random.next() * entries.reduce((sum, [, w]) => sum + w, 0);
    for (const [key, weight] of entries) {
      roll -= weight;
      if (roll < 0) return key;
    }
    return entries[entries.length - 1]![0];
  }
  shuffle<T>(items: readonly T[]): T[] {
    const copy = [...items];
    for (let i = copy.length - 1; i > 0; i--) {
      const j = this.random.between(0, i);
      [copy[i], copy[j]] = [copy[j]!, copy[i]!];
    }
    return copy;
  }
}

const IMAGES = ["pytorch/pytorch:2.4.0", "nvidia/cuda:12.4.0-base", "vllm/vllm-openai:v0.6.0"];

export function planSeed(seed: number, features: Features): SoakPlan {
  const declarations = planProgram(seed, stream(seed, 1));
  const foreign = planForeign(seed, declarations, stream(seed, 2));
  const { faults, pressure } = planFaults(declarations, features, stream(seed, 3));
  faults.push(...collisionFaults(foreign, features, stream(seed, 5)));
  const update = planUpdate(declarations, foreign, stream(seed, 4));
  const hostile = planHostile(declarations, stream(seed, 6));
  hostile.kill = planKill(stream(seed, 7));
  const twin = declarations.find((d) => d.logical === hostile.twinOf);
  if (twin) declarations.push({ ...twin, logical: `${twin.logical}twin` });
  return { seed, declarations, hostile, foreign, faults, pressure, update };
}

function planHostile(decls: readonly Decl[], dice: Dice): Hostile {
  const named = decls.filter((d): d is PodDecl => d.kind === "pod" && d.name !== undefined);
  const some = (chance: number) =>
    named.length > 0 && dice.chance(chance) ? dice.pick(named).logical : undefined;
  return {
    twinOf: some(0.35),
    foreignDuring: some(0.3),
    foreignAfter: some(0.4),
    adoptPending: dice.chance(0.6),
  };
}

function planKill(dice: Dice): Hostile["kill"] {
  if (!dice.chance(0.75)) return undefined;
  const phase = dice.weighted({ up: 2, update: 1.5, destroy: 1 });
  return { phase, afterRequests: dice.int(1, 30) };
}

function planProgram(seed: number, dice: Dice): Decl[] {
  const count = dice.int(2, 5);
  const decls: Decl[] = [];
  let fleets = 0;
  for (let i = 0; i < count; i++) {
    const kind = dice.weighted({
      pod: 3,
      volume: 2,
      credential: 2,
      endpoint: 1.5,
      fleet: fleets === 0 ? 0.8 : 0,
    });
    const explicit = dice.chance(0.5);
    switch (kind) {
      case "pod": {
        const credentials = decls.filter((d) => d.kind === "credential");
        const volumes = decls.filter((d): d is VolumeDecl => d.kind === "volume");
        const volume = volumes.length > 0 && dice.chance(0.4) ? dice.pick(volumes) : undefined;
        const [first, second] = dice.shuffle(REGIONS);
        decls.push({
          kind,
          logical: `pod${i}`,
          name: explicit ? `s${seed}-pod${i}` : undefined,
          image: dice.pick(IMAGES),
          // A CEPH volume is mounted only in its own region.
          regions: volume ? [volume.region] : [first!, second!],
          running: dice.chance(0.8),
          credential:
            credentials.length > 0 && dice.chance(0.4) ? dice.pick(credentials).logical : undefined,
          volume: volume?.logical,
        });
        break;
      }
      case "volume":
        decls.push({
          kind,
          logical: `vol${i}`,
          name: explicit ? `s${seed}-vol${i}` : undefined,
          region: dice.pick(REGIONS),
          sizeInGb: dice.pick([10, 20, 50]),
        });
        break;
      case "credential":
        decls.push({
          kind,
          logical: `cred${i}`,
          name: explicit ? `s${seed}cred${i}` : undefined,
          username: dice.pick(["ci-bot", "ml-platform", "deploy"]),
          password: `pw-${seed}-${i}-${dice.int(1000, 9999)}`,
        });
        break;
      case "endpoint":
        decls.push({
          kind,
          logical: `ep${i}`,
          name: explicit ? `s${seed}ep${i}` : undefined,
          image: dice.pick(IMAGES),
          region: dice.pick(REGIONS),
          workers: dice.int(1, 2),
          serviceMode: dice.pick(["ALB", "QUEUE"] as const),
        });
        break;
      case "fleet":
        fleets++;
        decls.push({
          kind,
          logical: `fleet${i}`,
          replicas: dice.int(1, 2),
          image: dice.pick(IMAGES),
          region: dice.pick(REGIONS),
          sharedVolumeGb: dice.chance(0.4) ? 10 : undefined,
        });
        break;
    }
  }
  return decls;
}

function planForeign(seed: number, decls: Decl[], dice: Dice): ForeignSpec[] {
  const foreign: ForeignSpec[] = [];
  // Collisions: someone already holds the program's explicit name, often with the very spec.
  for (const decl of decls) {
    if (decl.kind === "fleet" || decl.name === undefined || !dice.chance(0.5)) continue;
    const sameSpec = dice.chance(0.7);
    const spec = sameSpec ? copySpec(decl) : strangerSpec(decl.kind, 0, seed, dice);
    foreign.push({
      spec: { ...spec, name: decl.name } as ForeignSpec["spec"],
      collidesWith: decl.logical,
      sameSpec,
    });
  }
  const strangers = dice.int(1, 3);
  for (let i = 0; i < strangers; i++) {
    const kind = dice.pick(["pod", "volume", "credential", "endpoint"] as const);
    foreign.push({ spec: strangerSpec(kind, i, seed, dice) });
  }
  return foreign;
}

/** The declaration's own spec, without references to the program's other resources. */
function copySpec(decl: Exclude<Decl, FleetDecl>): Exclude<Decl, FleetDecl> {
  if (decl.kind !== "pod") return { ...decl };
  const { credential: _credential, volume: _volume, ...plain } = decl;
  return plain;
}

function strangerSpec(kind: CloudKind, i: number, seed: number, dice: Dice): ForeignSpec["spec"] {
  const tag = `${seed % 1000}${i}${dice.int(10, 99)}`;
  switch (kind) {
    case "pod":
      return {
        kind,
        logical: "",
        name: `console-pod-${tag}`,
        image: dice.pick(IMAGES),
        regions: [dice.pick(REGIONS)],
        running: true,
      };
    case "volume":
      return {
        kind,
        logical: "",
        name: `console-vol-${tag}`,
        region: dice.pick(REGIONS),
        sizeInGb: 10,
      };
    case "credential":
      return {
        kind,
        logical: "",
        name: `consoleCred${tag}`,
        username: "someone",
        password: `theirs-${tag}`,
      };
    case "endpoint":
      return {
        kind,
        logical: "",
        name: `consoleEp${tag}`,
        image: dice.pick(IMAGES),
        region: dice.pick(REGIONS),
        workers: 1,
        serviceMode: "ALB",
      };
  }
}

const CREATE_ROUTES = [
  "POST /v2/pods",
  "POST /v2/volumes",
  "POST /v2/container-registry-auths",
  "POST /v2/serverless",
];
const WRITE_ROUTES = [
  ...CREATE_ROUTES,
  "DELETE /v2/pods/{id}",
  "DELETE /v2/volumes/{id}",
  "DELETE /v2/container-registry-auths/{id}",
  "DELETE /v2/serverless/{id}",
  "POST /v2/pods/{id}/pause",
  "POST /v2/pods/{id}/resume",
  "POST /v2/serverless/{id}/stop",
  "PUT /v2/serverless/{id}/workers",
  "POST /v2/volumes/{id}/resize",
];
const READ_ROUTES = [
  "GET /v2/pods*",
  "GET /v2/volumes*",
  "GET /v2/serverless*",
  "GET /v2/container-registry-auths*",
];

/** The create routes the program uses, so create faults land where they matter. */
function createRoutesOf(decls: Decl[]): string[] {
  const kinds = new Set(decls.map((d) => d.kind));
  const routes = new Set<string>();
  if (kinds.has("pod") || kinds.has("fleet")) routes.add("POST /v2/pods");
  if (kinds.has("volume") || decls.some((d) => d.kind === "fleet" && d.sharedVolumeGb)) {
    routes.add("POST /v2/volumes");
  }
  if (kinds.has("credential")) routes.add("POST /v2/container-registry-auths");
  if (kinds.has("endpoint")) routes.add("POST /v2/serverless");
  return routes.size > 0 ? [...routes] : CREATE_ROUTES;
}

function planFaults(
  decls: Decl[],
  features: Features,
  dice: Dice,
): { faults: Fault[]; pressure: Pressure } {
  const creates = createRoutesOf(decls);
  const faults: Fault[] = [];
  const count = dice.int(2, 5);
  for (let i = 0; i < count; i++) {
    const type = dice.weighted({
      serverError: 3,
      serverErrorAfter: features.serverErrorAfter ? 3 : 0,
      reset: 2,
      dropResponse: 3,
      latency: 1.5,
      rateLimit: 1.5,
      podFails: decls.some((d) => d.kind === "pod" || d.kind === "fleet") ? 1 : 0,
      noCapacity:
        !faults.some((f) => f.type === "noCapacity") &&
        decls.some((d) => d.kind === "pod" && !d.volume)
          ? 1
          : 0,
    });
    const onCreate = () => dice.pick(creates);
    const onWrite = () => (dice.chance(0.6) ? onCreate() : dice.pick(WRITE_ROUTES));
    switch (type) {
      case "serverError": {
        const route = dice.chance(0.7) ? onWrite() : dice.pick(READ_ROUTES);
        faults.push({
          type,
          route,
          rate: dice.pick([0.3, 0.5, 1]),
          times: dice.int(1, 2),
          status: dice.pick([500, 502, 503]),
          body: dice.pick(["envelope", "html", "empty"] as const),
        });
        break;
      }
      case "serverErrorAfter":
        faults.push({
          type: "serverError",
          after: true,
          route: onWrite(),
          rate: dice.pick([0.5, 1]),
          times: 1,
          status: dice.pick([500, 502]),
          body: dice.pick(["envelope", "html", "empty"] as const),
        });
        break;
      case "reset":
        faults.push({
          type,
          route: dice.chance(0.7) ? onWrite() : dice.pick(READ_ROUTES),
          rate: dice.pick([0.3, 1]),
          times: dice.int(1, 2),
        });
        break;
      case "dropResponse":
        faults.push({ type, route: onWrite(), rate: dice.pick([0.5, 1]), times: dice.int(1, 2) });
        break;
      case "latency":
        // Past the client's timeout: the client gives up, the request commits later.
        faults.push({ type, route: onWrite(), ...LATENCY_MS, rate: 1, times: 1 });
        break;
      case "rateLimit":
        faults.push({
          type,
          rate: dice.pick([0.2, 0.5]),
          times: dice.int(2, 5),
          retryAfterSeconds: dice.pick([0, 1]),
        });
        break;
      case "podFails":
        faults.push({ type, times: 1 });
        break;
      case "noCapacity": {
        // The first choice of a pod that has a second: it must land in the second.
        const pod = dice.pick(
          decls.filter((d): d is PodDecl => d.kind === "pod" && d.volume === undefined),
        );
        const taken = new Set(
          decls.flatMap((d) =>
            d.kind === "volume" || d.kind === "endpoint" || d.kind === "fleet" ? [d.region] : [],
          ),
        );
        if (!taken.has(pod.regions[0]!))
          faults.push({ type, region: pod.regions[0]!, gpuType: GPU });
        break;
      }
    }
  }
  const pressure: Pressure = {
    quirks: {
      numericIds: dice.chance(0.3),
      createReturnsId: dice.chance(0.2),
    },
  };
  if (features.tokenBucket && dice.chance(0.5)) {
    pressure.limits = { requestsPerSecond: dice.pick([20, 40]), burst: dice.pick([5, 10, 20]) };
  }
  if (features.listLag && dice.chance(0.5)) {
    pressure.timing = { listLagMs: dice.pick(LIST_LAGS_MS) };
  }
  return { faults, pressure };
}

const CREATE_ROUTE: Record<CloudKind, string> = {
  pod: "POST /v2/pods",
  volume: "POST /v2/volumes",
  credential: "POST /v2/container-registry-auths",
  endpoint: "POST /v2/serverless",
};

/**
 * Where a name is held by someone else with the very spec, an ambiguous create is where a
 * provider that looks the name up afterwards would take the stranger's resource for its own.
 */
function collisionFaults(foreign: ForeignSpec[], features: Features, dice: Dice): Fault[] {
  const faults: Fault[] = [];
  for (const f of foreign) {
    if (!f.sameSpec || !dice.chance(0.6)) continue;
    const route = CREATE_ROUTE[f.spec.kind];
    const type = dice.weighted({
      serverError: 2,
      serverErrorAfter: features.serverErrorAfter ? 2 : 0,
      dropResponse: 2,
      latency: 1,
      reset: 1,
    });
    if (type === "serverErrorAfter") {
      faults.push({ type: "serverError", after: true, route, times: 1 });
    } else if (type === "latency") {
      faults.push({ type, route, ...LATENCY_MS, times: 1 });
    } else {
      faults.push({ type, route, times: 1 });
    }
  }
  return faults;
}

function planUpdate(decls: Decl[], foreign: ForeignSpec[], dice: Dice): UpdatePlan | undefined {
  // A declaration that may be dropped (its explicit name is held by someone else) is no target.
  const held = new Set(foreign.map((f) => f.collidesWith));
  const mounted = new Set(decls.flatMap((d) => (d.kind === "pod" && d.volume ? [d.volume] : [])));
  const candidates = decls.filter(
    (d) => !(held.has(d.logical) && (d.kind === "volume" || d.kind === "credential")),
  );
  if (candidates.length === 0) return undefined;
  const target = dice.pick(candidates);
  const replace = dice.chance(0.4);
  const image = (current: string) => IMAGES.find((i) => i !== current)!;
  switch (target.kind) {
    case "pod":
      return replace
        ? {
            target: target.logical,
            change: `image ${image(target.image)}`,
            mode: "replace",
            apply: (d) => ({ ...(d as PodDecl), image: image((d as PodDecl).image) }),
          }
        : {
            target: target.logical,
            change: `running ${!target.running}`,
            mode: "in place",
            apply: (d) => ({ ...(d as PodDecl), running: !(d as PodDecl).running }),
          };
    case "volume":
      if (replace && !mounted.has(target.logical)) {
        const region = REGIONS.find((r) => r !== target.region)!;
        return {
          target: target.logical,
          change: `region ${region}`,
          mode: "replace",
          apply: (d) => ({ ...(d as VolumeDecl), region }),
        };
      }
      if (!mounted.has(target.logical)) {
        return {
          target: target.logical,
          change: `sizeInGb ${target.sizeInGb + 10}`,
          mode: "in place",
          apply: (d) => ({ ...(d as VolumeDecl), sizeInGb: (d as VolumeDecl).sizeInGb + 10 }),
        };
      }
      return renameUpdate(target);
    case "credential":
      return dice.chance(0.5)
        ? {
            target: target.logical,
            change: "password rotated",
            mode: "in place",
            apply: (d) => ({
              ...(d as CredentialDecl),
              password: `${(d as CredentialDecl).password}-2`,
            }),
          }
        : renameUpdate(target);
    case "endpoint":
      return replace
        ? {
            target: target.logical,
            change: `image ${image(target.image)}`,
            mode: "replace",
            apply: (d) => ({ ...(d as EndpointDecl), image: image((d as EndpointDecl).image) }),
          }
        : {
            target: target.logical,
            change: `workers ${target.workers === 1 ? 2 : 1}`,
            mode: "in place",
            apply: (d) => ({
              ...(d as EndpointDecl),
              workers: (d as EndpointDecl).workers === 1 ? 2 : 1,
            }),
          };
    case "fleet":
      return replace
        ? {
            target: target.logical,
            change: `template image ${image(target.image)}`,
            mode: "replace",
            apply: (d) => ({ ...(d as FleetDecl), image: image((d as FleetDecl).image) }),
          }
        : {
            target: target.logical,
            change: `replicas ${target.replicas + 1}`,
            mode: "in place",
            apply: (d) => ({ ...(d as FleetDecl), replicas: (d as FleetDecl).replicas + 1 }),
          };
  }
}

/** A rename in place; an explicit name gets a new one, a derived one becomes explicit. */
function renameUpdate(target: VolumeDecl | CredentialDecl): UpdatePlan {
  const base = target.name ?? target.logical;
  const name = target.kind === "credential" ? `${base.slice(0, 17)}r2` : `${base}-r2`;
  return {
    target: target.logical,
    change: `name ${name}`,
    mode: "in place",
    apply: (d) => ({ ...d, name }) as Decl,
  };
}

/** One line per part of the plan, for a failing seed's report. */
export function describePlan(plan: SoakPlan): string[] {
  const decl = (d: Decl): string => {
    const name = "name" in d && d.name ? ` "${d.name}"` : "";
    switch (d.kind) {
      case "pod":
        return `pod ${d.logical}${name} ${d.image} in ${d.regions.join("/")}${d.running ? "" : " paused"}${d.credential ? ` pulls with ${d.credential}` : ""}${d.volume ? ` mounts ${d.volume}` : ""}`;
      case "volume":
        return `volume ${d.logical}${name} CEPH ${d.sizeInGb} GB in ${d.region}`;
      case "credential":
        return `credential ${d.logical}${name}`;
      case "endpoint":
        return `endpoint ${d.logical}${name} ${d.serviceMode} ${d.workers} worker(s) in ${d.region}`;
      case "fleet":
        return `fleet ${d.logical} ${d.replicas} replica(s) in ${d.region}${d.sharedVolumeGb ? " with a shared volume" : ""}`;
    }
  };
  const foreign = (f: ForeignSpec): string =>
    `${f.spec.kind} "${f.spec.name}"${f.collidesWith ? ` (holds ${f.collidesWith}'s name${f.sameSpec ? ", same spec" : ""})` : ""}`;
  return [
    `program: ${plan.declarations.map(decl).join("; ")}`,
    `foreign: ${plan.foreign.map(foreign).join("; ")}`,
    `faults: ${plan.faults.map((f) => JSON.stringify(f)).join(" ")}`,
    `pressure: ${JSON.stringify(plan.pressure)}`,
    `update: ${plan.update ? `${plan.update.target} ${plan.update.change} (${plan.update.mode})` : "none"}`,
    `hostile: ${JSON.stringify(plan.hostile)}`,
  ];
}
