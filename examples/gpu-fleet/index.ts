// A small ML platform: a private registry credential, a shared CEPH volume for model weights,
// two training pods mounting it, and a queue-based serverless endpoint serving the model.
import * as pulumi from "@pulumi/pulumi";
import * as yotta from "pulumi-yotta";

export = async () => {
  const config = new pulumi.Config();
  const region = config.get("region") ?? "us-east-1";

  const registry = new yotta.Credential("registry", {
    type: "DOCKER_HUB",
    username: config.get("registryUsername") ?? "ml-platform",
    password: config.requireSecret("registryPassword"),
  });

  const weights = new yotta.Volume("weights", {
    storageType: "CEPH",
    region,
    sizeInGb: 100,
  });

  const trainers = ["trainer-a", "trainer-b"].map(
    (name) =>
      new yotta.Pod(name, {
        image: "ml-platform/trainer:1.4.0",
        imagePublicType: "PRIVATE",
        credentialId: registry.id,
        gpuType: "NVIDIA_RTX_4090_24G",
        gpuCount: 2,
        regions: [region],
        volumes: [{ volumeId: weights.id, mountPath: "/weights" }],
        environment: { WANDB_PROJECT: "fleet" },
        expose: [{ port: 22, protocol: "SSH" }],
      }),
  );

  const inference = new yotta.Endpoint("inference", {
    image: "ml-platform/serve:1.4.0",
    credentialId: registry.id,
    serviceMode: "QUEUE",
    resources: [{ region, gpuType: "NVIDIA_RTX_4090_24G", gpuCount: 1 }],
    workers: 1,
    containerVolumeInGb: 40,
    environment: { MODEL_DIR: "/models/current" },
  });

  const podCost = pulumi
    .all(trainers.map((t) => t.hourlyPrice))
    .apply((prices) => prices.reduce<number>((sum, p) => sum + (p ?? 0), 0));

  return {
    ssh: Object.fromEntries(trainers.map((t, i) => [`trainer-${i}`, t.sshCommand])),
    weightsVolumeId: weights.id,
    endpointId: inference.id,
    endpointDomain: inference.domain,
    endpointStatus: inference.status,
    hourlyCost: pulumi
      .all([podCost, inference.perHourPrice])
      .apply(([pods, endpoint]) => Math.round((pods + (endpoint ?? 0)) * 100) / 100),
  };
};
