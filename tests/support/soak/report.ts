// The soak's summary table: one row per seed, the totals, and for each failing seed what broke
// and the command that replays it.
import type { SeedReport } from "./run";

export function replayCommand(seed: number): string {
  return `npm run soak -- --seed ${seed}`;
}

export function soakTable(reports: readonly SeedReport[], wallMs: number): string {
  const rows = [...reports].sort((a, b) => a.seed - b.seed);
  const header = ["seed", "result", "ops", "api calls", "violations", "time", "faults fired"];
  const body = rows.map((r) => [
    String(r.seed),
    r.violations.length === 0 ? "ok" : "FAIL",
    String(r.operations),
    String(r.apiCalls),
    String(r.violations.length),
    seconds(r.ms),
    faultList(r.faults),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((row) => row[i]!.length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) =>
        i === cells.length - 1
          ? c
          : i >= 2 && i <= 5
            ? c.padStart(widths[i]!)
            : c.padEnd(widths[i]!),
      )
      .join("  ")
      .trimEnd();

  const totals: Record<string, number> = {};
  for (const r of rows) {
    for (const [k, v] of Object.entries(r.faults)) totals[k] = (totals[k] ?? 0) + v;
  }
  const violations = rows.reduce((n, r) => n + r.violations.length, 0);
  const failing = rows.filter((r) => r.violations.length > 0);
  const seedMs = rows.reduce((n, r) => n + r.ms, 0);

  const out = [line(header), ...body.map(line), ""];
  out.push(
    `${rows.length} seed(s), ${rows.reduce((n, r) => n + r.operations, 0)} engine operations, ` +
      `${rows.reduce((n, r) => n + r.apiCalls, 0)} API calls`,
  );
  out.push(`faults fired: ${faultList(totals) || "none"}`);
  const count = (test: (r: SeedReport) => boolean) => rows.filter(test).length;
  out.push(
    `expected failures (a held name refused): ${rows.reduce((n, r) => n + r.expectedFailures, 0)}; ` +
      `seeds whose faults were cleared before the last destroy: ${count((r) => r.faultsCleared)}; ` +
      `seeds with a phase that never succeeded: ${count((r) => r.unconverged.length > 0)}`,
  );
  out.push(
    `invariant violations: ${violations}${failing.length > 0 ? ` in ${failing.length} seed(s)` : ""}`,
  );
  out.push(
    `wall time ${seconds(wallMs)}` +
      (rows.length > 0 ? `, ${seconds(seedMs / rows.length)} a seed on average` : ""),
  );
  for (const r of failing) {
    out.push(
      "",
      `seed ${r.seed}: ${r.violations.length} violation(s); replay: ${replayCommand(r.seed)}`,
    );
    for (const v of r.violations) out.push(`  [${v.invariant}] after ${v.step}: ${v.detail}`);
    for (const p of r.plan) out.push(`  | ${p}`);
    for (const n of r.notes) out.push(`  note: ${n}`);
  }
  return out.join("\n");
}

function faultList(faults: Record<string, number>): string {
  return Object.entries(faults)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([k, v]) => `${k} ${v}`)
    .join(", ");
}

function seconds(ms: number): string {
  return ms >= 60_000
    ? `${Math.floor(ms / 60_000)}m${String(Math.round((ms % 60_000) / 1000)).padStart(2, "0")}s`
    : `${(ms / 1000).toFixed(1)}s`;
}
