import * as pulumi from "@pulumi/pulumi";
import {
  STORAGE_TYPES,
  YottaClient,
  type Credential,
  type Endpoint,
  type Pod,
  type StorageType,
  type Volume,
} from "../client";

/**
 * Where a lookup reads its credentials: given explicitly, else the stack's `yotta:apiKey` /
 * `yotta:apiUrl` when called inside a Pulumi program, else `YOTTA_API_KEY` / `YOTTA_API_URL`.
 */
export interface LookupOptions {
  apiKey?: string;
  apiUrl?: string;
}

/** A GPU type and the regions that offer it, from the service's VM types. */
export interface GpuTypeAvailability {
  gpuType: string;
  regions: { region: string; regionName?: string; available: boolean }[];
  /** The regions with capacity now. */
  availableRegions: string[];
}

/**
 * GPU types with their regions and whether each has capacity now: the service's only
 * availability lookup. Use it to choose `gpuType` and `regions` for a pod or a fleet.
 *
 * @example
 * ```ts
 * const h100 = (await yotta.getGpuTypes()).find((t) => t.gpuType === "NVIDIA_H100_80G");
 * const pod = new yotta.Pod("trainer", { gpuType: "NVIDIA_H100_80G", gpuCount: 8,
 *   regions: h100?.availableRegions, image: "pytorch/pytorch" });
 * ```
 */
export async function getGpuTypes(options: LookupOptions = {}): Promise<GpuTypeAvailability[]> {
  return withClient(options, async (client) =>
    (await client.vms.types()).map((type) => {
      const regions = type.regions.map((r) => ({
        region: r.region,
        regionName: r.regionName,
        available: r.available,
      }));
      return {
        gpuType: type.gpuType,
        regions,
        availableRegions: regions.filter((r) => r.available).map((r) => r.region),
      };
    }),
  );
}

/** Every pod in the account (terminated ones stay listed for about a day). */
export async function listPods(options: LookupOptions = {}): Promise<Pod[]> {
  return withClient(options, (client) => client.pods.list());
}

/** Every serverless endpoint in the account. */
export async function listEndpoints(options: LookupOptions = {}): Promise<Endpoint[]> {
  return withClient(options, (client) => client.endpoints.list());
}

/** Every volume, of one storage type or of all four. */
export async function listVolumes(
  options: LookupOptions & { storageType?: StorageType } = {},
): Promise<Volume[]> {
  const types = options.storageType ? [options.storageType] : STORAGE_TYPES;
  return withClient(options, async (client) => {
    const all: Volume[] = [];
    for (const storageType of types)
      all.push(...(await client.volumes.list({ storageType }).toArray()));
    return all;
  });
}

/** Every container-registry credential (passwords are never returned). */
export async function listCredentials(options: LookupOptions = {}): Promise<Credential[]> {
  return withClient(options, (client) => client.credentials.list());
}

async function withClient<T>(
  options: LookupOptions,
  use: (client: YottaClient) => Promise<T>,
): Promise<T> {
  const config = pulumi.runtime.hasEngine() ? new pulumi.Config("yotta") : undefined;
  const client = new YottaClient({
    apiKey: options.apiKey ?? config?.get("apiKey") ?? process.env.YOTTA_API_KEY,
    baseUrl: options.apiUrl ?? config?.get("apiUrl") ?? process.env.YOTTA_API_URL,
  });
  try {
    return await use(client);
  } finally {
    await client.close();
  }
}
