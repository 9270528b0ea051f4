import type { z } from "zod";
import { AbortedError, ResponseValidationError } from "../core/errors";
import { Id } from "../core/fields";
import { parseResponse } from "../core/validation";

/**
 * The resource a create call answered with, for every resource's `create`.
 *
 * A create answered with code 10000 made the resource, and it bills, whether or not its `data`
 * fits the schema. So the answer is read as leniently as it can be:
 * - the new id alone (`{"data": "333697876700471296"}`, as v1 answered): the resource is read
 *   back by that id;
 * - a resource that fits: returned;
 * - a resource that does not fit (`status: null`, a timestamp in another format, a price of
 *   `""`) but whose `id` can be read (a string, or a number read losslessly): read back by id;
 * - no id at all (`data: null`): the {@link ResponseValidationError} without `createdId`, since
 *   nothing says what was made.
 * When the read-back fails too, the error is a {@link ResponseValidationError} carrying the id as
 * `createdId`, so the caller can keep track of the resource instead of losing it.
 */
export async function createdResource<S extends z.ZodType>(
  data: unknown,
  schema: S,
  call: string,
  request: string,
  get: (id: string) => Promise<z.output<S>>,
): Promise<z.output<S>> {
  const bareId = idOf(data);
  if (bareId !== undefined) {
    return readBack(bareId, get, call, `${call} (${request}): created ${bareId}`);
  }
  let unfit: ResponseValidationError;
  try {
    return parseResponse(schema, data, { call, request });
  } catch (error) {
    if (!ResponseValidationError.isInstance(error)) throw error;
    unfit = error;
  }
  const id = typeof data === "object" && data !== null && "id" in data ? idOf(data.id) : undefined;
  if (id === undefined) throw unfit;
  return readBack(id, get, call, `${unfit.message}; created ${id}`);
}

/** An id as the response schemas read one, or undefined. */
function idOf(value: unknown): string | undefined {
  const result = Id.safeParse(value);
  return result.success ? result.data : undefined;
}

/** Reads the new resource back; `created` opens the message if that fails. */
async function readBack<T>(
  id: string,
  get: (id: string) => Promise<T>,
  call: string,
  created: string,
): Promise<T> {
  try {
    return await get(id);
  } catch (error) {
    // The caller asked to stop: that is its answer, not the resource's.
    if (AbortedError.isInstance(error)) throw error;
    const why = error instanceof Error ? error.message : String(error);
    throw new ResponseValidationError(`${created}, but reading it back failed: ${why}`, {
      call,
      code: 10000,
      createdId: id,
      cause: error,
    });
  }
}
