// A queue-based serverless endpoint: clients submit tasks, the service queues them and hands
// each to a free worker, so a burst waits in the queue instead of being refused.
import * as pulumi from "@pulumi/pulumi";
import * as yotta from "pulumi-yotta";
import { WORKER_PORT } from "./worker";

export = async () => {
  const config = new pulumi.Config();
  const region = config.get("region") ?? "us-east-1";

  const embeddings = new yotta.Endpoint("embeddings", {
    image: "ml-platform/embed-worker:1.0.0",
    serviceMode: "QUEUE",
    resources: [{ region, gpuType: "NVIDIA_RTX_4090_24G", gpuCount: 1 }],
    workers: config.getNumber("workers") ?? 1,
    containerVolumeInGb: 40,
    expose: { port: WORKER_PORT, protocol: "http" },
    environment: { MODEL: "BAAI/bge-large-en-v1.5" },
  });

  return {
    endpointId: embeddings.id,
    endpointName: embeddings.name,
    status: embeddings.status,
    runningWorkers: embeddings.runningWorkers,
    perHourPrice: embeddings.perHourPrice,
  };
};
