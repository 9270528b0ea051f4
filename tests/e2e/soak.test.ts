// The fault soak over a fixed set of seeds (soak-seeds.json): each runs a random program through
// the real engine under random faults and must keep every invariant after every step (see
// docs/soak.md). A seed that ever found a bug joins the set, so the bug stays fixed.
//
// Each seed runs in its own process (tests/support/soak/child.ts says why), two at a time: the
// machine has two cores and the engine mostly waits.
import { runSeedsInChildren } from "../support/soak/child";
import { soakTable } from "../support/soak/report";
import type { SeedReport } from "../support/soak/run";
import fixed from "./soak-seeds.json";

const PARALLEL = 2;
const seeds: number[] = fixed.seeds.map((s) => s.seed);
const reports: SeedReport[] = [];
const started = Date.now();
let results: Map<number, Promise<SeedReport>>;

beforeAll(() => {
  results = runSeedsInChildren(seeds, PARALLEL);
});

afterAll(async () => {
  await Promise.allSettled(results.values());
  // The whole table, failing seeds with their plans and replay commands, whatever the outcome.
  console.log(soakTable(reports, Date.now() - started));
});

test.each(seeds)("seed %d keeps every invariant", async (seed) => {
  const report = await results.get(seed)!;
  reports.push(report);
  expect(report.violations.map((v) => `[${v.invariant}] after ${v.step}: ${v.detail}`)).toEqual([]);
});
