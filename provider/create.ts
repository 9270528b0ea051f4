import { YottaError } from "../client";
import { progress } from "./progress";

/**
 * A create whose failure leaves us unsure whether the cloud made the resource: the connection
 * dropped or timed out after the request went out, or the server failed mid-way. Every other
 * failure (bad parameters, auth, a rate limit answered before any work) means nothing was made.
 */
export function isAmbiguous(error: unknown): boolean {
  if (!YottaError.isInstance(error)) return false;
  return error.kind === "connection" || error.kind === "timeout" || error.kind === "server";
}

export interface CreateOnceOptions<T> {
  /** `pod`, `volume`, ...: for progress messages. */
  kind: string;
  name: string;
  create: () => Promise<T>;
  /** Finds the resource an earlier attempt may have made: same unique name and same spec. */
  find: () => Promise<T | undefined>;
  /** Total create attempts, each after a lookup has shown the previous one made nothing. */
  attempts?: number;
}

/**
 * Creates a resource exactly once. The client never retries a create on its own; here, after an
 * ambiguous failure, the resource is looked up by its unique name and adopted if it was made,
 * and only if it was not is the create sent again. So a dropped response never leaves a second,
 * untracked GPU billing in the account.
 */
export async function createOnce<T>(options: CreateOnceOptions<T>): Promise<T> {
  const attempts = options.attempts ?? 3;
  for (let attempt = 1; ; attempt++) {
    try {
      return await options.create();
    } catch (error) {
      if (!isAmbiguous(error)) throw error;
      const found = await options.find();
      if (found !== undefined) {
        progress(
          options.kind,
          options.name,
          "the create call failed after reaching the API; found the new resource and adopted it",
        );
        return found;
      }
      if (attempt >= attempts) throw error;
      progress(
        options.kind,
        options.name,
        `the create call failed (${(error as Error).message}); nothing was made, trying again`,
      );
    }
  }
}
