// One odd record never blocks a deployment: someone else's list entry that does not fit the API's
// schema is passed over, with one warning naming it, and every create, wait and lookup of other
// records goes on. A read of the odd record itself, by its id, still fails naming the field.
import { call } from "../../../provider/dispatch";
import { forgetRecorded } from "../../../provider/ownership";
import {
  startProviderHarness,
  withProvider,
  type ProviderHarness,
} from "../../support/provider-harness";

const POD = {
  name: "mine",
  image: "pytorch/pytorch:2.4.0",
  gpuType: "NVIDIA_RTX_4090_24G",
  gpuCount: 1,
  regions: ["us-east-1"],
};

describe("one odd record of someone else's", () => {
  let h: ProviderHarness;
  let warnings: string[];
  beforeAll(async () => {
    h = await startProviderHarness();
  });
  afterAll(() => h.close());
  beforeEach(() => {
    h.emulator.admin.reset();
    forgetRecorded();
    warnings = [];
    jest.spyOn(console, "warn").mockImplementation((line: string) => void warnings.push(line));
  });
  afterEach(() => jest.mocked(console.warn).mockRestore());

  test.each([
    { field: "gpuCount", value: 1.5, says: "gpuCount" },
    { field: "name", value: null, says: "name" },
    { field: "status", value: 7, says: "status" },
  ])(
    "$field: $value: our pod is created, the odd one named once",
    async ({ field, value, says }) => {
      const foreign = await h.client.pods.create({ ...POD, name: "theirs" } as never);
      h.emulator.admin.settle();
      h.emulator.admin.patch("pod", foreign.id, { [field]: value });

      const checked = (await call("pod", "check", [{}, withProvider(POD)])) as {
        inputs: Record<string, unknown>;
      };
      const made = (await call("pod", "create", [checked.inputs])) as {
        id: string;
        outs: { status: string };
      };
      expect(made.outs.status).toBe("RUNNING");
      expect(h.emulator.admin.requests({ method: "POST", path: "/v2/pods" })).toHaveLength(2);

      const about = warnings.filter((w) => w.includes(foreign.id));
      expect(about).toHaveLength(1);
      expect(about[0]).toMatch(
        new RegExp(`pods\\.list: passed over the record ${foreign.id}.*${says}`),
      );

      // A refresh of our pod, which shares a list with the odd record, is not affected either.
      expect(await call("pod", "read", [made.id, made.outs])).toMatchObject({ id: made.id });

      // The odd record, read by its id, fails naming the field.
      await expect(h.client.pods.get(foreign.id)).rejects.toThrow(says);
    },
  );

  test("an odd record of the very name a create uses stops it before anything is sent, naming it before anything is sent, naming the record: whose it is cannot be told", async () => {
    const odd = await h.client.pods.create({ ...POD } as never);
    h.emulator.admin.settle();
    h.emulator.admin.patch("pod", odd.id, { gpuCount: 1.5 });
    const checked = (await call("pod", "check", [{}, withProvider(POD)])) as {
      inputs: Record<string, unknown>;
    };
    await expect(call("pod", "create", [checked.inputs])).rejects.toThrow(
      `pods.list: the record ${odd.id} named "mine" does not fit the API's schema (gpuCount`,
    );
    expect(h.emulator.admin.requests({ method: "POST", path: "/v2/pods" })).toHaveLength(1);
  });
});
