// An action the service carried out but answered badly (a 5xx after the work, a lost answer):
// the client's retry is refused because the action is already done. The provider reads the
// resource back and reports what is true: the action took effect (issue: "an action that took
// effect is reported as failed").
import { call } from "../../../provider/dispatch";
import {
  checked,
  create,
  startProviderHarness,
  withProvider,
  type ProviderHarness,
} from "../../support/provider-harness";

type Props = Record<string, unknown>;

describe("actions that took effect though their answer failed", () => {
  let h: ProviderHarness;
  beforeAll(async () => {
    h = await startProviderHarness();
  });
  afterAll(() => h.close());
  beforeEach(() => h.emulator.admin.reset());

  const update = async (kind: "pod" | "volume", made: { id: string; outs: Props }, news: Props) =>
    (await call(kind, "update", [made.id, made.outs, withProvider(await checked(kind, news))])) as {
      outs: Props;
    };

  test.each([
    ["a 500 after the work", { type: "serverError", after: true, status: 500 }],
    ["a lost answer", { type: "dropResponse" }],
  ])(
    "a resize answered with %s: the volume is grown, and the update succeeds",
    async (_what, fault) => {
      const volume = { name: "data", storageType: "CEPH", region: "us-east-1", sizeInGb: 100 };
      const made = await create("volume", volume);
      h.emulator.admin.settle();
      h.emulator.admin.addFault({
        ...fault,
        route: "POST /v2/volumes/{id}/resize",
        times: 1,
      } as never);
      const { outs } = await update("volume", made, { ...volume, sizeInGb: 200 });
      expect(outs.sizeInGb).toBe(200);
      expect(h.emulator.admin.get("volume", made.id)).toMatchObject({ sizeInGb: 200 });
      // The retry was refused as already done; that refusal is not the outcome.
      expect(
        h.emulator.admin.requests({ method: "POST", path: `/v2/volumes/${made.id}/resize` }).length,
      ).toBeGreaterThanOrEqual(1);
    },
  );

  test("a pause answered with a 500 after the work: the pod is paused, and the update succeeds", async () => {
    const pod = {
      name: "trainer",
      image: "pytorch/pytorch:2.4.0",
      gpuType: "NVIDIA_RTX_4090_24G",
      gpuCount: 1,
      regions: ["us-east-1"],
    };
    const made = await create("pod", pod);
    h.emulator.admin.addFault({
      type: "serverError",
      after: true,
      status: 500,
      route: "POST /v2/pods/{id}/pause",
      times: 1,
    });
    const { outs } = await update("pod", made, { ...pod, running: false });
    expect(outs.status).toBe("PAUSED");
  });

  test("an action the service refused for good still fails, naming why", async () => {
    const volume = { name: "data2", storageType: "CEPH", region: "us-east-1", sizeInGb: 100 };
    const made = await create("volume", volume);
    h.emulator.admin.settle();
    h.emulator.admin.addFault({
      type: "serverError",
      status: 500,
      route: "POST /v2/volumes/{id}/resize",
    });
    await expect(update("volume", made, { ...volume, sizeInGb: 200 })).rejects.toThrow(/resize/);
    expect(h.emulator.admin.get("volume", made.id)).toMatchObject({ sizeInGb: 100 });
  });
});
