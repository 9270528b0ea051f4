import fc from "fast-check";
import type { z } from "zod";
import {
  Credential,
  CredentialCreate,
  Endpoint,
  EndpointCreate,
  EndpointUpdate,
  Pod,
  PodCreate,
  Task,
  Vm,
  VmCreate,
  VmType,
  Volume,
  VolumeCreate,
  WorkerLogPage,
  isPodPaused,
} from "../../../client";
import { int64, parseJson, stringifyJson } from "../../../client/core/json";
import { parseRequest, parseResponse } from "../../../client/core/validation";

const ID = "378888638324150969";

describe("response schemas accept every documented variant", () => {
  test.each([
    { name: "id as a string", raw: { id: ID }, field: "id", expected: ID },
    { name: "id as a safe number", raw: { id: 12345 }, field: "id", expected: "12345" },
    {
      name: "status INITIALIZE (v1)",
      raw: { status: "INITIALIZE" },
      field: "status",
      expected: "INITIALIZING",
    },
    {
      name: "status in lower case",
      raw: { status: "running" },
      field: "status",
      expected: "RUNNING",
    },
    {
      name: "STOPPED kept as sent",
      raw: { status: "STOPPED" },
      field: "status",
      expected: "STOPPED",
    },
    {
      name: "price as a string (v1)",
      raw: { singleCardPrice: "0.6" },
      field: "singleCardPrice",
      expected: 0.6,
    },
    { name: "count as a string", raw: { gpuCount: "2" }, field: "gpuCount", expected: 2 },
    {
      name: "epoch ms",
      raw: { createdAt: 1705306200000 },
      field: "createdAt",
      expected: "2024-01-15T08:10:00.000Z",
    },
    {
      name: "epoch ms as a string",
      raw: { createdAt: "1705306200000" },
      field: "createdAt",
      expected: "2024-01-15T08:10:00.000Z",
    },
    {
      name: "epoch seconds (v1)",
      raw: { createdAt: 1705306200 },
      field: "createdAt",
      expected: "2024-01-15T08:10:00.000Z",
    },
    {
      name: "ISO 8601",
      raw: { createdAt: "2024-01-15T08:10:00Z" },
      field: "createdAt",
      expected: "2024-01-15T08:10:00.000Z",
    },
    {
      name: "ISO with an offset",
      raw: { createdAt: "2024-01-15T10:10:00+02:00" },
      field: "createdAt",
      expected: "2024-01-15T08:10:00.000Z",
    },
    {
      name: "v1 'date time' text, as UTC",
      raw: { createdAt: "2025-07-04 10:29:56" },
      field: "createdAt",
      expected: "2025-07-04T10:29:56.000Z",
    },
    {
      name: "null for an optional field",
      raw: { persistentMountPath: null },
      field: "persistentMountPath",
      expected: undefined,
    },
    { name: "null list", raw: { expose: null }, field: "expose", expected: undefined },
    {
      name: "healthy as 1",
      raw: { expose: [{ port: 22, healthy: 1, protocol: "ssh" }] },
      field: "expose",
      expected: [{ port: 22, healthy: true, protocol: "SSH" }],
    },
  ])("pod: $name", ({ raw, field, expected }) => {
    const pod = Pod.parse({ id: "1", name: "p", status: "RUNNING", ...raw }) as Record<
      string,
      unknown
    >;
    expect(pod[field]).toEqual(expected);
  });

  it("keeps fields it does not know", () => {
    expect(Pod.parse({ id: "1", name: "p", status: "RUNNING", brandNew: { a: 1 } })).toMatchObject({
      brandNew: { a: 1 },
    });
  });

  it("treats PAUSED and STOPPED as paused", () => {
    expect(isPodPaused(Pod.parse({ id: "1", name: "p", status: "STOPPED" }))).toBe(true);
    expect(isPodPaused(Pod.parse({ id: "1", name: "p", status: "paused" }))).toBe(true);
    expect(isPodPaused(Pod.parse({ id: "1", name: "p", status: "PAUSING" }))).toBe(false);
  });

  test.each([
    { name: "environmentVars", raw: { environmentVars: [{ key: "A", value: "1" }] } },
    { name: "envVars", raw: { envVars: [{ key: "A", value: "1" }] } },
  ])("endpoint: environment read from $name", ({ raw }) => {
    const endpoint = Endpoint.parse({ id: ID, name: "e", status: "running", ...raw });
    expect(endpoint.environmentVars).toEqual([{ key: "A", value: "1" }]);
    expect(endpoint).not.toHaveProperty("envVars");
    expect(endpoint.status).toBe("RUNNING");
  });

  test.each([
    { name: "storageType", raw: { storageType: "CEPH" } },
    { name: "type (newer schema)", raw: { type: "ceph" } },
  ])("volume: storage type from $name", ({ raw }) => {
    const volume = Volume.parse({ id: 1, name: "v", status: "ACTIVE", ...raw });
    expect(volume.storageType).toBe("CEPH");
    expect(volume.status).toBe("active");
  });

  it("vm: capitalized status, sizes as strings, isSpot as 0/1", () => {
    const vm = Vm.parse({
      id: ID,
      name: "v",
      status: "Terminated",
      memoryInGb: "64",
      gpuMemoryInGb: "24",
      storageInGb: "500",
      isSpot: 1,
      createdAt: "2024-01-15T08:10:00Z",
    });
    expect(vm).toMatchObject({
      status: "terminated",
      memoryInGb: 64,
      gpuMemoryInGb: 24,
      storageInGb: 500,
      isSpot: true,
    });
  });

  it("vm types, credentials, tasks and log pages", () => {
    expect(
      VmType.parse({ gpuType: "G", regions: [{ region: "r", available: "true", vmTypeId: 1000 }] })
        .regions[0],
    ).toEqual({
      region: "r",
      regionName: undefined,
      available: true,
      vmTypeId: "1000",
    });
    expect(
      Credential.parse({ id: ID, name: "c", type: "docker_hub", createdAt: 1705306200000 }),
    ).toMatchObject({
      type: "DOCKER_HUB",
      createdAt: "2024-01-15T08:10:00.000Z",
    });
    expect(
      Task.parse({
        taskId: "t1",
        endpointId: 456,
        status: "success",
        input: { a: 1 },
        output: null,
      }),
    ).toMatchObject({
      endpointId: "456",
      status: "SUCCESS",
      input: { a: 1 },
    });
    expect(
      WorkerLogPage.parse({
        logs: [{ timestamp: 1705306215123, log: "up", offset: "12345" }],
        hasMore: true,
        nextSearchAfterTime: 1705306215123,
        nextSearchAfterOffset: 12400,
      }),
    ).toEqual({
      logs: [{ timestamp: "2024-01-15T08:10:15.123Z", log: "up", offset: 12345 }],
      hasMore: true,
      nextSearchAfterTime: "1705306215123",
      nextSearchAfterOffset: "12400",
    });
  });
});

describe("a response that does not fit", () => {
  test.each([
    {
      name: "missing id",
      raw: { name: "p", status: "RUNNING" },
      field: "data.id",
      says: "is missing",
    },
    {
      name: "a word for a number",
      raw: { id: "1", name: "p", status: "RUNNING", gpuCount: "two" },
      field: "data.gpuCount",
      says: 'got "two"',
    },
    {
      name: "a rounded id",
      raw: { id: 378888638324150980.5, name: "p", status: "RUNNING" },
      field: "data.id",
      says: "expected an id",
    },
    {
      name: "a bad nested port",
      raw: { id: "1", name: "p", status: "RUNNING", expose: [{ port: "x" }] },
      field: "data.expose[0].port",
      says: "expected a whole number",
    },
    {
      name: "a bad timestamp",
      raw: { id: "1", name: "p", status: "RUNNING", createdAt: "yesterday" },
      field: "data.createdAt",
      says: "expected a timestamp",
    },
  ])("$name: names the call and the field", ({ raw, field, says }) => {
    let error: unknown;
    try {
      parseResponse(Pod, raw, { call: "pods.get", request: "GET /v2/pods/1", status: 200 });
    } catch (e) {
      error = e;
    }
    expect(error).toMatchObject({ kind: "response_validation", call: "pods.get" });
    expect((error as Error).message).toContain("pods.get (GET /v2/pods/1)");
    expect((error as Error).message).toContain(field);
    expect((error as Error).message).toContain(says);
  });
});

// ---- requests: the rules the providers' check shares ----

const GPU = "NVIDIA_RTX_4090_24G";
const POD = { name: "p", image: "img", gpuType: GPU, gpuCount: 1 };
const ENDPOINT = {
  name: "llama",
  image: "vllm/vllm-openai",
  resources: [{ region: "us-east-1", gpuType: GPU, gpuCount: 1 }],
  workers: 1,
  containerVolumeInGb: 20,
  serviceMode: "QUEUE",
};
const UPDATE = {
  name: "llama",
  resources: ENDPOINT.resources,
  workers: 1,
  containerVolumeInGb: 20,
};
const VOLUME = { name: "v", storageType: "CEPH", region: "us-east-1", sizeInGb: 10 };
const VM = { vmTypeId: "1000", region: "us-east-1", name: "v" };
const CREDENTIAL = { name: "c", username: "u", password: "p" };
const vol = (volumeId: string, mountPath: string) => ({ volumeId, volumeType: "CEPH", mountPath });

const escaped = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/** The message the client refuses `body` with, or undefined when it would send it. */
function refused(schema: z.ZodType, body: unknown): string | undefined {
  try {
    parseRequest(schema, body, "t");
    return undefined;
  } catch (error) {
    expect(error).toMatchObject({ kind: "invalid_params" });
    return (error as Error).message;
  }
}

describe("the client refuses what check refuses, naming the field", () => {
  test.each([
    {
      name: "pod gpuCount 2^31",
      schema: PodCreate,
      body: { ...POD, gpuCount: 2 ** 31 },
      field: "gpuCount",
    },
    {
      name: "pod gpuCount 3·2^32",
      schema: PodCreate,
      body: { ...POD, gpuCount: 3 * 2 ** 32 },
      field: "gpuCount",
    },
    {
      name: "pod containerVolumeInGb above int32",
      schema: PodCreate,
      body: { ...POD, containerVolumeInGb: 2 ** 31 },
      field: "containerVolumeInGb",
    },
    {
      name: "pod minSingleCardVcpu above int32",
      schema: PodCreate,
      body: { ...POD, minSingleCardVcpu: 2 ** 31 },
      field: "minSingleCardVcpu",
    },
    {
      name: "an id with a leading zero",
      schema: PodCreate,
      body: { ...POD, containerRegistryAuthId: "0042" },
      field: "containerRegistryAuthId",
    },
    {
      name: "an id beyond int64",
      schema: PodCreate,
      body: { ...POD, containerRegistryAuthId: "9223372036854775808" },
      field: "containerRegistryAuthId",
    },
    {
      name: "id 0",
      schema: PodCreate,
      body: { ...POD, containerRegistryAuthId: 0 },
      field: "containerRegistryAuthId",
    },
    {
      name: "a whitespace-only pod name",
      schema: PodCreate,
      body: { ...POD, name: "  " },
      field: "name",
    },
    {
      name: "a pod name with a newline",
      schema: PodCreate,
      body: { ...POD, name: "a\nb" },
      field: "name",
    },
    {
      name: "an image with spaces",
      schema: PodCreate,
      body: { ...POD, image: "my image" },
      field: "image",
    },
    {
      name: "a PRIVATE image without a credential",
      schema: PodCreate,
      body: { ...POD, imagePublicType: "PRIVATE" },
      field: "imagePublicType",
    },
    {
      name: "a relative persistentMountPath",
      schema: PodCreate,
      body: { ...POD, persistentVolumeInGb: 5, persistentMountPath: "data" },
      field: "persistentMountPath",
    },
    {
      name: "a mount path without a disk",
      schema: PodCreate,
      body: { ...POD, persistentMountPath: "/data" },
      field: "persistentMountPath",
    },
    {
      name: "the same volume twice",
      schema: PodCreate,
      body: { ...POD, persistentVolumes: [vol("5", "/a"), vol("5", "/b")] },
      field: "persistentVolumes",
    },
    {
      name: "the same mount path twice",
      schema: PodCreate,
      body: { ...POD, persistentVolumes: [vol("5", "/a"), vol("6", "/a")] },
      field: "persistentVolumes",
    },
    {
      name: "a volume type outside CEPH, VENDOR",
      schema: PodCreate,
      body: { ...POD, persistentVolumes: [{ ...vol("5", "/a"), volumeType: "x" }] },
      field: "persistentVolumes[0].volumeType",
    },
    {
      name: "one port twice",
      schema: PodCreate,
      body: {
        ...POD,
        expose: [
          { port: 80, protocol: "HTTP" },
          { port: 80, protocol: "TCP" },
        ],
      },
      field: "expose",
    },
    {
      name: "a repeated env key",
      schema: PodCreate,
      body: {
        ...POD,
        environmentVars: [
          { key: "A", value: "1" },
          { key: "A", value: "2" },
        ],
      },
      field: "environmentVars",
    },
    {
      name: "an env key with =",
      schema: PodCreate,
      body: { ...POD, environmentVars: [{ key: "A=B", value: "1" }] },
      field: "environmentVars[0].key",
    },
    {
      name: "an endpoint protocol udp",
      schema: EndpointCreate,
      body: { ...ENDPOINT, expose: { port: 80, protocol: "udp" } },
      field: "expose.protocol",
    },
    {
      name: "a repeated region and gpuType",
      schema: EndpointCreate,
      body: { ...ENDPOINT, resources: [...ENDPOINT.resources, ...ENDPOINT.resources] },
      field: "resources",
    },
    {
      name: "endpoint workers above int32",
      schema: EndpointCreate,
      body: { ...ENDPOINT, workers: 2 ** 31 },
      field: "workers",
    },
    {
      name: "an update's gpuCount 1e300",
      schema: EndpointUpdate,
      body: { ...UPDATE, resources: [{ region: "us-east-1", gpuType: GPU, gpuCount: 1e300 }] },
      field: "resources[0].gpuCount",
    },
    {
      name: "an update's workers above int32",
      schema: EndpointUpdate,
      body: { ...UPDATE, workers: 2 ** 31 },
      field: "workers",
    },
    {
      name: "an S3 volume with a region",
      schema: VolumeCreate,
      body: { name: "v", storageType: "S3", region: "us-east-1" },
      field: "region",
    },
    {
      name: "a CEPH volume with a vendor type",
      schema: VolumeCreate,
      body: { ...VOLUME, vendorVolumeType: "HDD" },
      field: "vendorVolumeType",
    },
    {
      name: "a volume name with NUL",
      schema: VolumeCreate,
      body: { ...VOLUME, name: "v\u0000" },
      field: "name",
    },
    {
      name: "a VM mounting two volumes at one path",
      schema: VmCreate,
      body: { ...VM, volumeMountPaths: { "1": "/d", "2": "/d" } },
      field: "volumeMountPaths",
    },
    {
      name: "a VM mount key with a leading zero",
      schema: VmCreate,
      body: { ...VM, volumeMountPaths: { "01": "/d" } },
      field: "volumeMountPaths.01",
    },
    { name: "a blank VM name", schema: VmCreate, body: { ...VM, name: " " }, field: "name" },
    {
      name: "an unknown field, named on its own path",
      schema: CredentialCreate,
      body: { ...CREDENTIAL, token: "t" },
      field: "token",
    },
  ])("$name", ({ schema, body, field }) => {
    expect(refused(schema, body)).toMatch(new RegExp(`[:;] ${escaped(field)}: `));
  });

  test.each([
    {
      name: "a pod as the documents show it",
      schema: PodCreate,
      body: {
        ...POD,
        persistentVolumeInGb: 5,
        persistentMountPath: "/data",
        persistentVolumes: [vol("5", "/a")],
      },
    },
    {
      name: "a private image with its credential",
      schema: PodCreate,
      body: { ...POD, imagePublicType: "PRIVATE", containerRegistryAuthId: "7" },
    },
    { name: "gpuCount 2^30", schema: PodCreate, body: { ...POD, gpuCount: 2 ** 30 } },
    {
      name: "an id as a safe number",
      schema: PodCreate,
      body: { ...POD, containerRegistryAuthId: 4242 },
    },
    {
      name: "an id of 19 digits within int64",
      schema: PodCreate,
      body: { ...POD, containerRegistryAuthId: "9223372036854775807" },
    },
    {
      name: "an endpoint protocol in upper case",
      schema: EndpointCreate,
      body: { ...ENDPOINT, expose: { port: 80, protocol: "HTTP" } },
    },
    {
      name: "an R2 volume with a region",
      schema: VolumeCreate,
      body: { name: "v", storageType: "R2", region: "us-east-1" },
    },
    {
      name: "a VM with two mounts",
      schema: VmCreate,
      body: { ...VM, volumeMountPaths: { "1": "/a", "2": "/b" } },
    },
  ])("sends $name", ({ schema, body }) => {
    expect(refused(schema, body)).toBeUndefined();
  });

  it("sends an endpoint protocol in lower case", () => {
    const body = parseRequest(
      EndpointCreate,
      { ...ENDPOINT, expose: { port: 80, protocol: "TCP" } },
      "t",
    );
    expect(body.expose).toEqual({ port: 80, protocol: "tcp" });
  });
});

// ---- properties ----

const POD_STATUS = [
  "PENDING",
  "PREPARING",
  "INITIALIZING",
  "RUNNING",
  "PAUSING",
  "PAUSED",
  "STOPPED",
  "TERMINATING",
  "TERMINATED",
  "FAILED",
];

/** A pod as the service means it, before any wire variant is applied. */
const logicalPod = fc.record({
  id: fc.bigInt({ min: 10n ** 17n, max: 2n ** 63n - 1n }).map(String),
  name: fc.string({ minLength: 1, maxLength: 30 }),
  status: fc.constantFrom(...POD_STATUS),
  gpuCount: fc.constantFrom(1, 2, 4, 8),
  singleCardPrice: fc.integer({ min: 0, max: 100_000 }).map((cents) => cents / 100),
  createdAt: fc.integer({ min: Date.UTC(2020, 0, 1), max: Date.UTC(2100, 0, 1) }),
  environmentVars: fc.array(
    fc.record({ key: fc.string({ minLength: 1 }), value: fc.string({ minLength: 1 }) }),
    { maxLength: 4 },
  ),
  credentialId: fc.option(fc.bigInt({ min: 1n, max: 2n ** 63n - 1n }).map(String), {
    nil: undefined,
  }),
});

/** The ways the sources show the same pod on the wire. */
const variant = fc.record({
  idsAsNumbers: fc.boolean(),
  numbersAsStrings: fc.boolean(),
  timestamps: fc.constantFrom("epoch", "epochString", "iso", "isoOffset"),
  statusCase: fc.constantFrom("upper", "lower"),
  v1Initialize: fc.boolean(),
});

type LogicalPod = typeof logicalPod extends fc.Arbitrary<infer T> ? T : never;
type Variant = typeof variant extends fc.Arbitrary<infer T> ? T : never;

/** The response body text for `pod` in wire variant `v`, as a server would write it. */
function wire(pod: LogicalPod, v: Variant): string {
  const id = (value: string) => (v.idsAsNumbers ? int64(value) : value);
  const num = (value: number) => (v.numbersAsStrings ? String(value) : value);
  const iso = new Date(pod.createdAt).toISOString();
  const time = {
    epoch: pod.createdAt,
    epochString: String(pod.createdAt),
    iso,
    isoOffset: iso.replace("Z", "+00:00"),
  }[v.timestamps];
  let status = pod.status === "INITIALIZING" && v.v1Initialize ? "INITIALIZE" : pod.status;
  if (v.statusCase === "lower") status = status.toLowerCase();
  return stringifyJson({
    id: id(pod.id),
    name: pod.name,
    status,
    gpuCount: num(pod.gpuCount),
    singleCardPrice: num(pod.singleCardPrice),
    createdAt: time,
    environmentVars: pod.environmentVars,
    ...(pod.credentialId === undefined ? {} : { containerRegistryAuthId: id(pod.credentialId) }),
  });
}

describe("schema properties", () => {
  it("every wire variant of a pod reads as the same pod, ids exact", () => {
    fc.assert(
      fc.property(logicalPod, variant, variant, (pod, a, b) => {
        const fromA = Pod.parse(parseJson(wire(pod, a)));
        const fromB = Pod.parse(parseJson(wire(pod, b)));
        expect(fromA).toEqual(fromB);
        expect(fromA.id).toBe(pod.id);
        expect(fromA.containerRegistryAuthId).toBe(pod.credentialId);
        expect(fromA.status).toBe(pod.status);
        expect(fromA.createdAt).toBe(new Date(pod.createdAt).toISOString());
        expect(fromA.singleCardPrice).toBe(pod.singleCardPrice);
      }),
      { numRuns: 300 },
    );
  });

  it("what the schema accepts round-trips: parsing its own output, and through JSON, changes nothing", () => {
    fc.assert(
      fc.property(logicalPod, variant, (pod, v) => {
        const once = Pod.parse(parseJson(wire(pod, v)));
        expect(Pod.parse(once)).toEqual(once);
        expect(Pod.parse(parseJson(stringifyJson(once)))).toEqual(once);
      }),
      { numRuns: 300 },
    );
  });

  it("endpoints read the same from environmentVars and envVars, in any status case", () => {
    const env = fc.array(fc.record({ key: fc.string({ minLength: 1 }), value: fc.string() }), {
      maxLength: 5,
    });
    fc.assert(
      fc.property(
        env,
        fc.constantFrom("RUNNING", "running", "Running"),
        fc.integer({ min: 0, max: 100 }),
        (vars, status, workers) => {
          const common = { id: ID, name: "e", status, totalWorkers: workers };
          const a = Endpoint.parse({ ...common, environmentVars: vars });
          const b = Endpoint.parse({ ...common, envVars: vars, totalWorkers: String(workers) });
          expect(a).toEqual(b);
          expect(Endpoint.parse(a)).toEqual(a);
        },
      ),
    );
  });
});
