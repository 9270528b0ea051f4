// The fault soak over a fixed set of seeds (soak-seeds.json): each runs a random program through
// the real engine under random faults and must keep every invariant after every step (see
// docs/soak.md). A seed that ever found a bug joins the set, so the bug stays fixed.
import { runSeed, type SeedReport } from "../support/soak/run";
import { soakTable } from "../support/soak/report";
import fixed from "./soak-seeds.json";

const seeds: number[] = fixed.seeds.map((s) => s.seed);
const reports: SeedReport[] = [];
const started = Date.now();

afterAll(() => {
  // The whole table, failing seeds with their plans and replay commands, whatever the outcome.
  console.log(soakTable(reports, Date.now() - started));
});

test.each(seeds)("seed %d keeps every invariant", async (seed) => {
  const report = await runSeed(seed);
  reports.push(report);
  expect(report.violations.map((v) => `[${v.invariant}] after ${v.step}: ${v.detail}`)).toEqual([]);
});
