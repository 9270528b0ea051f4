import type { UnmanagedReport } from "./scan";

export type UnmanagedFormat = "text" | "markdown" | "json";

/** Exit status of the unmanaged command: 0 nothing unmanaged, 2 some, 1 the scan failed. */
export function unmanagedExitCode(report: Pick<UnmanagedReport, "status">): 0 | 1 | 2 {
  return report.status === "none" ? 0 : report.status === "found" ? 2 : 1;
}

export function formatUnmanaged(report: UnmanagedReport, format: UnmanagedFormat): string {
  if (format === "json") return `${JSON.stringify(report, null, 2)}\n`;
  const lines: string[] = [];
  const stacks = report.stacks.join(", ");
  const headline = headlineOf(report);
  if (format === "markdown") {
    lines.push(`## Unmanaged resources: stacks \`${stacks}\``, "", `**${headline}**`, "");
    for (const error of report.errors) lines.push(`- ${error.replace(/</g, "&lt;")}`);
    if (report.resources.length > 0) {
      lines.push(
        "| Kind | Id | Name | Status | Age | USD per hour |",
        "| --- | --- | --- | --- | --- | --- |",
      );
      for (const r of report.resources) {
        lines.push(
          `| ${r.kind} | \`${r.id}\` | ${cell(r.name)} | ${r.status} | ${r.age ?? ""} | ${r.hourlyPrice ?? ""} |`,
        );
      }
      lines.push("");
      for (const r of report.resources.filter((r) => r.origin)) {
        lines.push(`> ${r.kind} ${r.id}: ${r.origin}`, "");
      }
      lines.push(advice(report), "");
    }
  } else {
    lines.push(`Stacks ${stacks}: ${headline}`, "");
    for (const error of report.errors) lines.push(`error: ${error}`);
    for (const r of report.resources) {
      const price = r.hourlyPrice === undefined ? "" : `, ${r.hourlyPrice} USD/h`;
      const age = r.age === undefined ? "" : `, ${r.age} old`;
      lines.push(`+ ${r.kind} ${r.id} "${r.name}" (${r.status}${age}${price})`);
      if (r.origin) lines.push(`    from ${r.origin}`);
    }
    if (report.resources.length > 0) lines.push("", advice(report));
  }
  return `${lines.join("\n").trimEnd()}\n`;
}

function headlineOf(report: UnmanagedReport): string {
  const records = `${report.records} record${report.records === 1 ? "" : "s"}`;
  switch (report.status) {
    case "none":
      return `nothing unmanaged; every live resource of the account is one of the ${records}.`;
    case "found": {
      const n = report.resources.length;
      const hourly = report.resources.reduce((sum, r) => sum + (r.hourlyPrice ?? 0), 0);
      const cost = hourly > 0 ? `, about ${Math.round(hourly * 100) / 100} USD an hour` : "";
      return `${n} live resource${n === 1 ? "" : "s"} that none of the ${records} holds${cost}.`;
    }
    case "error":
      return "the scan failed.";
  }
}

function advice(_report: UnmanagedReport): string {
  return (
    "Each is billed, or holds a name, outside every listed stack. To manage one, declare it with " +
    '`adoptId: "<id>"` and run `pulumi up`; if another stack owns it, add that stack with ' +
    "another --stack; otherwise delete it."
  );
}

function cell(text: string): string {
  return text.replace(/\|/g, "\\|").replace(/\r?\n/g, " ");
}
