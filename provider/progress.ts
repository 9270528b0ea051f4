/**
 * Progress while waiting on the cloud. The dynamic-provider host forwards its output to the CLI,
 * which prints it during `pulumi up`; a line per status change is what a user watching a
 * 10-minute endpoint start wants to see.
 */
export function progress(kind: string, name: string, message: string): void {
  console.log(`yotta ${kind} ${name}: ${message}`);
}

/** A warning that stops nothing (a record of the account passed over): printed once, as is. */
export function warning(message: string): void {
  console.warn(`yotta warning: ${message}`);
}
