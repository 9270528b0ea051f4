// `timeouts` is decided once for every resource (COMMON_FIELDS in provider/diff.ts): a change of
// it alone is an update, and that update calls no API and records the new timeouts, which the
// delete then reads from the state.
import * as credential from "../../../provider/credential";
import * as endpoint from "../../../provider/endpoint";
import * as pod from "../../../provider/pod";
import * as vm from "../../../provider/vm";
import * as volume from "../../../provider/volume";
import { KINDS } from "../../../client";
import { yotta } from "../../../provider/config";
import {
  startProviderHarness,
  withProvider,
  type ProviderHarness,
} from "../../support/provider-harness";

type Props = Record<string, unknown>;

interface Module {
  check(olds: Props, news: Props): Promise<{ inputs: Props; failures: unknown[] }>;
  diff(id: string, olds: Props, news: Props): Promise<unknown>;
  create(inputs: Props): Promise<{ id: string; outs?: unknown }>;
  update(id: string, olds: Props, news: Props): Promise<{ outs?: unknown }>;
}

const GPU = "NVIDIA_RTX_4090_24G";

const RESOURCES: { kind: string; module: Module; args: Props }[] = [
  {
    kind: "pod",
    module: pod,
    args: { name: "trainer", image: "pytorch/pytorch:2.4.0", gpuType: GPU, gpuCount: 1 },
  },
  {
    kind: "pod with placements",
    module: pod,
    args: {
      name: "trainer",
      image: "pytorch/pytorch:2.4.0",
      gpuCount: 1,
      placements: [{ gpuType: GPU, regions: ["us-east-1"] }],
    },
  },
  {
    kind: "endpoint",
    module: endpoint,
    args: {
      name: "llm",
      image: "vllm/vllm-openai:latest",
      resources: [{ region: "us-east-1", gpuType: GPU, gpuCount: 1 }],
      workers: 1,
      containerVolumeInGb: 40,
      serviceMode: "ALB",
    },
  },
  {
    kind: "volume",
    module: volume,
    args: { name: "data", storageType: "CEPH", region: "us-east-1", sizeInGb: 100 },
  },
  {
    kind: "credential",
    module: credential,
    args: { name: "dockerhub", type: "DOCKER_HUB", username: "me", password: "secret-token" },
  },
  { kind: "vm", module: vm, args: { name: "workstation", gpuType: GPU, region: "us-east-1" } },
];

test("every kind has a row", () => {
  expect(new Set(RESOURCES.map((r) => r.kind.split(" ")[0]))).toEqual(new Set(KINDS));
});

let h: ProviderHarness;

beforeAll(async () => {
  h = await startProviderHarness();
});

afterAll(async () => {
  await yotta().close();
  await h.close();
});

beforeEach(() => h.emulator.admin.reset());

async function checked(module: Module, news: Props, olds: Props = {}): Promise<Props> {
  const { inputs, failures } = await module.check(olds, withProvider(news));
  expect(failures).toEqual([]);
  return inputs;
}

describe.each(RESOURCES)("$kind: a change of only timeouts", ({ module, args }) => {
  test("is an update in place, for each operation's timeout", async () => {
    const olds = { ...(await checked(module, args)), id: "1", status: "RUNNING" };
    for (const timeouts of [{ create: "1h" }, { update: "1h" }, { delete: "1h" }]) {
      const news = await checked(module, { ...args, timeouts }, olds);
      expect(await module.diff("1", olds, news)).toEqual({
        changes: true,
        replaces: [],
        deleteBeforeReplace: false,
      });
    }
  });

  test("calls no API and records the new timeouts, which the delete then reads", async () => {
    const inputs = await checked(module, args);
    const { id, outs } = await module.create(inputs);
    const olds = outs as Props;
    const news = await checked(module, { ...args, timeouts: { delete: "1h" } }, inputs);
    h.emulator.admin.clearRequests();
    const result = await module.update(id, olds, news);
    expect(h.emulator.admin.requests()).toEqual([]);
    expect(result.outs).toEqual({ ...olds, timeouts: { delete: "1h" } });
  });
});
