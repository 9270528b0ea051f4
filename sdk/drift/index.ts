// The drift check: `detectDrift` for programs and tests, the formatters, and the command line.
export { runCli, parseCommand, USAGE, UsageError, type CliIo, type Command } from "./command";
export { detectDrift, type DetectDriftOptions } from "./detect";
export {
  DRIFT_FORMATS,
  formatJson,
  formatMarkdown,
  formatReport,
  formatText,
  type DriftFormat,
} from "./format";
export {
  exitCodeFor,
  SECRET,
  type DriftedField,
  type DriftedResource,
  type DriftFailure,
  type DriftReport,
  type DriftStatus,
} from "./report";
