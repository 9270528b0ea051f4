// YOTTA_DEBUG=1 through the real engine: every kind deployed, updated and destroyed with a marker
// in each field that carries a secret by use (a start command's token, a webhook URL's query, a
// registry username and password, environment values) and the API key; the provider's debug
// lines, as the engine prints them, hold none of them.
import * as yotta from "pulumi-yotta";
import { collectOutput, createYottaStack, type YottaStack } from "../support/yotta-stack";

const API_KEY = "yk-live-debug-91c4e7a2";
const MARKERS = {
  command: "hf_cmd_5ecret_4471",
  webhook: "wh_5ecret_8830",
  username: "user-5ecret-2291",
  password: "pw-5ecret-6603",
  podEnv: "env-pod-5ecret-1177",
  endpointEnv: "env-ep-5ecret-5412",
  rotated: "env-ep-5ecret-rotated-9904",
  apiKey: API_KEY,
};

describe("debug logs hold no secret", () => {
  let t: YottaStack;
  let endpointEnv = MARKERS.endpointEnv;

  beforeAll(async () => {
    t = await createYottaStack({
      name: "e2e-debug-log",
      emulator: { apiKey: API_KEY },
      env: { YOTTA_DEBUG: "1" },
      program: async () => {
        const credential = new yotta.Credential("registry", {
          username: MARKERS.username,
          password: MARKERS.password,
        });
        const volume = new yotta.Volume("data", {
          storageType: "CEPH",
          region: "us-east-1",
          sizeInGb: 20,
        });
        new yotta.Pod("trainer", {
          image: "registry.example.com/team/trainer:1.0",
          credentialId: credential.id,
          gpuType: "NVIDIA_RTX_4090_24G",
          gpuCount: 1,
          regions: ["us-east-1"],
          volumes: [{ volumeId: volume.id, mountPath: "/data" }],
          initializationCommand: `huggingface-cli login --token ${MARKERS.command}`,
          environment: { HF_TOKEN: MARKERS.podEnv },
        });
        new yotta.Endpoint("server", {
          image: "vllm/vllm-openai:v0.6.0",
          resources: [{ region: "us-east-1", gpuType: "NVIDIA_RTX_4090_24G", gpuCount: 1 }],
          workers: 1,
          containerVolumeInGb: 20,
          serviceMode: "QUEUE",
          initializationCommand: `run --token ${MARKERS.command}`,
          webhook: `https://hooks.example.com/yotta?token=${MARKERS.webhook}`,
          environment: { API_TOKEN: endpointEnv },
        });
        new yotta.Vm("box", { gpuType: "NVIDIA_RTX_4090_24G", region: "us-east-1" });
      },
    });
  });

  afterAll(() => t?.dispose());

  test("up, an update, refresh and destroy", async () => {
    const output = collectOutput();
    await t.stack.up({ onOutput: output.onOutput });
    endpointEnv = MARKERS.rotated; // a PATCH carrying the environment and the webhook
    await t.stack.up({ onOutput: output.onOutput });
    await t.stack.refresh({ onOutput: output.onOutput });
    await t.stack.destroy({ onOutput: output.onOutput });

    const text = output.text();
    // The debug lines are there: the check below looks at them, not at silence.
    for (const call of [
      "yotta → POST /v2/pods",
      "yotta → POST /v2/serverless",
      "yotta → PATCH /v2/serverless/",
      "yotta → POST /v2/container-registry-auths",
      "yotta → POST /v2/volumes",
      "yotta → POST /v2/vms",
    ]) {
      expect({ call, seen: text.includes(call) }).toEqual({ call, seen: true });
    }
    expect(text).toContain("hooks.example.com/yotta?[redacted]");
    const leaked = Object.entries(MARKERS).filter(([, marker]) => text.includes(marker));
    expect(leaked).toEqual([]);
  });
});
