// The stack an upgrade fixture holds: one of every resource kind and a small fleet with a shared
// volume. scripts/make-upgrade-fixture.ts deploys it with the release a fixture is made from and
// keeps a copy beside that fixture; tests/e2e/upgrade.test.ts runs the copy again with the current
// code. A fixture's copy never changes once committed: it is the program that user deployed.
//
// It imports only `pulumi-yotta` (and nothing of this repository), because it runs against the
// release's package and against the current one.
import * as yotta from "pulumi-yotta";

const REGION = "us-east-1";
const GPU = "NVIDIA_RTX_4090_24G";

/** What the upgrade test changes: one field of each kind, and the fleet's size. */
export interface Spec {
  credentialPassword: string;
  volumeSizeInGb: number;
  podRunning: boolean;
  endpointWorkers: number;
  vmName: string;
  fleetReplicas: number;
}

/** The stack as the release deployed it. */
export const DEPLOYED: Spec = {
  credentialPassword: "registry-password-1",
  volumeSizeInGb: 50,
  podRunning: true,
  endpointWorkers: 1,
  vmName: "upgrade-devbox",
  fleetReplicas: 2,
};

/** The update the test applies with the current code: every field changes in place. */
export const UPDATED: Spec = {
  credentialPassword: "registry-password-2",
  volumeSizeInGb: 80,
  podRunning: false,
  endpointWorkers: 2,
  vmName: "upgrade-devbox-renamed",
  fleetReplicas: 3,
};

/** How UPDATED shows in the emulator: the record of a resource (by Pulumi name) and a field. */
export interface UpdateCheck {
  resource: string;
  kind: "pod" | "endpoint" | "volume" | "credential" | "vm";
  field: string;
  value: unknown;
}

export const UPDATE_CHECKS: UpdateCheck[] = [
  {
    resource: "registry",
    kind: "credential",
    field: "password",
    value: UPDATED.credentialPassword,
  },
  { resource: "datasets", kind: "volume", field: "sizeInGb", value: UPDATED.volumeSizeInGb },
  { resource: "notebook", kind: "pod", field: "status", value: "PAUSED" },
  { resource: "inference", kind: "endpoint", field: "workers", value: UPDATED.endpointWorkers },
  { resource: "devbox", kind: "vm", field: "name", value: UPDATED.vmName },
];

/**
 * The engine's counts for the update from DEPLOYED to UPDATED, `same` left out: the five fields
 * above in place, and the fleet's third replica created beside the two it keeps.
 */
export const UPDATE_CHANGES: Record<string, number> = { update: 5, create: 1 };

export function program(spec: Spec): () => Promise<Record<string, unknown>> {
  return async () => {
    // Autonamed: the name the release derived must survive the upgrade unchanged.
    const registry = new yotta.Credential("registry", {
      type: "DOCKER_HUB",
      username: "ml-platform",
      password: spec.credentialPassword,
    });
    // Nothing mounts it: a mounted volume cannot be resized.
    const datasets = new yotta.Volume("datasets", {
      name: "upgrade-datasets",
      storageType: "CEPH",
      region: REGION,
      sizeInGb: spec.volumeSizeInGb,
    });
    const notebook = new yotta.Pod("notebook", {
      image: "ml-platform/notebook:1.0.0",
      imagePublicType: "PRIVATE",
      credentialId: registry.id,
      gpuType: GPU,
      gpuCount: 1,
      regions: [REGION],
      environment: { JUPYTER_PORT: "8888" },
      expose: [{ port: 22, protocol: "SSH" }],
      running: spec.podRunning,
    });
    const inference = new yotta.Endpoint("inference", {
      image: "ml-platform/serve:1.0.0",
      credentialId: registry.id,
      serviceMode: "ALB",
      resources: [{ region: REGION, gpuType: GPU, gpuCount: 1 }],
      workers: spec.endpointWorkers,
      containerVolumeInGb: 40,
      environment: { MODEL_DIR: "/models/current" },
      expose: { port: 8000, protocol: "http" },
    });
    const devbox = new yotta.Vm("devbox", { name: spec.vmName, gpuType: GPU, region: REGION });
    const fleet = new yotta.GpuFleet("workers", {
      replicas: spec.fleetReplicas,
      template: {
        image: "pytorch/pytorch:2.4.0",
        gpuCount: 1,
        expose: [{ port: 22, protocol: "SSH" }],
      },
      placements: [{ gpuType: "NVIDIA_H100_80G", regions: [REGION] }],
      sharedVolume: { sizeInGb: 20, mountPath: "/data" },
      budget: { maxGpus: 4 },
    });
    return {
      credentialId: registry.id,
      volumeId: datasets.id,
      podStatus: notebook.status,
      endpointWorkers: inference.runningWorkers,
      vmName: devbox.name,
      fleet: fleet.replicas,
    };
  };
}
