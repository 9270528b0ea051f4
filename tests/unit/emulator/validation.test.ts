/**
 * Every documented request rule, one row each: the emulator must refuse what the real service
 * refuses, with code 10001 and a message that names the field. HTTP 400 marks bodies that
 * cannot even be bound (wrong JSON types); broken rules are business errors on HTTP 200.
 */
import { CEPH_VOLUME, CREDENTIAL, ENDPOINT, POD, startApi, type Api } from "./helpers";

let api: Api;
const ids: Record<string, string> = {};

beforeAll(async () => {
  api = await startApi();
  ids.cred = (await api.ok("POST", "/v2/container-registry-auths", CREDENTIAL)).id;
  ids.vol = (await api.ok("POST", "/v2/volumes", CEPH_VOLUME)).id;
  ids.s3 = (await api.ok("POST", "/v2/volumes", { name: "bucket", storageType: "S3" })).id;
  ids.queue = (await api.ok("POST", "/v2/serverless", ENDPOINT)).id;
  ids.alb = (
    await api.ok("POST", "/v2/serverless", { ...ENDPOINT, name: "web", serviceMode: "ALB" })
  ).id;
  api.emulator.admin.settle();
  ids.worker = (await api.ok("GET", `/v2/serverless/${ids.queue}/workers`))[0].workerId;
  await api.ok("POST", `/v2/serverless/${ids.queue}/tasks`, {
    taskId: "taken",
    input: {},
    workerPort: 8000,
    processUri: "/run",
  });
});
afterAll(() => api.close());

type Body = Record<string, unknown> | (() => Record<string, unknown>);
type Row = [label: string, call: string, body: Body | undefined, status: number, message: string];

const long = (n: number): string => "a".repeat(n);
const pod = (patch: Record<string, unknown>): Body => ({ ...POD, ...patch });
const without = (base: Record<string, unknown>, key: string): Body => {
  const copy = { ...base };
  delete copy[key];
  return copy;
};
const endpoint = (patch: Record<string, unknown>): Body => ({ ...ENDPOINT, ...patch });
const patchBody = {
  name: "renamed",
  resources: ENDPOINT.resources,
  workers: 2,
  containerVolumeInGb: 120,
};
const task = { input: { prompt: "hi" }, workerPort: 8000, processUri: "/v1/chat" };
const vm = { vmTypeId: 1000, region: "us-east-1", name: "box" };

const podRows: Row[] = [
  ["name required", "POST /v2/pods", without(POD, "name"), 200, "name is required"],
  ["name non-empty", "POST /v2/pods", pod({ name: "" }), 200, "name must not be empty"],
  [
    "name ≤ 255",
    "POST /v2/pods",
    pod({ name: long(256) }),
    200,
    "name length must be between 1 and 255",
  ],
  ["name a string", "POST /v2/pods", pod({ name: 7 }), 400, "name must be a string"],
  ["image required", "POST /v2/pods", without(POD, "image"), 200, "image is required"],
  [
    "image ≤ 255",
    "POST /v2/pods",
    pod({ image: long(256) }),
    200,
    "image length must be between 1 and 255",
  ],
  [
    "imageRegistry ≤ 255",
    "POST /v2/pods",
    pod({ imageRegistry: long(256) }),
    200,
    "imageRegistry length must be between 0 and 255",
  ],
  [
    "imagePublicType enum",
    "POST /v2/pods",
    pod({ imagePublicType: "SECRET" }),
    200,
    "imagePublicType must be one of PUBLIC, PRIVATE",
  ],
  [
    "resourceType enum",
    "POST /v2/pods",
    pod({ resourceType: "TPU" }),
    200,
    "resourceType must be one of GPU, CPU",
  ],
  ["gpuType required", "POST /v2/pods", without(POD, "gpuType"), 200, "gpuType is required"],
  [
    "gpuType known",
    "POST /v2/pods",
    pod({ gpuType: "NVIDIA_X" }),
    200,
    "gpu type [NVIDIA_X] not supported",
  ],
  ["gpuCount required", "POST /v2/pods", without(POD, "gpuCount"), 200, "gpuCount is required"],
  [
    "gpuCount power of 2 (3)",
    "POST /v2/pods",
    pod({ gpuCount: 3 }),
    200,
    "gpuCount must be a power of 2",
  ],
  [
    "gpuCount power of 2 (0)",
    "POST /v2/pods",
    pod({ gpuCount: 0 }),
    200,
    "gpuCount must be a power of 2",
  ],
  ["gpuCount ≤ 8", "POST /v2/pods", pod({ gpuCount: 16 }), 200, "gpuCount must be at most 8"],
  [
    "gpuCount an integer, not a string",
    "POST /v2/pods",
    pod({ gpuCount: "1" }),
    400,
    "gpuCount must be an integer",
  ],
  [
    "gpuCount an integer, not a fraction",
    "POST /v2/pods",
    pod({ gpuCount: 1.5 }),
    400,
    "gpuCount must be an integer",
  ],
  [
    "regions known",
    "POST /v2/pods",
    pod({ regions: ["mars-1"] }),
    200,
    "regions[0] region [mars-1] not supported",
  ],
  [
    "regions unique",
    "POST /v2/pods",
    pod({ regions: ["us-east-1", "us-east-1"] }),
    200,
    "regions must not contain duplicates",
  ],
  [
    "regions an array",
    "POST /v2/pods",
    pod({ regions: "us-east-1" }),
    400,
    "regions must be an array of strings",
  ],
  [
    "regions offer the GPU",
    "POST /v2/pods",
    pod({ regions: ["us-east-2"], gpuType: "NVIDIA_H100_80G" }),
    200,
    "offer no gpu type [NVIDIA_H100_80G]",
  ],
  [
    "minSingleCardVramInGb within the GPU",
    "POST /v2/pods",
    pod({ minSingleCardVramInGb: 48 }),
    200,
    "minSingleCardVramInGb 48 exceeds",
  ],
  [
    "minSingleCardRamInGb ≥ 0",
    "POST /v2/pods",
    pod({ minSingleCardRamInGb: -1 }),
    200,
    "minSingleCardRamInGb must be at least 0",
  ],
  ["shmInGb ≥ 1", "POST /v2/pods", pod({ shmInGb: 0 }), 200, "shmInGb must be at least 1"],
  [
    "containerVolumeInGb ≥ 1",
    "POST /v2/pods",
    pod({ containerVolumeInGb: 0 }),
    200,
    "containerVolumeInGb must be at least 1",
  ],
  [
    "persistentMountPath with a persistent volume",
    "POST /v2/pods",
    pod({ persistentVolumeInGb: 10 }),
    200,
    "persistentMountPath is required when persistentVolumeInGb > 0",
  ],
  [
    "persistentMountPath only with a persistent volume",
    "POST /v2/pods",
    pod({ persistentMountPath: "/data" }),
    200,
    "persistentMountPath needs persistentVolumeInGb > 0",
  ],
  [
    "persistentMountPath absolute",
    "POST /v2/pods",
    pod({ persistentVolumeInGb: 10, persistentMountPath: "data" }),
    200,
    "persistentMountPath must be an absolute path",
  ],
  [
    "env key non-empty",
    "POST /v2/pods",
    pod({ environmentVars: [{ key: "", value: "v" }] }),
    200,
    "environmentVars[0].key must not be empty",
  ],
  [
    "env value required",
    "POST /v2/pods",
    pod({ environmentVars: [{ key: "K" }] }),
    200,
    "environmentVars[0].value is required",
  ],
  [
    "env value non-empty",
    "POST /v2/pods",
    pod({ environmentVars: [{ key: "K", value: "" }] }),
    200,
    "environmentVars[0].value must not be empty",
  ],
  [
    "expose port required",
    "POST /v2/pods",
    pod({ expose: [{ protocol: "SSH" }] }),
    200,
    "expose[0].port is required",
  ],
  [
    "expose port ≤ 65535",
    "POST /v2/pods",
    pod({ expose: [{ port: 65536, protocol: "TCP" }] }),
    200,
    "expose[0].port must be between 0 and 65535",
  ],
  [
    "expose port ≥ 0",
    "POST /v2/pods",
    pod({ expose: [{ port: -1, protocol: "TCP" }] }),
    200,
    "expose[0].port must be between 0 and 65535",
  ],
  [
    "expose protocol enum",
    "POST /v2/pods",
    pod({ expose: [{ port: 21, protocol: "FTP" }] }),
    200,
    "expose[0].protocol must be one of SSH, HTTP, TCP",
  ],
  [
    "expose ports unique",
    "POST /v2/pods",
    pod({ expose: [{ port: 22 }, { port: 22 }] }),
    200,
    "expose[1].port [22] is exposed twice",
  ],
  [
    "persistentVolumes mountPath required",
    "POST /v2/pods",
    () => pod({ persistentVolumes: [{ volumeId: ids.vol }] }) as Record<string, unknown>,
    200,
    "persistentVolumes[0].mountPath is required",
  ],
  [
    "persistentVolumes id required",
    "POST /v2/pods",
    pod({ persistentVolumes: [{ mountPath: "/d" }] }),
    200,
    "persistentVolumes[0].id is required",
  ],
  [
    "persistentVolumes volumeType required with id",
    "POST /v2/pods",
    () => pod({ persistentVolumes: [{ id: ids.vol, mountPath: "/d" }] }) as Record<string, unknown>,
    200,
    "persistentVolumes[0].volumeType is required",
  ],
  [
    "persistentVolumes id and volumeId agree",
    "POST /v2/pods",
    () =>
      pod({
        persistentVolumes: [{ id: ids.vol, volumeId: ids.s3, volumeType: "CEPH", mountPath: "/d" }],
      }) as Record<string, unknown>,
    200,
    "persistentVolumes[0].id and persistentVolumes[0].volumeId differ",
  ],
  [
    "persistentVolumes exist",
    "POST /v2/pods",
    pod({ persistentVolumes: [{ volumeId: "378888638324150969", mountPath: "/d" }] }),
    200,
    "persistentVolumes[0] volume [378888638324150969] does not exist",
  ],
  [
    "persistentVolumes mountPath absolute",
    "POST /v2/pods",
    () =>
      pod({ persistentVolumes: [{ volumeId: ids.vol, mountPath: "d" }] }) as Record<
        string,
        unknown
      >,
    200,
    "persistentVolumes[0].mountPath must be an absolute path",
  ],
  [
    "persistentVolumes mountPath unique",
    "POST /v2/pods",
    () =>
      pod({
        persistentVolumes: [
          { volumeId: ids.vol, mountPath: "/d" },
          { volumeId: ids.s3, mountPath: "/d" },
        ],
      }) as Record<string, unknown>,
    200,
    "persistentVolumes[1].mountPath [/d] is used twice",
  ],
  [
    "private image needs a credential",
    "POST /v2/pods",
    pod({ imagePublicType: "PRIVATE" }),
    200,
    "containerRegistryAuthId is required for a PRIVATE image",
  ],
  [
    "credential exists",
    "POST /v2/pods",
    pod({ containerRegistryAuthId: "378888638324150969" }),
    200,
    "containerRegistryAuthId [378888638324150969] does not exist",
  ],
  [
    "credential id an integer",
    "POST /v2/pods",
    pod({ containerRegistryAuthId: "abc" }),
    400,
    "containerRegistryAuthId must be an integer id",
  ],
];

const endpointRows: Row[] = [
  ["name required", "POST /v2/serverless", without(ENDPOINT, "name"), 200, "name is required"],
  [
    "name starts with a letter",
    "POST /v2/serverless",
    endpoint({ name: "1llama" }),
    200,
    "name must start with a letter",
  ],
  [
    "name characters",
    "POST /v2/serverless",
    endpoint({ name: "llama inference" }),
    200,
    "name must start with a letter and use only",
  ],
  [
    "name ≤ 20",
    "POST /v2/serverless",
    endpoint({ name: `a${long(20)}` }),
    200,
    "name length must be between 1 and 20",
  ],
  ["image required", "POST /v2/serverless", without(ENDPOINT, "image"), 200, "image is required"],
  [
    "image ≤ 255",
    "POST /v2/serverless",
    endpoint({ image: long(256) }),
    200,
    "image length must be between 1 and 255",
  ],
  [
    "imageRegistry ≤ 255",
    "POST /v2/serverless",
    endpoint({ imageRegistry: long(256) }),
    200,
    "imageRegistry length",
  ],
  [
    "resources required",
    "POST /v2/serverless",
    without(ENDPOINT, "resources"),
    200,
    "resources is required",
  ],
  [
    "resources non-empty",
    "POST /v2/serverless",
    endpoint({ resources: [] }),
    200,
    "resources must not be empty",
  ],
  [
    "resources region required",
    "POST /v2/serverless",
    endpoint({ resources: [{ gpuType: "NVIDIA_RTX_4090_24G", gpuCount: 1 }] }),
    200,
    "resources[0].region is required",
  ],
  [
    "resources region known",
    "POST /v2/serverless",
    endpoint({ resources: [{ region: "mars-1", gpuType: "NVIDIA_RTX_4090_24G", gpuCount: 1 }] }),
    200,
    "resources[0].region [mars-1] not supported",
  ],
  [
    "resources gpuType known",
    "POST /v2/serverless",
    endpoint({ resources: [{ region: "us-east-1", gpuType: "GTX_1080", gpuCount: 1 }] }),
    200,
    "gpu type [GTX_1080] not supported",
  ],
  [
    "resources gpuCount power of 2",
    "POST /v2/serverless",
    endpoint({ resources: [{ region: "us-east-1", gpuType: "NVIDIA_RTX_4090_24G", gpuCount: 6 }] }),
    200,
    "resources[0].gpuCount must be a power of 2",
  ],
  [
    "resources region offers the GPU",
    "POST /v2/serverless",
    endpoint({ resources: [{ region: "us-east-2", gpuType: "NVIDIA_H100_80G", gpuCount: 1 }] }),
    200,
    "resources[0] region [us-east-2] offers no gpu type",
  ],
  [
    "one gpuCount across resources",
    "POST /v2/serverless",
    endpoint({
      resources: [
        { region: "us-east-1", gpuType: "NVIDIA_RTX_4090_24G", gpuCount: 1 },
        { region: "us-east-2", gpuType: "NVIDIA_RTX_4090_24G", gpuCount: 2 },
      ],
    }),
    200,
    "resources must all use the same gpuCount",
  ],
  [
    "workers required",
    "POST /v2/serverless",
    without(ENDPOINT, "workers"),
    200,
    "workers is required",
  ],
  [
    "workers ≥ 1",
    "POST /v2/serverless",
    endpoint({ workers: 0 }),
    200,
    "workers must be between 1 and 100",
  ],
  [
    "containerVolumeInGb required",
    "POST /v2/serverless",
    without(ENDPOINT, "containerVolumeInGb"),
    200,
    "containerVolumeInGb is required",
  ],
  [
    "containerVolumeInGb ≥ 20",
    "POST /v2/serverless",
    endpoint({ containerVolumeInGb: 19 }),
    200,
    "containerVolumeInGb must be at least 20",
  ],
  [
    "serviceMode required",
    "POST /v2/serverless",
    without(ENDPOINT, "serviceMode"),
    200,
    "serviceMode is required",
  ],
  [
    "serviceMode enum",
    "POST /v2/serverless",
    endpoint({ serviceMode: "LAMBDA" }),
    200,
    "serviceMode must be one of ALB, QUEUE, CUSTOM",
  ],
  [
    "webhook ≤ 512",
    "POST /v2/serverless",
    endpoint({ webhook: `https://${long(510)}` }),
    200,
    "webhook length must be between 0 and 512",
  ],
  [
    "expose an object",
    "POST /v2/serverless",
    endpoint({ expose: [{ port: 8000, protocol: "http" }] }),
    400,
    "expose must be an object",
  ],
  [
    "expose port 1-65535",
    "POST /v2/serverless",
    endpoint({ expose: { port: 0, protocol: "http" } }),
    200,
    "expose.port must be between 1 and 65535",
  ],
  [
    "expose protocol required",
    "POST /v2/serverless",
    endpoint({ expose: { port: 8000 } }),
    200,
    "expose.protocol is required",
  ],
  [
    "expose protocol enum",
    "POST /v2/serverless",
    endpoint({ expose: { port: 8000, protocol: "udp" } }),
    200,
    "expose.protocol must be one of http, tcp",
  ],
  [
    "environmentVars or envVars",
    "POST /v2/serverless",
    endpoint({ environmentVars: [], envVars: [] }),
    200,
    "environmentVars and envVars",
  ],
  [
    "envVars entries checked",
    "POST /v2/serverless",
    endpoint({ envVars: [{ key: "K", value: "" }] }),
    200,
    "envVars[0].value must not be empty",
  ],
  [
    "credential exists",
    "POST /v2/serverless",
    endpoint({ containerRegistryAuthId: "378888638324150969" }),
    200,
    "containerRegistryAuthId [378888638324150969] does not exist",
  ],
  [
    "PATCH name required",
    "PATCH /v2/serverless/{alb}",
    without(patchBody, "name"),
    200,
    "name is required",
  ],
  [
    "PATCH resources required",
    "PATCH /v2/serverless/{alb}",
    without(patchBody, "resources"),
    200,
    "resources is required",
  ],
  [
    "PATCH workers required",
    "PATCH /v2/serverless/{alb}",
    without(patchBody, "workers"),
    200,
    "workers is required",
  ],
  [
    "PATCH containerVolumeInGb required",
    "PATCH /v2/serverless/{alb}",
    without(patchBody, "containerVolumeInGb"),
    200,
    "containerVolumeInGb is required",
  ],
  [
    "PATCH containerVolumeInGb ≥ 20",
    "PATCH /v2/serverless/{alb}",
    { ...patchBody, containerVolumeInGb: 10 },
    200,
    "containerVolumeInGb must be at least 20",
  ],
  [
    "PATCH credentialId exists",
    "PATCH /v2/serverless/{alb}",
    { ...patchBody, credentialId: "378888638324150969" },
    200,
    "credentialId [378888638324150969] does not exist",
  ],
  ["scale count required", "PUT /v2/serverless/{alb}/workers", undefined, 200, "count is required"],
  [
    "scale count ≥ 1",
    "PUT /v2/serverless/{alb}/workers?count=0",
    undefined,
    200,
    "count must be between 1 and 100",
  ],
  [
    "scale count an integer",
    "PUT /v2/serverless/{alb}/workers?count=two",
    undefined,
    400,
    "count must be an integer",
  ],
  [
    "workers statusList known",
    "GET /v2/serverless/{queue}/workers?statusList=ASLEEP",
    undefined,
    200,
    "statusList: unknown status [ASLEEP]",
  ],
  [
    "endpoint statusList known",
    "GET /v2/serverless?statusList=ASLEEP",
    undefined,
    200,
    "statusList: unknown status [ASLEEP]",
  ],
  [
    "task input required",
    "POST /v2/serverless/{queue}/tasks",
    without(task, "input"),
    200,
    "input is required",
  ],
  [
    "task workerPort required",
    "POST /v2/serverless/{queue}/tasks",
    without(task, "workerPort"),
    200,
    "workerPort is required",
  ],
  [
    "task workerPort 1-65535",
    "POST /v2/serverless/{queue}/tasks",
    { ...task, workerPort: 0 },
    200,
    "workerPort must be between 1 and 65535",
  ],
  [
    "task processUri required",
    "POST /v2/serverless/{queue}/tasks",
    without(task, "processUri"),
    200,
    "processUri is required",
  ],
  [
    "task processUri ≤ 255",
    "POST /v2/serverless/{queue}/tasks",
    { ...task, processUri: `/${long(255)}` },
    200,
    "processUri length must be between 1 and 255",
  ],
  [
    "taskId characters",
    "POST /v2/serverless/{queue}/tasks",
    { ...task, taskId: "my-task" },
    200,
    "taskId must use only letters, digits and _",
  ],
  [
    "taskId ≤ 255",
    "POST /v2/serverless/{queue}/tasks",
    { ...task, taskId: long(256) },
    200,
    "taskId length must be between 1 and 255",
  ],
  [
    "taskId unique",
    "POST /v2/serverless/{queue}/tasks",
    { ...task, taskId: "taken" },
    200,
    "taskId [taken] already exists",
  ],
  [
    "task webhook ≤ 512",
    "POST /v2/serverless/{queue}/tasks",
    { ...task, webhook: long(513) },
    200,
    "webhook length must be between 0 and 512",
  ],
  [
    "task webhookAuthKey ≤ 255",
    "POST /v2/serverless/{queue}/tasks",
    { ...task, webhookAuthKey: long(256) },
    200,
    "webhookAuthKey length must be between 0 and 255",
  ],
  [
    "task headers are strings",
    "POST /v2/serverless/{queue}/tasks",
    { ...task, headers: { "X-N": 1 } },
    400,
    "headers must be an object of strings",
  ],
  [
    "tasks only in QUEUE mode (submit)",
    "POST /v2/serverless/{alb}/tasks",
    task,
    200,
    "tasks need serviceMode QUEUE",
  ],
  [
    "tasks only in QUEUE mode (list)",
    "GET /v2/serverless/{alb}/tasks",
    undefined,
    200,
    "tasks need serviceMode QUEUE",
  ],
  [
    "tasks only in QUEUE mode (count)",
    "GET /v2/serverless/{alb}/tasks/count",
    undefined,
    200,
    "tasks need serviceMode QUEUE",
  ],
  [
    "task list status known",
    "GET /v2/serverless/{queue}/tasks?status=DONE",
    undefined,
    200,
    "status must be one of PROCESSING, DELIVERED, SUCCESS, FAILED",
  ],
  [
    "task list pageSize ≤ 100",
    "GET /v2/serverless/{queue}/tasks?pageSize=101",
    undefined,
    200,
    "pageSize must be between 1 and 100",
  ],
  [
    "task list pageNumber ≥ 1",
    "GET /v2/serverless/{queue}/tasks?pageNumber=0",
    undefined,
    200,
    "pageNumber must be at least 1",
  ],
  [
    "logs pageSize ≤ 1000",
    "GET /v2/serverless/{queue}/workers/{worker}/logs?pageSize=1001",
    undefined,
    200,
    "pageSize must be between 1 and 1000",
  ],
  [
    "logs direction enum",
    "GET /v2/serverless/{queue}/workers/{worker}/logs?direction=Sideways",
    undefined,
    200,
    "direction must be one of Forward, Backward",
  ],
  [
    "logs startTime a time",
    "GET /v2/serverless/{queue}/workers/{worker}/logs?startTime=yesterday",
    undefined,
    200,
    "startTime must be epoch milliseconds or ISO 8601",
  ],
  [
    "logs cursor in pairs",
    "GET /v2/serverless/{queue}/workers/{worker}/logs?searchAfterTime=1",
    undefined,
    200,
    "searchAfterTime and searchAfterOffset go together",
  ],
];

const volumeRows: Row[] = [
  ["name required", "POST /v2/volumes", without(CEPH_VOLUME, "name"), 200, "name is required"],
  [
    "name ≤ 255",
    "POST /v2/volumes",
    { ...CEPH_VOLUME, name: long(256) },
    200,
    "name length must be between 1 and 255",
  ],
  ["name unique", "POST /v2/volumes", CEPH_VOLUME, 200, "name [data] already exists"],
  [
    "storageType required",
    "POST /v2/volumes",
    without(CEPH_VOLUME, "storageType"),
    200,
    "storageType is required",
  ],
  [
    "storageType enum",
    "POST /v2/volumes",
    { ...CEPH_VOLUME, name: "v", storageType: "NFS" },
    200,
    "storageType must be one of S3, R2, CEPH, VENDOR",
  ],
  [
    "CEPH needs region",
    "POST /v2/volumes",
    { name: "v", storageType: "CEPH", sizeInGb: 10 },
    200,
    "region is required for storageType CEPH",
  ],
  [
    "CEPH needs sizeInGb",
    "POST /v2/volumes",
    { name: "v", storageType: "CEPH", region: "us-east-1" },
    200,
    "sizeInGb is required for storageType CEPH",
  ],
  [
    "VENDOR needs region",
    "POST /v2/volumes",
    { name: "v", storageType: "VENDOR", sizeInGb: 10, vendorVolumeType: "NVMe" },
    200,
    "region is required for storageType VENDOR",
  ],
  [
    "VENDOR needs vendorVolumeType",
    "POST /v2/volumes",
    { name: "v", storageType: "VENDOR", region: "us-east-1", sizeInGb: 10 },
    200,
    "vendorVolumeType is required for storageType VENDOR",
  ],
  [
    "vendorVolumeType enum",
    "POST /v2/volumes",
    {
      name: "v",
      storageType: "VENDOR",
      region: "us-east-1",
      sizeInGb: 10,
      vendorVolumeType: "SSD",
    },
    200,
    "vendorVolumeType must be one of NVMe, HDD",
  ],
  [
    "vendorVolumeType only for VENDOR",
    "POST /v2/volumes",
    { ...CEPH_VOLUME, name: "v", vendorVolumeType: "HDD" },
    200,
    "vendorVolumeType is not supported for storageType CEPH",
  ],
  [
    "sizeInGb ≥ 1",
    "POST /v2/volumes",
    { ...CEPH_VOLUME, name: "v", sizeInGb: 0 },
    200,
    "sizeInGb must be between 1 and 10240",
  ],
  [
    "sizeInGb ≤ 10240",
    "POST /v2/volumes",
    { ...CEPH_VOLUME, name: "v", sizeInGb: 10241 },
    200,
    "sizeInGb must be between 1 and 10240",
  ],
  [
    "S3 has no region",
    "POST /v2/volumes",
    { name: "v", storageType: "S3", region: "us-east-1" },
    200,
    "region is not supported for storageType S3",
  ],
  [
    "S3 has no size",
    "POST /v2/volumes",
    { name: "v", storageType: "S3", sizeInGb: 10 },
    200,
    "sizeInGb is not supported for storageType S3",
  ],
  [
    "R2 has no size",
    "POST /v2/volumes",
    { name: "v", storageType: "R2", sizeInGb: 10 },
    200,
    "sizeInGb is not supported for storageType R2",
  ],
  [
    "region known",
    "POST /v2/volumes",
    { ...CEPH_VOLUME, name: "v", region: "mars-1" },
    200,
    "region [mars-1] not supported",
  ],
  ["list needs storageType", "GET /v2/volumes", undefined, 200, "storageType is required"],
  [
    "list storageType enum",
    "GET /v2/volumes?storageType=NFS",
    undefined,
    200,
    "storageType must be one of",
  ],
  [
    "list size ≤ 100",
    "GET /v2/volumes?storageType=CEPH&size=101",
    undefined,
    200,
    "size must be between 1 and 100",
  ],
  [
    "list page ≥ 1",
    "GET /v2/volumes?storageType=CEPH&page=0",
    undefined,
    200,
    "page must be at least 1",
  ],
  [
    "list page an integer",
    "GET /v2/volumes?storageType=CEPH&page=one",
    undefined,
    400,
    "page must be an integer",
  ],
  ["rename name required", "POST /v2/volumes/{vol}/name", {}, 200, "name is required"],
  [
    "rename name unique",
    "POST /v2/volumes/{s3}/name",
    { name: "data" },
    200,
    "name [data] already exists",
  ],
  ["resize sizeInGb required", "POST /v2/volumes/{vol}/resize", {}, 200, "sizeInGb is required"],
  [
    "resize sizeInGb ≤ 10240",
    "POST /v2/volumes/{vol}/resize",
    { sizeInGb: 10241 },
    200,
    "sizeInGb must be between 1 and 10240",
  ],
  [
    "resize never shrinks",
    "POST /v2/volumes/{vol}/resize",
    { sizeInGb: 50 },
    200,
    "sizeInGb must be larger than the current size 100",
  ],
  [
    "resize only CEPH and VENDOR",
    "POST /v2/volumes/{s3}/resize",
    { sizeInGb: 50 },
    200,
    "sizeInGb cannot be changed for storageType S3",
  ],
];

const credentialRows: Row[] = [
  [
    "name required",
    "POST /v2/container-registry-auths",
    without(CREDENTIAL, "name"),
    200,
    "name is required",
  ],
  [
    "name starts with a letter",
    "POST /v2/container-registry-auths",
    { ...CREDENTIAL, name: "_hub" },
    200,
    "name must start with a letter",
  ],
  [
    "name ≤ 20",
    "POST /v2/container-registry-auths",
    { ...CREDENTIAL, name: `h${long(20)}` },
    200,
    "name length must be between 1 and 20",
  ],
  [
    "name unique",
    "POST /v2/container-registry-auths",
    CREDENTIAL,
    200,
    "name [dockerhub] already exists",
  ],
  [
    "type enum",
    "POST /v2/container-registry-auths",
    { ...CREDENTIAL, name: "q", type: "QUAY" },
    200,
    "type must be one of DOCKER_HUB, GCR, ECR, ACR, PRIVATE",
  ],
  [
    "username required",
    "POST /v2/container-registry-auths",
    without(CREDENTIAL, "username"),
    200,
    "username is required",
  ],
  [
    "username ≤ 255",
    "POST /v2/container-registry-auths",
    { ...CREDENTIAL, name: "q", username: long(256) },
    200,
    "username length must be between 1 and 255",
  ],
  [
    "password required",
    "POST /v2/container-registry-auths",
    without(CREDENTIAL, "password"),
    200,
    "password is required",
  ],
  [
    "password non-empty",
    "POST /v2/container-registry-auths",
    { ...CREDENTIAL, name: "q", password: "" },
    200,
    "password must not be empty",
  ],
  [
    "PATCH name pattern",
    "PATCH /v2/container-registry-auths/{cred}",
    { name: "9lives" },
    200,
    "name must start with a letter",
  ],
  [
    "PATCH password ≤ 255",
    "PATCH /v2/container-registry-auths/{cred}",
    { password: long(256) },
    200,
    "password length must be between 1 and 255",
  ],
];

const vmRows: Row[] = [
  ["vmTypeId required", "POST /v2/vms", without(vm, "vmTypeId"), 200, "vmTypeId is required"],
  [
    "vmTypeId exists",
    "POST /v2/vms",
    { ...vm, vmTypeId: 999 },
    200,
    "vmTypeId [999] does not exist",
  ],
  ["region required", "POST /v2/vms", without(vm, "region"), 200, "region is required"],
  [
    "region matches the type",
    "POST /v2/vms",
    { ...vm, region: "us-east-2" },
    200,
    "region [us-east-2] does not match vmTypeId [1000]",
  ],
  ["name required", "POST /v2/vms", without(vm, "name"), 200, "name is required"],
  [
    "isSpot boolean or 0/1",
    "POST /v2/vms",
    { ...vm, isSpot: "yes" },
    400,
    "isSpot must be a boolean or 0/1",
  ],
  [
    "volumeMountPaths keys are ids",
    "POST /v2/vms",
    { ...vm, volumeMountPaths: { data: "/data" } },
    200,
    "volumeMountPaths.data: [data] is not a volume id",
  ],
  [
    "volumeMountPaths paths absolute",
    "POST /v2/vms",
    () => ({ ...vm, volumeMountPaths: { [ids.vol as string]: "data" } }),
    200,
    "must be an absolute path",
  ],
  [
    "list status enum",
    "GET /v2/vms?status=sleeping",
    undefined,
    200,
    "status must be one of initializing, running, stopped, terminated",
  ],
  ["list size ≤ 100", "GET /v2/vms?size=500", undefined, 200, "size must be between 1 and 100"],
];

const requestRows: Row[] = [
  [
    "body a JSON object",
    "POST /v2/pods",
    "[1,2]" as unknown as Body,
    400,
    "request body must be a JSON object",
  ],
  [
    "body valid JSON",
    "POST /v2/pods",
    "{name:" as unknown as Body,
    400,
    "request body is not valid JSON",
  ],
  ["create needs a body", "POST /v2/volumes", undefined, 400, "request body must be a JSON object"],
  ["path id an integer", "DELETE /v2/volumes/12ab", undefined, 400, "id must be an integer"],
];

async function send([, call, body]: Row) {
  const [method, template] = call.split(" ") as [string, string];
  const path = template.replace(/\{(\w+)\}/g, (_, key: string) => ids[key] as string);
  const payload = typeof body === "function" ? body() : body;
  return api.call(method, path, payload);
}

describe.each([
  ["pods", podRows],
  ["endpoints", endpointRows],
  ["volumes", volumeRows],
  ["credentials", credentialRows],
  ["vms", vmRows],
  ["requests", requestRows],
])("%s: refused requests", (_group, rows) => {
  test.each(rows)("%s", async (...row) => {
    const [, , , status, message] = row;
    const reply = await send(row);
    expect(reply.status).toBe(status);
    expect(reply.body.code).toBe(10001);
    expect(reply.body.data).toBeNull();
    expect(reply.body.message).toContain(message);
  });
});

test("no refused create left anything behind", async () => {
  expect(await api.ok("GET", "/v2/pods")).toEqual([]);
  expect(await api.ok("GET", "/v2/vms")).toMatchObject({ total: 0 });
  expect((await api.ok("GET", "/v2/serverless")).length).toBe(2);
  expect((await api.ok("GET", "/v2/volumes?storageType=CEPH")).total).toBe(1);
  expect((await api.ok("GET", "/v2/container-registry-auths")).length).toBe(1);
});

test("a body with another content type is refused (HTTP 415)", async () => {
  const reply = await api.call("POST", "/v2/pods", JSON.stringify(POD), {
    "content-type": "text/plain",
  });
  expect(reply.status).toBe(415);
  expect(reply.body.code).toBe(10001);
});

test("unknown fields are ignored, like a Jackson backend ignores them", async () => {
  const created = await api.ok("POST", "/v2/container-registry-auths", {
    ...CREDENTIAL,
    name: "extra",
    colour: "blue",
  });
  expect(created).not.toHaveProperty("colour");
  await api.ok("DELETE", `/v2/container-registry-auths/${created.id}`);
});
