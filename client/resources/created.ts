import type { z } from "zod";
import { parseResponse } from "../core/validation";

/**
 * The resource a create call answered with. v1 answered a create with the new id alone
 * (`{"data": "333697876700471296"}`) and the emulator can still do so; then the resource is read
 * back by that id, so every `create` returns the full resource either way.
 */
export async function createdResource<S extends z.ZodType>(
  data: unknown,
  schema: S,
  call: string,
  request: string,
  get: (id: string) => Promise<z.output<S>>,
): Promise<z.output<S>> {
  if (typeof data === "string" && data.trim() !== "") return get(data.trim());
  if (typeof data === "number" && Number.isSafeInteger(data)) return get(String(data));
  return parseResponse(schema, data, { call, request });
}
