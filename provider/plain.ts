/**
 * The value with every `undefined` removed, nested ones included (in arrays they become null):
 * the host encodes results as protobuf Structs, which reject `undefined` anywhere, and a field
 * the service leaves out must not fail a deployment that otherwise succeeded.
 */
export function plain<T>(value: T): T {
  if (Array.isArray(value)) return value.map((v) => (v === undefined ? null : plain(v))) as T;
  if (value !== null && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const [key, v] of Object.entries(value)) if (v !== undefined) out[key] = plain(v);
    return out as T;
  }
  return value;
}
