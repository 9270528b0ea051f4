// Ownership under faults: the provider modules called through the one dispatch entry, as the
// serialized provider calls them, against the emulator over real HTTP. A resource is ours only if
// our own request made it; a create whose outcome is unknown is recorded, never guessed.
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import { KINDS } from "../../../client";
import { call, type ModuleName } from "../../../provider/dispatch";
import { isPendingId, PENDING_KEY } from "../../../provider/pending";
import { forgetRecorded } from "../../../provider/ownership";
import { ResourceInitError } from "../../../provider/init-error";
import {
  checked,
  create,
  failure,
  startProviderHarness,
  type ProviderHarness,
} from "../../support/provider-harness";
import { yotta } from "../../../provider/config";

// The client gives up on an answer after 300 ms here (30 s in real use), and what an ambiguous
// create made shows up within the look window or never.
process.env.YOTTA_REQUEST_TIMEOUT_MS = "300";
process.env.YOTTA_LOOK_WINDOW_MS = "1500";

const POD = {
  name: "dup",
  image: "pytorch/pytorch:2.4.0",
  gpuType: "NVIDIA_RTX_4090_24G",
  gpuCount: 1,
  regions: ["us-east-1"],
};
const VOLUME = { name: "data", storageType: "CEPH", region: "us-east-1", sizeInGb: 10 };

type Props = Record<string, unknown>;

describe("ownership against the emulator", () => {
  let h: ProviderHarness;
  beforeAll(async () => {
    h = await startProviderHarness();
  });
  afterAll(() => h.close());
  beforeEach(() => {
    h.emulator.admin.reset();
    // Each test is a run of its own: a new provider process, which knows no records yet.
    forgetRecorded();
  });

  const posts = (path: string) => h.emulator.admin.requests({ method: "POST", path }).length;
  const livePods = async (name: string) =>
    (await h.client.pods.list()).filter(
      (p) => p.name === name && p.status !== "TERMINATING" && p.status !== "TERMINATED",
    );

  test("another owner's volume is never adopted, even after a 502 on the create", async () => {
    const foreign = await h.client.volumes.create(VOLUME as never);
    h.emulator.admin.settle();
    const before = await h.client.volumes.get(foreign.id);
    h.emulator.admin.addFault({
      type: "serverError",
      status: 502,
      body: "html",
      route: "POST /v2/volumes",
      times: 1,
    });
    const error = await failure(create("volume", VOLUME));
    expect(error.message).toContain(`volume name "data" is already taken by volume ${foreign.id}`);
    expect(error.message).toContain(`adoptId: "${foreign.id}"`);
    expect(error).not.toBeInstanceOf(ResourceInitError);
    // Refused before anything was sent: the one POST is the foreign owner's.
    expect(posts("/v2/volumes")).toBe(1);
    expect(await h.client.volumes.get(foreign.id)).toEqual(before);
  });

  test("a 500 on a pod create never adopts another owner's pod of the same name and spec", async () => {
    const foreign = await h.client.pods.create({ ...POD } as never);
    h.emulator.admin.settle();
    h.emulator.admin.addFault({ type: "serverError", route: "POST /v2/pods", times: 1 });

    const error = (await failure(create("pod", POD))) as ResourceInitError;
    // The outcome is unknown (the 500 came before any work, but nothing proves that): recorded
    // under a pending id, with no second POST.
    expect(ResourceInitError.isInstance(error)).toBe(true);
    expect(isPendingId(error.id)).toBe(true);
    expect(error.message).toMatch(/still unknown.*Nothing was sent again/s);
    expect(posts("/v2/pods")).toBe(2); // the foreign owner's and ours
    expect((await livePods("dup")).map((p) => p.id)).toEqual([foreign.id]);
    expect((error.properties[PENDING_KEY] as { knownIds: string[] }).knownIds).toEqual([
      foreign.id,
    ]);

    // The next `up`: the record is replaced, deleting first; its delete finds nothing of ours.
    const news = await checked("pod", POD);
    expect(await call("pod", "diff", [error.id, error.properties, news])).toMatchObject({
      replaces: [PENDING_KEY],
      deleteBeforeReplace: true,
    });
    await call("pod", "remove", [error.id, error.properties]);
    const ours = await create("pod", POD);
    expect((await livePods("dup")).map((p) => p.id).sort()).toEqual([foreign.id, ours.id].sort());

    // And `destroy` deletes only ours.
    await call("pod", "remove", [ours.id, ours.outs]);
    expect((await livePods("dup")).map((p) => p.id)).toEqual([foreign.id]);
  });

  test("an answer slower than the client commits late: adopted, and no second POST", async () => {
    h.emulator.admin.addFault({ type: "latency", ms: 700, route: "POST /v2/pods", times: 1 });
    const made = await create("pod", POD);
    expect(posts("/v2/pods")).toBe(1);
    expect((await livePods("dup")).map((p) => p.id)).toEqual([made.id]);
    expect(made.outs.status).toBe("RUNNING");
  });

  test("a dropped answer, then failing lookups: looked up again until found, never re-sent", async () => {
    h.emulator.admin.addFault({ type: "dropResponse", route: "POST /v2/pods", times: 1 });
    armAfterCreate(() =>
      h.emulator.admin.addFault({ type: "serverError", route: "GET /v2/pods", times: 6 }),
    );
    process.env.YOTTA_LOOK_WINDOW_MS = "20000";
    try {
      const made = await create("pod", POD);
      expect(posts("/v2/pods")).toBe(1);
      expect((await livePods("dup")).map((p) => p.id)).toEqual([made.id]);
    } finally {
      process.env.YOTTA_LOOK_WINDOW_MS = "1500";
    }
  }, 30_000);

  test("a dropped answer and lookups that never work: recorded, then settled by the delete", async () => {
    h.emulator.admin.addFault({ type: "dropResponse", route: "POST /v2/pods", times: 1 });
    armAfterCreate(() => h.emulator.admin.addFault({ type: "serverError", route: "GET /v2/pods" }));
    const error = (await failure(create("pod", POD))) as ResourceInitError;
    expect(isPendingId(error.id)).toBe(true);
    expect(error.message).toMatch(/pod dup: .*still unknown.*looking it up failed/s);
    // A refresh once the lookups work again puts the real pod in the record's place.
    h.emulator.admin.clearFaults();
    const [made] = await livePods("dup");
    expect(made).toBeDefined();
    const refreshed = (await call("pod", "read", [error.id, error.properties])) as {
      id: string;
      props: Props;
    };
    expect(refreshed.id).toBe(made!.id);
    expect(refreshed.props[PENDING_KEY]).toBeUndefined();
    // A destroy of the record instead, in a run of its own (a new provider process), deletes the
    // pod the attempt made.
    forgetRecorded();
    await call("pod", "remove", [error.id, error.properties]);
    expect(await livePods("dup")).toEqual([]);
  }, 30_000);

  test("delete of a resource that is already gone succeeds", async () => {
    const made = await create("volume", { ...VOLUME, name: "gone" });
    h.emulator.admin.deleteResource("volume", made.id, { purge: true });
    await expect(call("volume", "remove", [made.id, made.outs])).resolves.toBeUndefined();
  });

  /** Arms a fault the moment the provider's create call has been answered (or has failed). */
  function armAfterCreate(arm: () => void): void {
    const pods = yotta().pods;
    const real = pods.create.bind(pods);
    jest.spyOn(pods, "create").mockImplementationOnce(async (...args) => {
      try {
        return await real(...args);
      } finally {
        arm();
      }
    });
  }

  // Whether names are unique is said once per kind (provider/resource.ts): "always" refuses a
  // create whose name another resource holds before anything is sent; "maybe" and "never" make
  // their own resource beside it, since nothing proves the service would refuse.
  const NAMED: Record<
    Exclude<ModuleName, "stack-key">,
    { inputs: Props; path: string; refused: boolean }
  > = {
    pod: { inputs: POD, path: "/v2/pods", refused: false },
    volume: { inputs: VOLUME, path: "/v2/volumes", refused: true },
    credential: {
      inputs: { name: "registry", type: "DOCKER_HUB", username: "me", password: "pw-secret" },
      path: "/v2/container-registry-auths",
      refused: true,
    },
    endpoint: {
      inputs: {
        name: "llm",
        image: "vllm/vllm-openai:latest",
        resources: [{ region: "us-east-1", gpuType: "NVIDIA_RTX_4090_24G", gpuCount: 1 }],
        workers: 1,
        containerVolumeInGb: 40,
        serviceMode: "ALB",
      },
      path: "/v2/serverless",
      refused: false,
    },
    vm: {
      inputs: { name: "box", gpuType: "NVIDIA_RTX_4090_24G", region: "us-east-1" },
      path: "/v2/vms",
      refused: false,
    },
  };

  test("every kind has its row of name uniqueness", () => {
    expect(Object.keys(NAMED).sort()).toEqual([...KINDS].sort());
  });

  test.each(Object.entries(NAMED))(
    "%s: a create under a name another resource holds",
    async (kind, { inputs, path, refused }) => {
      const first = await create(kind as ModuleName, inputs);
      h.emulator.admin.settle();
      const second = create(kind as ModuleName, inputs);
      if (refused) {
        const error = await failure(second);
        expect(error.message).toContain(`is already taken by ${kind} ${first.id}`);
        expect(posts(path)).toBe(1);
      } else {
        expect((await second).id).not.toBe(first.id);
        expect(posts(path)).toBe(2);
      }
    },
  );
});

describe("a success answer is a success", () => {
  // A service whose create answers code 10000 with data that does not fit the schema.
  let server: http.Server;
  let answer: { create: string; get: string; list: string };
  let seen: string[];
  const ID = "378888638324150969";

  beforeAll(async () => {
    server = http.createServer((req, res) => {
      seen.push(`${req.method} ${req.url}`);
      const body =
        req.method === "POST" ? answer.create : req.url === "/v2/pods" ? answer.list : answer.get;
      res.writeHead(200, { "content-type": "application/json" }).end(body);
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const config: Record<string, string> = {
      "yotta:apiKey": "test-key",
      "yotta:apiUrl": `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    };
    await call("pod", "configure", [{ config: { get: (key: string) => config[key] } }]);
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
  beforeEach(() => {
    seen = [];
  });

  const envelope = (data: unknown) =>
    `{"code":10000,"message":"success","data":${typeof data === "string" ? data : JSON.stringify(data)}}`;

  test.each([
    { name: "status null", data: `{"id":${ID},"name":"dup","status":null}` },
    { name: "createdAt in another format", data: `{"id":"${ID}","createdAt":"yesterday"}` },
    { name: "singleCardPrice empty", data: `{"id":${ID},"singleCardPrice":"","status":"PENDING"}` },
  ])("$name: recorded with its id", async ({ data }) => {
    answer = { create: envelope(data), get: envelope(data), list: envelope([]) };
    const error = (await failure(create("pod", POD))) as ResourceInitError;
    expect(ResourceInitError.isInstance(error)).toBe(true);
    expect(error.id).toBe(ID);
    expect(error.message).toContain(`created as pod ${ID}`);
    expect(seen.filter((s) => s.startsWith("POST"))).toHaveLength(1);
  });

  test("an HTML page with HTTP 200: no id to read, so the outcome is unknown and recorded", async () => {
    answer = { create: "<html>ok</html>", get: envelope(null), list: envelope([]) };
    const error = (await failure(create("pod", POD))) as ResourceInitError;
    expect(error.message).toMatch(/still unknown/);
    expect(isPendingId(error.id)).toBe(true);
    expect(seen.filter((s) => s.startsWith("POST"))).toHaveLength(1);
  });
});
