/**
 * What the emulated cloud sells: GPU types (yotta-api.md §7), the regions that offer them, and
 * prices. The codes, display names and VRAM come from the vendor's tables; the regions per type,
 * the host shapes and the prices are the emulator's own invention (the documents publish none),
 * chosen to look like a real GPU cloud.
 */

export interface Region {
  code: string;
  name: string;
  /** The short location code pods report (the v1 example shows "OR"). */
  location: string;
}

export const REGIONS: readonly Region[] = [
  { code: "us-east-1", name: "US East 1 (Virginia)", location: "VA" },
  { code: "us-east-2", name: "US East 2 (Ohio)", location: "OH" },
  { code: "us-east-3", name: "US East 3 (New Jersey)", location: "NJ" },
  { code: "us-east-4", name: "US East 4 (Georgia)", location: "GA" },
  { code: "us-west-1", name: "US West 1 (California)", location: "CA" },
  { code: "us-west-2", name: "US West 2 (Oregon)", location: "OR" },
  { code: "us-central-2", name: "US Central 2 (Texas)", location: "TX" },
  { code: "us-central-3", name: "US Central 3 (Iowa)", location: "IA" },
  { code: "us-central-7", name: "US Central 7 (Kansas)", location: "KS" },
  { code: "eu-2", name: "EU 2 (Frankfurt)", location: "DE" },
  { code: "eu-3", name: "EU 3 (Helsinki)", location: "FI" },
];

export interface GpuType {
  code: string;
  displayName: string;
  vramGb: number;
  /** USD per GPU-hour. */
  pricePerHour: number;
  /** Host RAM and vCPUs that come with one card. */
  ramGb: number;
  vcpu: number;
  regions: readonly string[];
}

const CONSUMER = ["us-east-1", "us-east-2", "us-west-1", "us-central-2", "eu-2"];
const DATACENTER = ["us-east-1", "us-east-3", "us-east-4", "us-west-2", "us-central-3", "eu-3"];
const BLACKWELL = ["us-east-4", "us-central-7"];

function gpu(
  code: string,
  displayName: string,
  vramGb: number,
  pricePerHour: number,
  regions: readonly string[],
): GpuType {
  // Hosts give each card RAM and vCPUs roughly in proportion to its memory.
  const ramGb = Math.max(16, Math.min(256, vramGb * 2));
  const vcpu = Math.max(4, Math.min(32, Math.round(vramGb / 6)));
  return { code, displayName, vramGb, pricePerHour, ramGb, vcpu, regions };
}

export const GPU_TYPES: readonly GpuType[] = [
  gpu("NVIDIA_RTX_4090_24G", "RTX 4090", 24, 0.75, CONSUMER),
  gpu("NVIDIA_RTX_5090_32G", "RTX 5090", 32, 0.99, CONSUMER),
  gpu("NVIDIA_RTX_A6000_48G", "RTX A6000", 48, 0.6, CONSUMER),
  gpu("NVIDIA_RTX_6000_Ada_48G", "RTX 6000 Ada", 48, 0.9, CONSUMER),
  gpu("NVIDIA_A100_PCIe_40G", "A100 PCIe 40G", 40, 1.2, DATACENTER),
  gpu("NVIDIA_A100_40G", "A100 40G", 40, 1.3, DATACENTER),
  gpu("NVIDIA_A100_PCIe_80G", "A100 PCIe 80G", 80, 1.6, DATACENTER),
  gpu("NVIDIA_A100_80G", "A100 80GB", 80, 1.8, DATACENTER),
  gpu("NVIDIA_H100_PCIe_80G", "H100 PCIe", 80, 2.2, DATACENTER),
  gpu("NVIDIA_H100_80G", "H100", 80, 2.5, DATACENTER),
  gpu("NVIDIA_RTX_PRO_6000_96G", "RTX PRO 6000", 96, 1.9, CONSUMER),
  gpu("NVIDIA_H200_141G", "H200", 141, 3.5, DATACENTER),
  gpu("NVIDIA_B200_180G", "B200", 180, 5.0, BLACKWELL),
  gpu("NVIDIA_B300_262G", "B300", 262, 6.5, ["us-central-7"]),
  gpu("AWS_Trainium_32G", "Trainium1", 32, 0.9, ["us-east-1"]),
  gpu("AMD_MI300X_192G", "MI300X", 192, 2.8, ["us-central-7", "eu-3"]),
  // Older codes the documents say are still seen.
  gpu("NVIDIA_L4_24G", "L4", 24, 0.6, ["us-west-1", "us-west-2"]),
  gpu("NVIDIA_H100_80GB_HBM3_80G", "H100 SXM", 80, 2.5, DATACENTER),
  gpu("NVIDIA_GeForce_RTX_4090_24G", "RTX 4090", 24, 0.75, CONSUMER),
  gpu("NVIDIA_GeForce_RTX_5090_32G", "RTX 5090", 32, 0.99, CONSUMER),
];

const GPU_BY_CODE = new Map(GPU_TYPES.map((g) => [g.code, g]));
const REGION_BY_CODE = new Map(REGIONS.map((r) => [r.code, r]));

export function isSupportedGpu(code: string): boolean {
  return GPU_BY_CODE.has(code);
}

export function gpuType(code: string): GpuType {
  const found = GPU_BY_CODE.get(code);
  if (!found) throw new Error(`unknown gpu type ${code}`);
  return found;
}

export function region(code: string): Region | undefined {
  return REGION_BY_CODE.get(code);
}

/** USD per GB-hour of pod container and persistent disk (the v1 example's figure). */
export const POD_DISK_PRICE_PER_GB_HOUR = 0.00005;

/** USD per GB-hour of volume storage; object stores bill by use, shown as 0. */
export function volumePricePerGbHour(storageType: string, vendorVolumeType: string | null): number {
  if (storageType === "CEPH") return 0.00007;
  if (storageType === "VENDOR") return vendorVolumeType === "NVMe" ? 0.0001 : 0.00004;
  return 0;
}

/** A VM type is one GPU type in one region; its id is stable across restarts. */
export interface VmType {
  vmTypeId: number;
  gpuType: GpuType;
  region: Region;
}

export const VM_TYPES: readonly VmType[] = GPU_TYPES.flatMap((g, gi) =>
  g.regions.map((code) => ({
    vmTypeId: 1000 + gi * 100 + REGIONS.findIndex((r) => r.code === code),
    gpuType: g,
    region: REGION_BY_CODE.get(code) as Region,
  })),
);

const VM_TYPE_BY_ID = new Map(VM_TYPES.map((t) => [String(t.vmTypeId), t]));

export function vmType(id: string): VmType | undefined {
  return VM_TYPE_BY_ID.get(id);
}

export function vmTypeFor(gpuCode: string, regionCode: string): VmType | undefined {
  return VM_TYPES.find((t) => t.gpuType.code === gpuCode && t.region.code === regionCode);
}
