/**
 * Bad inputs, one row each, across the five resources: every one must be refused by `check`
 * naming the field, and `check` never calls the API (no emulator runs here). The rows marked
 * `mismatch` are the ones where `check` and the client's request schemas disagreed, so an input
 * passed a preview and then failed at `up`.
 */
import * as credential from "../../../provider/credential";
import * as endpoint from "../../../provider/endpoint";
import * as pod from "../../../provider/pod";
import * as vm from "../../../provider/vm";
import * as volume from "../../../provider/volume";
import type { Kind } from "../../../client";
import type { CheckResult } from "../../../provider/check";

type Inputs = Record<string, unknown>;

const GPU = "NVIDIA_RTX_4090_24G";
/** A real-looking id beyond 2^53: as a JS number it is already 378888638324150980. */
const BIG_ID_NUMBER = 378888638324150969;
const TWENTY_DIGITS = "12345678901234567890";
const ABOVE_INT64 = "9223372036854775808";
const INT32_OVER = 2 ** 31;

const BASE: Record<Kind, Inputs> = {
  pod: { name: "trainer", image: "pytorch/pytorch:2.4.0", gpuType: GPU, gpuCount: 1 },
  endpoint: {
    name: "llm",
    image: "vllm/vllm-openai:latest",
    resources: [{ region: "us-east-1", gpuType: GPU, gpuCount: 1 }],
    workers: 2,
    containerVolumeInGb: 40,
    serviceMode: "ALB",
  },
  volume: { name: "data", storageType: "CEPH", region: "us-east-1", sizeInGb: 100 },
  credential: { name: "registry", username: "me", password: "pw-secret" },
  vm: { name: "box", gpuType: GPU, region: "us-east-1" },
};

const CHECK: Record<Kind, (olds: Inputs, news: Inputs) => Promise<CheckResult>> = {
  pod: pod.check,
  endpoint: endpoint.check,
  volume: volume.check,
  credential: credential.check,
  vm: vm.check,
};

interface Row {
  kind: Kind;
  name: string;
  /** Merged over the resource's good inputs; `undefined` removes a field. */
  news: Inputs;
  property: string;
  mismatch?: true;
}

const mount = (volumeId: unknown, mountPath: string) => ({ volumeId, mountPath });
const res = (region: string, gpuCount: unknown = 1, gpuType = GPU) => ({
  region,
  gpuType,
  gpuCount,
});

const POD: Omit<Row, "kind">[] = [
  {
    name: "containerVolumeInGb 0",
    news: { containerVolumeInGb: 0 },
    property: "containerVolumeInGb",
    mismatch: true,
  },
  { name: "shmInGb 0", news: { shmInGb: 0 }, property: "shmInGb", mismatch: true },
  {
    name: "a 20-digit credentialId",
    news: { credentialId: TWENTY_DIGITS },
    property: "credentialId",
    mismatch: true,
  },
  {
    name: "credentialId beyond int64",
    news: { credentialId: ABOVE_INT64 },
    property: "credentialId",
    mismatch: true,
  },
  {
    name: "credentialId as a number beyond 2^53",
    news: { credentialId: BIG_ID_NUMBER },
    property: "credentialId",
    mismatch: true,
  },
  { name: "credentialId 0", news: { credentialId: "0" }, property: "credentialId", mismatch: true },
  {
    name: "credentialId with a leading zero",
    news: { credentialId: "0042" },
    property: "credentialId",
    mismatch: true,
  },
  { name: "credentialId a fraction", news: { credentialId: 1.5 }, property: "credentialId" },
  { name: "credentialId not digits", news: { credentialId: "hub" }, property: "credentialId" },
  {
    name: "adoptId as a number beyond 2^53",
    news: { adoptId: BIG_ID_NUMBER },
    property: "adoptId",
    mismatch: true,
  },
  { name: "adoptId not an id", news: { adoptId: "pod-1" }, property: "adoptId" },
  { name: "gpuCount 2^31", news: { gpuCount: 2 ** 31 }, property: "gpuCount", mismatch: true },
  {
    name: "gpuCount 3·2^32",
    news: { gpuCount: 3 * 2 ** 32 },
    property: "gpuCount",
    mismatch: true,
  },
  { name: "gpuCount 1e300", news: { gpuCount: 1e300 }, property: "gpuCount", mismatch: true },
  { name: "gpuCount 3", news: { gpuCount: 3 }, property: "gpuCount" },
  { name: "gpuCount 0", news: { gpuCount: 0 }, property: "gpuCount" },
  { name: "gpuCount 1.5", news: { gpuCount: 1.5 }, property: "gpuCount" },
  { name: "gpuCount as text", news: { gpuCount: "1" }, property: "gpuCount" },
  { name: "gpuCount missing", news: { gpuCount: undefined }, property: "gpuCount" },
  {
    name: "minSingleCardVcpu above int32",
    news: { minSingleCardVcpu: INT32_OVER },
    property: "minSingleCardVcpu",
    mismatch: true,
  },
  {
    name: "minSingleCardVramInGb 1e300",
    news: { minSingleCardVramInGb: 1e300 },
    property: "minSingleCardVramInGb",
  },
  {
    name: "minSingleCardRamInGb negative",
    news: { minSingleCardRamInGb: -1 },
    property: "minSingleCardRamInGb",
  },
  {
    name: "containerVolumeInGb above int32",
    news: { containerVolumeInGb: INT32_OVER },
    property: "containerVolumeInGb",
    mismatch: true,
  },
  {
    name: "containerVolumeInGb negative",
    news: { containerVolumeInGb: -1 },
    property: "containerVolumeInGb",
  },
  {
    name: "persistentVolumeInGb above int32",
    news: { persistentVolumeInGb: INT32_OVER, persistentMountPath: "/data" },
    property: "persistentVolumeInGb",
    mismatch: true,
  },
  {
    name: "persistentVolumeInGb a fraction",
    news: { persistentVolumeInGb: 1.5, persistentMountPath: "/data" },
    property: "persistentVolumeInGb",
  },
  {
    name: "shmInGb above int32",
    news: { shmInGb: INT32_OVER },
    property: "shmInGb",
    mismatch: true,
  },
  { name: "a whitespace-only name", news: { name: "   " }, property: "name", mismatch: true },
  { name: "a name with a newline", news: { name: "train\ner" }, property: "name", mismatch: true },
  { name: "a name with NUL", news: { name: "train\u0000er" }, property: "name", mismatch: true },
  { name: "an empty name", news: { name: "" }, property: "name" },
  { name: "a name over 255", news: { name: "x".repeat(256) }, property: "name" },
  {
    name: "an image with spaces",
    news: { image: "pytorch/pytorch 2.4" },
    property: "image",
    mismatch: true,
  },
  {
    name: "an image with a newline",
    news: { image: "pytorch\n" },
    property: "image",
    mismatch: true,
  },
  { name: "an empty image", news: { image: "" }, property: "image" },
  { name: "no image", news: { image: undefined }, property: "image" },
  { name: "an image over 255", news: { image: "i".repeat(256) }, property: "image" },
  {
    name: "an imageRegistry with a space",
    news: { imageRegistry: "ghcr .io" },
    property: "imageRegistry",
    mismatch: true,
  },
  {
    name: "an imageRegistry over 255",
    news: { imageRegistry: "r".repeat(256) },
    property: "imageRegistry",
  },
  {
    name: "imagePublicType in lower case",
    news: { imagePublicType: "private", credentialId: "7" },
    property: "imagePublicType",
  },
  {
    name: "a PRIVATE image without a credential",
    news: { imagePublicType: "PRIVATE" },
    property: "imagePublicType",
    mismatch: true,
  },
  { name: "resourceType TPU", news: { resourceType: "TPU" }, property: "resourceType" },
  { name: "no gpuType", news: { gpuType: undefined }, property: "gpuType" },
  { name: "an empty gpuType", news: { gpuType: "" }, property: "gpuType" },
  { name: "a repeated region", news: { regions: ["eu-2", "eu-2"] }, property: "regions" },
  { name: "an empty region", news: { regions: [""] }, property: "regions[0]" },
  {
    name: "a port above 65535",
    news: { expose: [{ port: 70000, protocol: "TCP" }] },
    property: "expose[0].port",
  },
  {
    name: "a negative port",
    news: { expose: [{ port: -1, protocol: "TCP" }] },
    property: "expose[0].port",
  },
  {
    name: "protocol UDP",
    news: { expose: [{ port: 80, protocol: "UDP" }] },
    property: "expose[0].protocol",
  },
  {
    name: "a port without protocol",
    news: { expose: [{ port: 80 }] },
    property: "expose[0].protocol",
  },
  {
    name: "the same port and protocol twice",
    news: {
      expose: [
        { port: 22, protocol: "SSH" },
        { port: 22, protocol: "SSH" },
      ],
    },
    property: "expose",
  },
  {
    name: "one port as two protocols",
    news: {
      expose: [
        { port: 8080, protocol: "HTTP" },
        { port: 8080, protocol: "TCP" },
      ],
    },
    property: "expose",
    mismatch: true,
  },
  {
    name: "an unknown field in a port",
    news: { expose: [{ port: 22, protocol: "SSH", host: "x" }] },
    property: "expose[0].host",
    mismatch: true,
  },
  { name: "an empty env value", news: { environment: { A: "" } }, property: "environment.A" },
  {
    name: "an env value that is not text",
    news: { environment: { A: 1 } },
    property: "environment.A",
  },
  {
    name: "an empty env name",
    news: { environment: { "": "x" } },
    property: 'environment[""]',
    mismatch: true,
  },
  {
    name: "an env name with =",
    news: { environment: { "A=B": "x" } },
    property: "environment.A=B",
    mismatch: true,
  },
  {
    name: "a persistent disk without a mount path",
    news: { persistentVolumeInGb: 50 },
    property: "persistentMountPath",
  },
  {
    name: "a mount path without a persistent disk",
    news: { persistentMountPath: "/data" },
    property: "persistentMountPath",
    mismatch: true,
  },
  {
    name: "a relative persistentMountPath",
    news: { persistentVolumeInGb: 50, persistentMountPath: "data" },
    property: "persistentMountPath",
    mismatch: true,
  },
  {
    name: "the same volume attached twice",
    news: { volumes: [mount("5", "/a"), mount("5", "/b")] },
    property: "volumes",
    mismatch: true,
  },
  {
    name: "the same mount path twice",
    news: { volumes: [mount("5", "/a"), mount("6", "/a")] },
    property: "volumes",
    mismatch: true,
  },
  {
    name: "a volume mounted at the persistent disk's path",
    news: { persistentVolumeInGb: 10, persistentMountPath: "/a", volumes: [mount("5", "/a")] },
    property: "volumes",
    mismatch: true,
  },
  {
    name: "a relative volume mount path",
    news: { volumes: [mount("5", "data")] },
    property: "volumes[0].mountPath",
    mismatch: true,
  },
  {
    name: "a volume id that is not an id",
    news: { volumes: [mount("vol-1", "/a")] },
    property: "volumes[0].volumeId",
  },
  {
    name: "a volume id as a number beyond 2^53",
    news: { volumes: [mount(BIG_ID_NUMBER, "/a")] },
    property: "volumes[0].volumeId",
    mismatch: true,
  },
  {
    name: "a volume of type NFS",
    news: { volumes: [{ ...mount("5", "/a"), volumeType: "NFS" }] },
    property: "volumes[0].volumeType",
  },
  { name: "running as text", news: { running: "yes" }, property: "running" },
  {
    name: "a timeout that is no duration",
    news: { timeouts: { create: "soon" } },
    property: "timeouts.create",
  },
  { name: "an unknown input", news: { gpuTpye: "x" }, property: "gpuTpye", mismatch: true },
];

const ENDPOINT: Omit<Row, "kind">[] = [
  {
    name: "resources[].gpuCount 1e300",
    news: { resources: [res("us-east-1", 1e300)] },
    property: "resources[0].gpuCount",
    mismatch: true,
  },
  {
    name: "resources[].gpuCount 2^31",
    news: { resources: [res("us-east-1", 2 ** 31)] },
    property: "resources[0].gpuCount",
    mismatch: true,
  },
  {
    name: "resources[].gpuCount 3·2^32",
    news: { resources: [res("us-east-1", 3 * 2 ** 32)] },
    property: "resources[0].gpuCount",
    mismatch: true,
  },
  {
    name: "resources[].gpuCount 3",
    news: { resources: [res("us-east-1", 3)] },
    property: "resources[0].gpuCount",
  },
  {
    name: "workers above int32",
    news: { workers: INT32_OVER },
    property: "workers",
    mismatch: true,
  },
  {
    name: "minSingleCardVcpu above int32",
    news: { minSingleCardVcpu: INT32_OVER },
    property: "minSingleCardVcpu",
    mismatch: true,
  },
  {
    name: "containerVolumeInGb above int32",
    news: { containerVolumeInGb: INT32_OVER },
    property: "containerVolumeInGb",
    mismatch: true,
  },
  {
    name: "minSingleCardRamInGb 1e300",
    news: { minSingleCardRamInGb: 1e300 },
    property: "minSingleCardRamInGb",
  },
  {
    name: "credentialId as a number beyond 2^53",
    news: { credentialId: BIG_ID_NUMBER },
    property: "credentialId",
    mismatch: true,
  },
  {
    name: "a 20-digit credentialId",
    news: { credentialId: TWENTY_DIGITS },
    property: "credentialId",
    mismatch: true,
  },
  { name: "credentialId not digits", news: { credentialId: "hub" }, property: "credentialId" },
  {
    name: "adoptId as a number beyond 2^53",
    news: { adoptId: BIG_ID_NUMBER },
    property: "adoptId",
    mismatch: true,
  },
  { name: "adoptId not an id", news: { adoptId: "ep-1" }, property: "adoptId" },
  {
    name: "an image with spaces",
    news: { image: "vllm/vllm openai" },
    property: "image",
    mismatch: true,
  },
  { name: "an empty image", news: { image: "" }, property: "image" },
  {
    name: "an imageRegistry over 255",
    news: { imageRegistry: "r".repeat(256) },
    property: "imageRegistry",
  },
  { name: "an unknown input", news: { gpuType: GPU }, property: "gpuType", mismatch: true },
  {
    name: "an unknown field in a resource",
    news: { resources: [{ ...res("us-east-1"), zone: "a" }] },
    property: "resources[0].zone",
    mismatch: true,
  },
  {
    name: "an empty env name",
    news: { environment: { "": "x" } },
    property: 'environment[""]',
    mismatch: true,
  },
  {
    name: "an empty env value",
    news: { environment: { MODEL: "" } },
    property: "environment.MODEL",
  },
  { name: "a name starting with a digit", news: { name: "9lives" }, property: "name" },
  { name: "a name over 20", news: { name: "a".repeat(21) }, property: "name" },
  { name: "a name with a space", news: { name: "my llm" }, property: "name" },
  { name: "a whitespace-only name", news: { name: "   " }, property: "name" },
  { name: "a name with a newline", news: { name: "llm\n" }, property: "name" },
  { name: "no resources", news: { resources: undefined }, property: "resources" },
  { name: "empty resources", news: { resources: [] }, property: "resources" },
  {
    name: "mixed gpuCounts",
    news: { resources: [res("us-east-1", 1), res("us-west-1", 2)] },
    property: "resources",
  },
  {
    name: "a repeated region and gpuType",
    news: { resources: [res("us-east-1"), res("us-east-1")] },
    property: "resources",
  },
  { name: "an empty region", news: { resources: [res("")] }, property: "resources[0].region" },
  { name: "workers 0", news: { workers: 0 }, property: "workers" },
  { name: "workers 1.5", news: { workers: 1.5 }, property: "workers" },
  { name: "no workers", news: { workers: undefined }, property: "workers" },
  {
    name: "containerVolumeInGb 19",
    news: { containerVolumeInGb: 19 },
    property: "containerVolumeInGb",
  },
  {
    name: "minSingleCardVcpu negative",
    news: { minSingleCardVcpu: -1 },
    property: "minSingleCardVcpu",
  },
  {
    name: "expose.port 0",
    news: { expose: { port: 0, protocol: "http" } },
    property: "expose.port",
  },
  {
    name: "expose.port 65536",
    news: { expose: { port: 65536, protocol: "http" } },
    property: "expose.port",
  },
  {
    name: "expose.protocol udp",
    news: { expose: { port: 80, protocol: "udp" } },
    property: "expose.protocol",
  },
  {
    name: "expose as a list",
    news: { expose: [{ port: 80, protocol: "http" }] },
    property: "expose",
  },
  { name: "serviceMode LB", news: { serviceMode: "LB" }, property: "serviceMode" },
  { name: "a webhook over 512", news: { webhook: "w".repeat(513) }, property: "webhook" },
  { name: "running as text", news: { running: "yes" }, property: "running" },
  {
    name: "a timeout that is no duration",
    news: { timeouts: { update: "later" } },
    property: "timeouts.update",
  },
];

const VOLUME: Omit<Row, "kind">[] = [
  { name: "a whitespace-only name", news: { name: "   " }, property: "name", mismatch: true },
  { name: "a name with a newline", news: { name: "da\nta" }, property: "name", mismatch: true },
  { name: "a name with NUL", news: { name: "da\u0000ta" }, property: "name", mismatch: true },
  { name: "an empty name", news: { name: "" }, property: "name" },
  { name: "a name over 255", news: { name: "n".repeat(256) }, property: "name" },
  {
    name: "adoptId as a number beyond 2^53",
    news: { adoptId: BIG_ID_NUMBER },
    property: "adoptId",
    mismatch: true,
  },
  {
    name: "adoptId beyond int64",
    news: { adoptId: ABOVE_INT64 },
    property: "adoptId",
    mismatch: true,
  },
  { name: "adoptId not an id", news: { adoptId: "vol-1" }, property: "adoptId" },
  { name: "an unknown input", news: { size: 10 }, property: "size", mismatch: true },
  { name: "no storageType", news: { storageType: undefined }, property: "storageType" },
  { name: "storageType NFS", news: { storageType: "NFS" }, property: "storageType" },
  { name: "CEPH without region", news: { region: undefined }, property: "region" },
  { name: "CEPH without size", news: { sizeInGb: undefined }, property: "sizeInGb" },
  {
    name: "VENDOR without its type",
    news: { storageType: "VENDOR" },
    property: "vendorVolumeType",
  },
  {
    name: "vendorVolumeType SSD",
    news: { storageType: "VENDOR", vendorVolumeType: "SSD" },
    property: "vendorVolumeType",
  },
  {
    name: "vendorVolumeType on CEPH",
    news: { vendorVolumeType: "NVMe" },
    property: "vendorVolumeType",
  },
  { name: "region on S3", news: { storageType: "S3", sizeInGb: undefined }, property: "region" },
  { name: "size on S3", news: { storageType: "S3", region: undefined }, property: "sizeInGb" },
  { name: "size on R2", news: { storageType: "R2" }, property: "sizeInGb" },
  { name: "sizeInGb 0", news: { sizeInGb: 0 }, property: "sizeInGb" },
  { name: "sizeInGb 10241", news: { sizeInGb: 10241 }, property: "sizeInGb" },
  { name: "sizeInGb 1.5", news: { sizeInGb: 1.5 }, property: "sizeInGb" },
  { name: "sizeInGb 1e300", news: { sizeInGb: 1e300 }, property: "sizeInGb" },
  { name: "an empty region", news: { region: "" }, property: "region" },
  {
    name: "a timeout that is no duration",
    news: { timeouts: { create: "soon" } },
    property: "timeouts.create",
  },
];

const CREDENTIAL: Omit<Row, "kind">[] = [
  {
    name: "adoptId as a number beyond 2^53",
    news: { adoptId: BIG_ID_NUMBER },
    property: "adoptId",
    mismatch: true,
  },
  {
    name: "a 20-digit adoptId",
    news: { adoptId: TWENTY_DIGITS },
    property: "adoptId",
    mismatch: true,
  },
  { name: "adoptId not an id", news: { adoptId: "cred-1" }, property: "adoptId" },
  { name: "an unknown input", news: { token: "t" }, property: "token", mismatch: true },
  { name: "a name starting with a digit", news: { name: "1registry" }, property: "name" },
  { name: "a name over 20", news: { name: "a".repeat(21) }, property: "name" },
  { name: "a name with a space", news: { name: "my registry" }, property: "name" },
  { name: "a whitespace-only name", news: { name: "  " }, property: "name" },
  { name: "an empty name", news: { name: "" }, property: "name" },
  { name: "no username", news: { username: undefined }, property: "username" },
  { name: "an empty username", news: { username: "" }, property: "username" },
  { name: "a username over 255", news: { username: "u".repeat(256) }, property: "username" },
  { name: "no password", news: { password: undefined }, property: "password" },
  { name: "an empty password", news: { password: "" }, property: "password" },
  { name: "a password over 255", news: { password: "p".repeat(256) }, property: "password" },
  { name: "type QUAY", news: { type: "QUAY" }, property: "type" },
];

const VM: Omit<Row, "kind">[] = [
  { name: "a whitespace-only name", news: { name: " " }, property: "name", mismatch: true },
  { name: "a name with a newline", news: { name: "bo\nx" }, property: "name", mismatch: true },
  { name: "a name with NUL", news: { name: "box\u0000" }, property: "name", mismatch: true },
  { name: "an empty name", news: { name: "" }, property: "name" },
  { name: "a name over 255", news: { name: "v".repeat(256) }, property: "name" },
  {
    name: "adoptId as a number beyond 2^53",
    news: { adoptId: BIG_ID_NUMBER },
    property: "adoptId",
    mismatch: true,
  },
  { name: "adoptId not an id", news: { adoptId: "vm-1" }, property: "adoptId" },
  { name: "an unknown input", news: { vmTypeId: "1000" }, property: "vmTypeId", mismatch: true },
  { name: "no gpuType", news: { gpuType: undefined }, property: "gpuType" },
  { name: "an empty gpuType", news: { gpuType: "" }, property: "gpuType" },
  { name: "no region", news: { region: undefined }, property: "region" },
  { name: "isSpot as 1", news: { isSpot: 1 }, property: "isSpot" },
  {
    name: "a mount key that is no id",
    news: { volumeMountPaths: { "vol-1": "/data" } },
    property: "volumeMountPaths.vol-1",
  },
  {
    name: "a mount key beyond int64",
    news: { volumeMountPaths: { [ABOVE_INT64]: "/data" } },
    property: `volumeMountPaths.${ABOVE_INT64}`,
    mismatch: true,
  },
  {
    name: "a mount key with a leading zero",
    news: { volumeMountPaths: { "07": "/data" } },
    property: "volumeMountPaths.07",
    mismatch: true,
  },
  {
    name: "a relative mount path",
    news: { volumeMountPaths: { "1": "data" } },
    property: "volumeMountPaths.1",
  },
  {
    name: "a mount path with a newline",
    news: { volumeMountPaths: { "1": "/da\nta" } },
    property: "volumeMountPaths.1",
    mismatch: true,
  },
  {
    name: "two volumes at one path",
    news: { volumeMountPaths: { "1": "/data", "2": "/data" } },
    property: "volumeMountPaths",
  },
  {
    name: "a timeout that is no duration",
    news: { timeouts: { delete: "1 day" } },
    property: "timeouts.delete",
  },
];

const ROWS: Row[] = [
  ...POD.map((r) => ({ ...r, kind: "pod" as const })),
  ...ENDPOINT.map((r) => ({ ...r, kind: "endpoint" as const })),
  ...VOLUME.map((r) => ({ ...r, kind: "volume" as const })),
  ...CREDENTIAL.map((r) => ({ ...r, kind: "credential" as const })),
  ...VM.map((r) => ({ ...r, kind: "vm" as const })),
];

function merged(base: Inputs, news: Inputs): Inputs {
  const out: Inputs = { ...base, ...news };
  for (const [key, value] of Object.entries(news)) if (value === undefined) delete out[key];
  return out;
}

describe("the good inputs the rows start from pass", () => {
  test.each(Object.keys(BASE) as Kind[])("%s", async (kind) => {
    expect((await CHECK[kind]({}, BASE[kind])).failures).toEqual([]);
  });
});

describe("check refuses every bad input, naming the field", () => {
  test.each(ROWS)("$kind: $name → $property", async ({ kind, news, property }) => {
    const { failures } = await CHECK[kind]({}, merged(BASE[kind], news));
    expect(failures.map((f) => f.property)).toContain(property);
    for (const failure of failures) expect(failure.reason).toMatch(/\w/);
    // Secrets never appear in a reason.
    expect(failures.map((f) => f.reason).join(" ")).not.toContain("pw-secret");
  });
});

describe("ids given as numbers", () => {
  test.each([
    { kind: "pod" as const, field: "credentialId" },
    { kind: "endpoint" as const, field: "credentialId" },
    { kind: "volume" as const, field: "adoptId" },
  ])("$kind.$field: a safe integer is taken as its digits", async ({ kind, field }) => {
    const { inputs, failures } = await CHECK[kind]({}, { ...BASE[kind], [field]: 4242 });
    expect(failures).toEqual([]);
    expect(inputs[field]).toBe("4242");
  });

  test("beyond 2^53 the reason says to pass the id as a string", async () => {
    const { failures } = await pod.check({}, { ...BASE.pod, credentialId: BIG_ID_NUMBER });
    expect(failures).toEqual([
      { property: "credentialId", reason: expect.stringContaining("pass the id as a string") },
    ]);
  });
});
