import { CEPH_VOLUME, CREDENTIAL, ENDPOINT, POD, startApi, type Api } from "./helpers";

const LAG_MS = 2_000;

let api: Api;
beforeEach(async () => {
  api = await startApi({ frozenClock: true, timing: { listLagMs: LAG_MS } });
});
afterEach(() => api.close());

interface Kind {
  create: string;
  body: unknown;
  list: string;
  byId: (id: string) => string;
  /** The records of a list answer (some lists are paginated). */
  items: (data: any) => Array<{ id: string }>; // eslint-disable-line @typescript-eslint/no-explicit-any -- list answers differ per kind
}

const bare = (data: Array<{ id: string }>) => data;
const paged = (data: { items: Array<{ id: string }> }) => data.items;

const KINDS: Array<[string, Kind]> = [
  [
    "pod",
    {
      create: "/v2/pods",
      body: POD,
      list: "/v2/pods",
      byId: (id) => `/v2/pods/${id}`,
      items: bare,
    },
  ],
  [
    "volume",
    {
      create: "/v2/volumes",
      body: CEPH_VOLUME,
      list: "/v2/volumes?storageType=CEPH",
      byId: (id) => `/v2/volumes/${id}`,
      items: paged,
    },
  ],
  [
    "credential",
    {
      create: "/v2/container-registry-auths",
      body: CREDENTIAL,
      list: "/v2/container-registry-auths",
      byId: (id) => `/v2/container-registry-auths/${id}`,
      items: bare,
    },
  ],
  [
    "endpoint",
    {
      create: "/v2/serverless",
      body: ENDPOINT,
      list: "/v2/serverless",
      byId: (id) => `/v2/serverless/${id}`,
      items: bare,
    },
  ],
  [
    "VM",
    {
      create: "/v2/vms",
      body: { vmTypeId: 1000, region: "us-east-1", name: "box", isSpot: 0 },
      list: "/v2/vms",
      byId: (id) => `/v2/vms/${id}`,
      items: paged,
    },
  ],
];

describe("timing.listLagMs", () => {
  test.each(KINDS)(
    "a new %s is found by id at once and listed once the lag has passed",
    async (_kind, k) => {
      const { admin } = api.emulator;
      const made = await api.ok("POST", k.create, k.body);
      const listedIds = async (): Promise<string[]> =>
        k.items(await api.ok("GET", k.list)).map((r) => r.id);
      expect((await api.ok("GET", k.byId(made.id))).id).toBe(made.id);
      expect(await listedIds()).toEqual([]);
      admin.advance(LAG_MS - 1);
      expect(await listedIds()).toEqual([]);
      admin.advance(1);
      expect(await listedIds()).toEqual([made.id]);
    },
  );

  test("a paginated list counts only what it shows", async () => {
    const { admin } = api.emulator;
    await api.ok("POST", "/v2/volumes", CEPH_VOLUME);
    admin.advance(LAG_MS);
    await api.ok("POST", "/v2/volumes", { ...CEPH_VOLUME, name: "newer" });
    expect(await api.ok("GET", "/v2/volumes?storageType=CEPH")).toMatchObject({
      total: 1,
      pages: 1,
      items: [{ name: CEPH_VOLUME.name }],
    });
  });

  test("the service's own checks see a record at once: a name is taken before it is listed", async () => {
    await api.ok("POST", "/v2/volumes", CEPH_VOLUME);
    const again = await api.call("POST", "/v2/volumes", CEPH_VOLUME);
    expect(again.body.code).toBe(10001);
    expect(again.body.message).toBe(`name [${CEPH_VOLUME.name}] already exists`);
  });

  test("set through the admin API; 0 lists a record at once", async () => {
    const { admin } = api.emulator;
    const response = await fetch(`${api.emulator.url}/_emulator/timing`, {
      method: "PATCH",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ listLagMs: 0 }),
    });
    expect(((await response.json()) as { listLagMs: number }).listLagMs).toBe(0);
    const pod = await api.ok("POST", "/v2/pods", POD);
    expect((await api.ok("GET", "/v2/pods")).map((p: { id: string }) => p.id)).toEqual([pod.id]);
    expect(admin.config().timing.listLagMs).toBe(0);
  });
});
