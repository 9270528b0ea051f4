import { runPulumiCliScript } from "../../scripts/engine";

// Runs once before the e2e suites: a missing or deleted CLI cache is rebuilt here (or the run
// fails saying how to get Pulumi) instead of every suite racing to do it or being skipped.
export default function globalSetup(): void {
  runPulumiCliScript();
}
