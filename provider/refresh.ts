import { isNotFound } from "../client";

/**
 * The desired-state view of a live resource, for `read`: for each field of the table, the live
 * value when the API reports it and the user manages it, else the last applied value.
 *
 * - A field the user left unset stays unset, so a server-side default (a container disk of 20 GB
 *   the user never asked for) is not reported as drift.
 * - A field the API does not return (a password, the acceptable regions) keeps its last applied
 *   value: drift there cannot be seen, and inventing one would replace the resource.
 */
export function liveDesired<T extends object>(
  stored: Partial<T>,
  live: Partial<T>,
  fields: readonly (keyof T)[],
): Partial<T> {
  const out: Partial<T> = {};
  for (const field of fields) {
    const applied = stored[field];
    const current = live[field];
    if (applied === undefined || applied === null) continue;
    out[field] = current === undefined || current === null ? applied : current;
  }
  return out;
}

/** The resource, or `undefined` when the service says it does not exist (deleted out of band). */
export async function unlessGone<T>(get: Promise<T>): Promise<T | undefined> {
  try {
    return await get;
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
}
