import type { z } from "zod";
import {
  CredentialCreate,
  CredentialUpdate,
  EndpointCreate,
  EndpointUpdate,
  PodCreate,
  TaskSubmit,
  VmCreate,
  VolumeCreate,
  WorkerLogQuery,
} from "../../../client";
import { stringifyJson } from "../../../client/core/json";
import { parseRequest } from "../../../client/core/validation";

const ID = "378888638324150969";
const pod = { name: "p", image: "img", gpuType: "NVIDIA_RTX_4090_24G", gpuCount: 1 };
const update = {
  name: "llama",
  resources: [{ region: "us-east-1", gpuType: "NVIDIA_RTX_4090_24G", gpuCount: 1 }],
  workers: 1,
  containerVolumeInGb: 20,
};
const endpoint = {
  name: "llama",
  image: "vllm/vllm-openai",
  resources: [{ region: "us-east-1", gpuType: "NVIDIA_RTX_4090_24G", gpuCount: 1 }],
  workers: 1,
  containerVolumeInGb: 20,
  serviceMode: "QUEUE" as const,
};

/** The JSON text the client would send for `body`. */
function sent<S extends z.ZodType>(schema: S, body: z.input<S>): string {
  return stringifyJson(parseRequest(schema, body, "test"));
}

function refusal<S extends z.ZodType>(schema: S, body: unknown): string {
  try {
    parseRequest(schema, body, "things.create");
  } catch (error) {
    expect(error).toMatchObject({ kind: "invalid_params", call: "things.create" });
    return (error as Error).message;
  }
  throw new Error("the request was accepted");
}

describe("request bodies are sent in the documented shape", () => {
  it("id references go out as bare int64 numbers", () => {
    expect(sent(PodCreate, { ...pod, containerRegistryAuthId: ID })).toContain(
      `"containerRegistryAuthId":${ID}`,
    );
    expect(sent(EndpointUpdate, { ...update, credentialId: ID })).toContain(`"credentialId":${ID}`);
    expect(sent(VmCreate, { vmTypeId: "1000", region: "us-east-1", name: "v" })).toContain(
      '"vmTypeId":1000',
    );
  });

  it("a pod's volume carries both id spellings, whichever was given", () => {
    const text = sent(PodCreate, {
      ...pod,
      persistentVolumes: [{ volumeId: ID, volumeType: "CEPH", mountPath: "/data" }],
    });
    expect(text).toContain(
      `"persistentVolumes":[{"id":${ID},"volumeId":${ID},"volumeType":"CEPH","mountPath":"/data"}]`,
    );
  });

  it("isSpot goes out as 0/1", () => {
    expect(sent(VmCreate, { vmTypeId: 1000, region: "r", name: "v", isSpot: true })).toContain(
      '"isSpot":1',
    );
    expect(sent(VmCreate, { vmTypeId: 1000, region: "r", name: "v", isSpot: false })).toContain(
      '"isSpot":0',
    );
    expect(sent(VmCreate, { vmTypeId: 1000, region: "r", name: "v" })).not.toContain("isSpot");
  });

  it("log query times accept a Date, epoch ms or text", () => {
    const at = new Date("2024-01-15T08:10:00Z");
    expect(
      parseRequest(
        WorkerLogQuery,
        { startTime: at, endTime: 1705306260000, direction: "Backward" },
        "t",
      ),
    ).toEqual({
      startTime: "1705306200000",
      endTime: "1705306260000",
      direction: "Backward",
    });
  });
});

describe("request schemas are strict", () => {
  test.each([
    { name: "an unknown field", schema: PodCreate, body: { ...pod, gpus: 1 }, says: "gpus" },
    {
      name: "a GPU count that is not a power of two",
      schema: PodCreate,
      body: { ...pod, gpuCount: 3 },
      says: "gpuCount: must be a power of two",
    },
    {
      name: "a repeated region",
      schema: PodCreate,
      body: { ...pod, regions: ["a", "a"] },
      says: "regions",
    },
    {
      name: "persistent size without a mount path",
      schema: PodCreate,
      body: { ...pod, persistentVolumeInGb: 10 },
      says: "persistentMountPath",
    },
    {
      name: "a port out of range",
      schema: PodCreate,
      body: { ...pod, expose: [{ port: 70000, protocol: "TCP" }] },
      says: "expose[0].port",
    },
    {
      name: "an empty environment value",
      schema: PodCreate,
      body: { ...pod, environmentVars: [{ key: "A", value: "" }] },
      says: "environmentVars[0].value",
    },
    {
      name: "an id that is not digits",
      schema: PodCreate,
      body: { ...pod, containerRegistryAuthId: "abc" },
      says: "containerRegistryAuthId",
    },
    {
      name: "an id number that lost digits",
      schema: PodCreate,
      body: { ...pod, containerRegistryAuthId: 378888638324150980 },
      says: "lost digits",
    },
    {
      name: "a volume without its id",
      schema: PodCreate,
      body: { ...pod, persistentVolumes: [{ volumeType: "CEPH", mountPath: "/d" }] },
      says: "volumeId",
    },
    {
      name: "an endpoint name starting with a digit",
      schema: EndpointCreate,
      body: { ...endpoint, name: "1llama" },
      says: "name: must start with a letter",
    },
    {
      name: "an endpoint name over 20 characters",
      schema: EndpointCreate,
      body: { ...endpoint, name: "a".repeat(21) },
      says: "name",
    },
    {
      name: "mixed GPU counts",
      schema: EndpointCreate,
      body: {
        ...endpoint,
        resources: [...endpoint.resources, { region: "us-east-2", gpuType: "G", gpuCount: 2 }],
      },
      says: "same gpuCount",
    },
    {
      name: "no resources",
      schema: EndpointCreate,
      body: { ...endpoint, resources: [] },
      says: "resources",
    },
    {
      name: "a small container volume",
      schema: EndpointCreate,
      body: { ...endpoint, containerVolumeInGb: 19 },
      says: "containerVolumeInGb",
    },
    {
      name: "an unknown service mode",
      schema: EndpointCreate,
      body: { ...endpoint, serviceMode: "LB" },
      says: "serviceMode",
    },
    {
      name: "envVars (read, never sent)",
      schema: EndpointCreate,
      body: { ...endpoint, envVars: [] },
      says: "envVars",
    },
    {
      name: "image in an update",
      schema: EndpointUpdate,
      body: { ...update, image: "x" },
      says: "image",
    },
    {
      name: "a CEPH volume without size",
      schema: VolumeCreate,
      body: { name: "v", storageType: "CEPH", region: "r" },
      says: "sizeInGb: is required for CEPH",
    },
    {
      name: "a VENDOR volume without its type",
      schema: VolumeCreate,
      body: { name: "v", storageType: "VENDOR", region: "r", sizeInGb: 10 },
      says: "vendorVolumeType",
    },
    {
      name: "a volume too large",
      schema: VolumeCreate,
      body: { name: "v", storageType: "CEPH", region: "r", sizeInGb: 10241 },
      says: "sizeInGb",
    },
    {
      name: "a credential without password",
      schema: CredentialCreate,
      body: { name: "c", username: "u" },
      says: "password",
    },
    {
      name: "an empty credential update",
      schema: CredentialUpdate,
      body: {},
      says: "at least one of",
    },
    {
      name: "a task id with a dash",
      schema: TaskSubmit,
      body: { taskId: "a-b", input: {}, workerPort: 80, processUri: "/" },
      says: "taskId",
    },
    {
      name: "a task without input",
      schema: TaskSubmit,
      body: { workerPort: 80, processUri: "/" },
      says: "input: is required",
    },
    {
      name: "a relative VM mount path",
      schema: VmCreate,
      body: { vmTypeId: 1, region: "r", name: "v", volumeMountPaths: { "12": "data" } },
      says: "absolute path",
    },
    {
      name: "a log page over 1000",
      schema: WorkerLogQuery,
      body: { pageSize: 1001 },
      says: "pageSize",
    },
  ])("refuses $name before sending", ({ schema, body, says }) => {
    const message = refusal(schema, body);
    expect(message).toMatch(/^things\.create: invalid request, not sent: /);
    expect(message).toContain(says);
  });

  it("does not echo a password or environment value in its message", () => {
    const message = refusal(CredentialCreate, {
      name: "1bad",
      username: "u",
      password: "hunter2-secret",
    });
    expect(message).not.toContain("hunter2-secret");
    const env = refusal(PodCreate, {
      ...pod,
      gpuCount: 3,
      environmentVars: [{ key: "TOKEN", value: "tok-secret" }],
    });
    expect(env).not.toContain("tok-secret");
  });
});
