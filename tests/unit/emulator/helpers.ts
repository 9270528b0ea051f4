import { startEmulator, type EmulatorOptions, type RunningEmulator } from "../../../emulator";
import { parseJson } from "../../../emulator/json";

export interface Reply {
  status: number;
  headers: Headers;
  text: string;
  /** The parsed body; integers beyond 2^53 come back as bigint. */
  body: { message: string; code: number; data: any }; // eslint-disable-line @typescript-eslint/no-explicit-any -- tests index into arbitrary response data
}

export interface Api {
  emulator: RunningEmulator;
  call(
    method: string,
    path: string,
    body?: unknown,
    headers?: Record<string, string>,
  ): Promise<Reply>;
  /** Calls and expects code 10000; returns `data`. */
  ok(method: string, path: string, body?: unknown): Promise<any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- see Reply.body
  close(): Promise<void>;
}

/** Starts an emulator and returns a small client for it. */
export async function startApi(options: EmulatorOptions = {}): Promise<Api> {
  const emulator = await startEmulator(options);
  const call = async (
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<Reply> => {
    const init: RequestInit = { method, headers: { "x-api-key": emulator.apiKey, ...headers } };
    if (body !== undefined) {
      init.body = typeof body === "string" ? body : JSON.stringify(body);
      (init.headers as Record<string, string>)["content-type"] ??= "application/json";
    }
    const response = await fetch(`${emulator.url}${path}`, init);
    const text = await response.text();
    let parsed: Reply["body"];
    try {
      parsed = parseJson(text) as Reply["body"];
    } catch {
      parsed = { message: text, code: -1, data: null };
    }
    return { status: response.status, headers: response.headers, text, body: parsed };
  };
  return {
    emulator,
    call,
    ok: async (method, path, body) => {
      const reply = await call(method, path, body);
      if (reply.body.code !== 10000) {
        throw new Error(`${method} ${path} answered ${reply.status} ${reply.text}`);
      }
      return reply.body.data;
    },
    close: () => emulator.close(),
  };
}

export const POD = {
  name: "trainer",
  image: "pytorch/pytorch:2.4.0-cuda12.4-cudnn9-runtime",
  gpuType: "NVIDIA_RTX_4090_24G",
  gpuCount: 1,
};

export const ENDPOINT = {
  name: "llama-inference",
  image: "vllm/vllm-openai:latest",
  resources: [{ region: "us-east-1", gpuType: "NVIDIA_RTX_4090_24G", gpuCount: 1 }],
  workers: 2,
  containerVolumeInGb: 120,
  serviceMode: "QUEUE",
};

export const CEPH_VOLUME = {
  name: "data",
  storageType: "CEPH",
  region: "us-east-1",
  sizeInGb: 100,
};

export const CREDENTIAL = {
  name: "dockerhub",
  type: "DOCKER_HUB",
  username: "me",
  password: "s3cret",
};
