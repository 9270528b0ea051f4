import {
  budgetArgsProblems,
  budgetViolations,
  costOverrun,
  podsInStack,
  POD_TYPE,
  stackBudgetViolations,
  tallyCost,
  type BudgetArgs,
  type PodDemand,
} from "../../../sdk/budget";

const H100 = "NVIDIA_H100_80G";
const A100 = "NVIDIA_A100_80G";
const L4 = "NVIDIA_L4_24G";
const PRICES = { [H100]: 2.5, [A100]: 1.8, [L4]: 0.6 };

function fleet(replicas: number, gpuCount: number, gpuTypes: string[]): PodDemand[] {
  return Array.from({ length: replicas }, (_, i) => ({
    name: `f-${i}`,
    gpuCount,
    placements: gpuTypes.map((gpuType) => ({ gpuType })),
  }));
}

describe("budgetViolations before anything exists", () => {
  test.each<{
    name: string;
    pods: PodDemand[];
    budget: BudgetArgs;
    violations: (string | RegExp)[];
    unpriced?: string[];
  }>([
    { name: "no limits", pods: fleet(8, 8, [H100]), budget: {}, violations: [] },
    {
      name: "GPUs exactly at the limit",
      pods: fleet(4, 2, [H100]),
      budget: { maxGpus: 8 },
      violations: [],
    },
    {
      name: "GPUs one pod over",
      pods: fleet(5, 2, [H100]),
      budget: { maxGpus: 8 },
      violations: ["fleet f needs 10 GPUs (5 × 2 GPUs), over budget.maxGpus 8"],
    },
    {
      name: "maxGpus 0 refuses any GPU",
      pods: fleet(1, 1, [L4]),
      budget: { maxGpus: 0 },
      violations: [/needs 1 GPUs/],
    },
    {
      name: "every placement's type allowed",
      pods: fleet(2, 1, [H100, A100]),
      budget: { allowedGpuTypes: [A100, H100] },
      violations: [],
    },
    {
      name: "a fallback type not allowed",
      pods: fleet(2, 1, [H100, A100, L4]),
      budget: { allowedGpuTypes: [H100] },
      violations: [`fleet f may use ${A100}, ${L4}, not in budget.allowedGpuTypes [${H100}]`],
    },
    {
      name: "cost at the limit",
      pods: fleet(4, 2, [H100]),
      budget: { maxHourlyCost: 20, prices: PRICES },
      violations: [],
    },
    {
      name: "the worst placement decides, not the first",
      pods: fleet(4, 2, [A100, H100]),
      budget: { maxHourlyCost: 15, prices: PRICES },
      violations: [
        `fleet f could cost up to $20.00/h (4 pods × (2 × ${H100} at $2.50/GPU-h), at the most ` +
          "expensive acceptable placement), over budget.maxHourlyCost $15.00/h",
      ],
    },
    {
      name: "cheap placements only fit",
      pods: fleet(4, 2, [A100, L4]),
      budget: { maxHourlyCost: 15, prices: PRICES },
      violations: [],
    },
    {
      name: "a placement without a price is left for later",
      pods: fleet(4, 2, [A100, "NVIDIA_B200_180G"]),
      budget: { maxHourlyCost: 15, prices: PRICES },
      violations: [],
      unpriced: ["NVIDIA_B200_180G"],
    },
    {
      name: "priced placements alone already over",
      pods: fleet(4, 2, [H100, "NVIDIA_B200_180G"]),
      budget: { maxHourlyCost: 15, prices: PRICES },
      violations: [/could cost up to \$20\.00\/h/],
      unpriced: ["NVIDIA_B200_180G"],
    },
    {
      name: "no prices at all",
      pods: fleet(4, 2, [H100]),
      budget: { maxHourlyCost: 1 },
      violations: [],
      unpriced: [H100],
    },
    {
      name: "every limit broken at once",
      pods: fleet(3, 4, [H100, L4]),
      budget: { maxGpus: 8, allowedGpuTypes: [L4], maxHourlyCost: 10, prices: PRICES },
      violations: [/needs 12 GPUs/, /may use NVIDIA_H100_80G/, /could cost up to \$30\.00\/h/],
    },
    {
      name: "sums stay exact in cents",
      pods: fleet(3, 1, ["X"]),
      budget: { maxHourlyCost: 0.3, prices: { X: 0.1 } },
      violations: [],
    },
  ])("$name", ({ pods, budget, violations, unpriced = [] }) => {
    const verdict = budgetViolations("fleet f", pods, budget);
    expect(verdict.violations).toHaveLength(violations.length);
    violations.forEach((v, i) =>
      typeof v === "string"
        ? expect(verdict.violations[i]).toBe(v)
        : expect(verdict.violations[i]).toMatch(v),
    );
    expect(verdict.unpriced).toEqual(unpriced);
  });
});

describe("budgetArgsProblems", () => {
  test.each([
    { budget: {}, problems: [] },
    { budget: { maxGpus: 0, maxHourlyCost: 0 }, problems: [] },
    {
      budget: { maxGpus: -1 },
      problems: [/budget\.maxGpus must be a number of at least 0, not -1/],
    },
    { budget: { maxHourlyCost: Number.NaN }, problems: [/budget\.maxHourlyCost/] },
    { budget: { prices: { [H100]: -2 } }, problems: [/budget\.prices\.NVIDIA_H100_80G/] },
    { budget: { allowedGpuTypes: H100 as unknown as string[] }, problems: [/a list of GPU codes/] },
  ])("$budget", ({ budget, problems }) => {
    const found = budgetArgsProblems(budget);
    expect(found).toHaveLength(problems.length);
    problems.forEach((p, i) => expect(found[i]).toMatch(p));
  });
});

describe("prices known after creation", () => {
  const replicas = [
    { name: "f-0", gpuType: H100, gpuCount: 2, hourlyPrice: 5 },
    { name: "f-1", gpuType: H100, gpuCount: 2, hourlyPrice: 5 },
    { name: "f-2", gpuType: A100, gpuCount: 2 },
    { name: "f-3", gpuType: "NVIDIA_B200_180G", gpuCount: 2 },
  ];

  test("tallyCost: reported prices first, then budget.prices, and says what it could not price", () => {
    expect(tallyCost(replicas, PRICES)).toEqual({ total: 13.6, unpriced: ["f-3"] });
    expect(tallyCost(replicas)).toEqual({ total: 10, unpriced: ["f-2", "f-3"] });
  });

  test.each([
    { name: "no limit", budget: {}, overrun: undefined },
    { name: "at the limit", budget: { maxHourlyCost: 13.6, prices: PRICES }, overrun: undefined },
    {
      name: "over: keep the first replicas that fit, delete the rest",
      budget: { maxHourlyCost: 12, prices: PRICES },
      overrun:
        "fleet f costs $13.60/h at the prices the API reported (f-0 $5.00, f-1 $5.00, f-2 $3.60, " +
        "f-3 unpriced), over budget.maxHourlyCost $12.00/h. They keep billing until deleted: set " +
        "replicas to 2 (deletes f-2, f-3; $10.00/h) and run `pulumi up`, or raise the limit.",
    },
    {
      name: "even the first replica is too much",
      budget: { maxHourlyCost: 4 },
      overrun: expect.stringMatching(
        /set replicas to 0 \(deletes f-0, f-1, f-2, f-3; \$0\.00\/h\)/,
      ),
    },
  ])("costOverrun: $name", ({ budget, overrun }) => {
    expect(costOverrun("fleet f", replicas, budget)).toEqual(overrun);
  });
});

describe("stackBudgetViolations, for a policy over a whole stack", () => {
  test("pods of any shape add up; a running pod counts at its reported price", () => {
    const pods: PodDemand[] = [
      { name: "trainer", gpuCount: 8, placements: [{ gpuType: H100 }] },
      { name: "notebook", gpuCount: 1, placements: [{ gpuType: L4 }], hourlyPrice: 0.75 },
      { name: "batch", gpuCount: 2, placements: [{ gpuType: A100, regions: ["eu-3"] }] },
    ];
    expect(
      stackBudgetViolations(pods, { maxGpus: 10, maxHourlyCost: 20, prices: PRICES }).violations,
    ).toEqual([
      "the stack needs 11 GPUs (trainer 8, notebook 1, batch 2), over budget.maxGpus 10",
      `the stack could cost up to $24.35/h (8 × ${H100} at $2.50/GPU-h; notebook at $0.75/h as ` +
        `reported; 2 × ${A100} at $1.80/GPU-h, at the most expensive acceptable placement), over ` +
        "budget.maxHourlyCost $20.00/h",
    ]);
  });
});

describe("podsInStack: the pods among a stack's resources, as a policy sees them", () => {
  test.each([
    {
      name: "the gpuType form",
      props: { gpuType: H100, gpuCount: 2, regions: ["eu-3"] },
      pod: { gpuCount: 2, placements: [{ gpuType: H100 }] },
    },
    {
      name: "placements win over the gpuType they obtained",
      props: { gpuType: H100, gpuCount: 1, placements: [{ gpuType: A100 }, { gpuType: H100 }] },
      pod: { placements: [{ gpuType: A100 }, { gpuType: H100 }] },
    },
    {
      name: "a running pod brings its reported price",
      props: { gpuType: L4, gpuCount: 1, hourlyPrice: 0.6 },
      pod: { hourlyPrice: 0.6 },
    },
  ])("$name", ({ props, pod }) => {
    expect(podsInStack([{ type: POD_TYPE, name: "p", props }])).toEqual([
      expect.objectContaining({ name: "p", ...pod }),
    ]);
  });

  test("other resources, and pods without a GPU count or type, are left out", () => {
    expect(
      podsInStack([
        { type: "pulumi-nodejs:dynamic/yotta:Volume", name: "v", props: { sizeInGb: 10 } },
        { type: "yotta:index:GpuFleet", name: "f", props: {} },
        { type: POD_TYPE, name: "a", props: { gpuType: H100 } },
        { type: POD_TYPE, name: "b", props: { gpuCount: 1, placements: [{ regions: ["eu-3"] }] } },
        { type: POD_TYPE, name: "c", props: { gpuCount: 1, placements: [{ gpuType: H100 }] } },
      ]).map((p) => p.name),
    ).toEqual(["c"]);
  });

  test("listed by name, numbers in order", () => {
    const pod = (name: string) => ({ type: POD_TYPE, name, props: { gpuType: H100, gpuCount: 1 } });
    expect(podsInStack([pod("f-10"), pod("f-2"), pod("a"), pod("f-1")]).map((p) => p.name)).toEqual(
      ["a", "f-1", "f-2", "f-10"],
    );
  });
});
