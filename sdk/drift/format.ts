import type { DriftedField, DriftedResource, DriftFailure, DriftReport } from "./report";

export type DriftFormat = "text" | "markdown" | "json";

export const DRIFT_FORMATS: readonly DriftFormat[] = ["text", "markdown", "json"];

export function formatReport(report: DriftReport, format: DriftFormat): string {
  switch (format) {
    case "text":
      return formatText(report);
    case "markdown":
      return formatMarkdown(report);
    case "json":
      return formatJson(report);
  }
}

/** For a terminal or a CI log. */
export function formatText(report: DriftReport): string {
  const lines = [`Stack ${report.stack}: ${headline(report)}`, ""];
  if (report.errors.length > 0) {
    lines.push("Errors:");
    for (const error of report.errors) lines.push(`  ${failureText(error)}`);
    lines.push("");
  }
  for (const resource of report.resources) {
    lines.push(`${SIGNS[resource.kind]} ${describe(resource)}`);
    lines.push(`    urn: ${resource.urn}`);
    for (const field of resource.fields) {
      lines.push(`    ${field.path}`);
      lines.push(`      expected: ${render(field, "expected")}`);
      lines.push(`      actual:   ${render(field, "actual")}`);
    }
    if (resource.note) lines.push(`    note: ${resource.note}`);
    lines.push("");
  }
  if (report.status === "drift") {
    lines.push(
      remedy(report, (command) => command),
      "",
    );
  }
  return `${lines.join("\n").trimEnd()}\n`;
}

/** For a pull request comment or a CI job summary (GitHub-flavoured tables). */
export function formatMarkdown(report: DriftReport): string {
  const lines = [
    `## Drift check: stack \`${report.stack}\``,
    "",
    `**${capitalize(headline(report))}**`,
    "",
  ];
  if (report.errors.length > 0) {
    lines.push("### Errors", "");
    for (const error of report.errors) {
      const where = error.type && error.name ? `\`${error.type}\` ${cell(error.name)}: ` : "";
      // An error can quote HTML-like text (`<anonymous>`) that GitHub would swallow as a tag.
      lines.push(`- ${where}${error.message.replace(/</g, "&lt;")}`);
    }
    lines.push("");
  }
  if (report.resources.length > 0) {
    lines.push(
      "| Resource | Drift | Field | Expected | Actual |",
      "| --- | --- | --- | --- | --- |",
    );
    for (const resource of report.resources) {
      const name = `\`${resource.type}\` ${cell(resource.name)}`;
      if (resource.kind === "deleted") {
        lines.push(`| ${name} | deleted | | exists | gone |`);
        continue;
      }
      if (resource.kind === "pending") {
        lines.push(`| ${name} | pending | | | |`);
        continue;
      }
      resource.fields.forEach((field, i) => {
        const first = i === 0;
        lines.push(
          `| ${first ? name : ""} | ${first ? "changed" : ""} | ${code(field.path)} | ` +
            `${markdownValue(field, "expected")} | ${markdownValue(field, "actual")} |`,
        );
      });
      if (resource.fields.length === 0) lines.push(`| ${name} | changed | | | |`);
    }
    lines.push("");
    for (const resource of report.resources.filter((r) => r.note)) {
      lines.push(`> \`${resource.type}\` ${resource.name}: ${resource.note}`, "");
    }
    lines.push("<details><summary>Resource URNs</summary>", "");
    for (const resource of report.resources) lines.push(`- ${code(resource.urn)}`);
    lines.push("", "</details>", "");
  }
  if (report.status === "drift") lines.push(remedy(report, code), "");
  return `${lines.join("\n").trimEnd()}\n`;
}

/**
 * For other programs: the report as it is, with a value that is not set written as `null` (JSON
 * has no `undefined`, and a dropped key would read as a missing field).
 */
export function formatJson(report: DriftReport): string {
  const replacer = (key: string, value: unknown): unknown =>
    value === undefined && (key === "expected" || key === "actual") ? null : value;
  return `${JSON.stringify(report, replacer, 2)}\n`;
}

function headline(report: DriftReport): string {
  const of = `${report.checked} resource${report.checked === 1 ? "" : "s"}`;
  switch (report.status) {
    case "in-sync":
      return `no drift; ${of} ${report.checked === 1 ? "matches its" : "match their"} last deployment.`;
    case "drift":
      return `${report.resources.length} of ${of} drifted from their last deployment.`;
    case "error": {
      const seen = report.resources.length > 0 ? " Drift seen before it stopped is listed." : "";
      return `the drift check failed.${seen}`;
    }
  }
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

const SIGNS: Record<DriftedResource["kind"], string> = { changed: "~", deleted: "-", pending: "?" };

const WHAT: Record<DriftedResource["kind"], string> = {
  changed: "changed",
  deleted: "deleted outside Pulumi",
  pending: "pending: the create's outcome is unknown",
};

function describe(resource: DriftedResource): string {
  const what = WHAT[resource.kind];
  const id = resource.id ? ` (id ${resource.id})` : "";
  return `${resource.type} ${resource.name}${id}: ${what}`;
}

function failureText(error: DriftFailure): string {
  return error.type && error.name ? `${error.type} ${error.name}: ${error.message}` : error.message;
}

/**
 * Plain `pulumi up` compares the program with the state, which still holds the old values, and
 * would change nothing: the refresh is what brings the drift into the state.
 */
function remedy(report: DriftReport, command: (text: string) => string): string {
  const pending = report.resources.some((r) => r.kind === "pending")
    ? ` A pending record is settled by ${command(`pulumi refresh --stack ${report.stack}`)}: ` +
      "it records what the create made, or drops the record if it made nothing."
    : "";
  return (
    `To restore what the program declares (and recreate what was deleted), run ` +
    `${command(`pulumi up --refresh --stack ${report.stack}`)}. To keep the cloud's values ` +
    `instead, change the program to match them first.${grown(report, command)}${pending}`
  );
}

/**
 * What `pulumi up --refresh` cannot restore: a volume grown outside Pulumi cannot shrink back
 * (the provider refuses, as the API documents no shrink). The one way on is the program's value.
 */
function grown(report: DriftReport, command: (text: string) => string): string {
  const lines: string[] = [];
  for (const r of report.resources) {
    if (r.kind !== "changed" || r.type !== "yotta:Volume") continue;
    const size = r.fields.find((f) => f.path === "sizeInGb" && !f.secret);
    if (typeof size?.expected !== "number" || typeof size.actual !== "number") continue;
    if (size.actual <= size.expected) continue;
    lines.push(
      ` Volume ${r.name} was grown to ${size.actual} GB outside Pulumi and cannot shrink back: ` +
        `set ${command(`sizeInGb: ${size.actual}`)} (or more) in the program before running it.`,
    );
  }
  return lines.join("");
}

/** A value as a reader compares it: strings quoted (so `""` and `"1"` are visible), JSON else. */
function render(field: DriftedField, side: "expected" | "actual"): string {
  if (field.secret) return "[secret]";
  const value = field[side];
  return value === undefined ? "(not set)" : JSON.stringify(value);
}

function markdownValue(field: DriftedField, side: "expected" | "actual"): string {
  return !field.secret && field[side] === undefined ? "*not set*" : code(render(field, side));
}

/** Text in a table cell: a pipe or a line break would end the cell or the row. */
function cell(text: string): string {
  return text.replace(/\|/g, "\\|").replace(/\r?\n/g, " ");
}

/** An inline code span that survives backticks inside the text. */
function code(text: string): string {
  const fence = text.includes("`") ? "``" : "`";
  const pad = text.startsWith("`") || text.endsWith("`") ? " " : "";
  return `${fence}${pad}${cell(text)}${pad}${fence}`;
}
