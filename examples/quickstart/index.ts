// One GPU pod with SSH, the smallest useful Yotta program.
import * as yotta from "pulumi-yotta";

export = async () => {
  const pod = new yotta.Pod("quickstart", {
    image: "pytorch/pytorch:2.4.0-cuda12.1-cudnn9-runtime",
    gpuType: "NVIDIA_RTX_4090_24G",
    gpuCount: 1,
    regions: ["us-east-1", "us-east-2"],
    expose: [{ port: 22, protocol: "SSH" }],
  });

  return {
    podId: pod.id,
    region: pod.region,
    ssh: pod.sshCommand,
    hourlyPrice: pod.hourlyPrice,
  };
};
