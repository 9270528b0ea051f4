/**
 * Debug output, off unless asked for (`YOTTA_DEBUG=1`, or the client's `debug` option), and
 * redacted by field before it is written: request bodies carry registry passwords and usernames,
 * environment variable values (often tokens), start commands with tokens in them, webhook URLs
 * with tokens in their query, and headers forwarded to workers.
 */

/** Where debug lines go. */
export type DebugSink = (line: string) => void;

const REDACTED = "[redacted]";

/** Keys whose values are secrets wherever they appear. */
const SECRET_KEY = /pass(word)?|token|secret|api[-_]?key|authorization|credential|auth[-_]?key/i;

/** Keys holding `[{key, value}]` lists whose values are secrets but whose keys are useful. */
const ENV_LIST_KEYS = new Set(["environmentVars", "envVars"]);

/** Keys holding maps whose every value is a secret (headers forwarded with a task). */
const SECRET_MAP_KEYS = new Set(["headers"]);

/**
 * Fields that are not secrets by name but carry them in practice: a start command passes tokens
 * (`--token hf_…`), a registry username is half a login.
 */
const SECRET_TEXT_KEYS = new Set(["initializationCommand", "username"]);

/** URL fields whose query string carries tokens (`…/hook?token=…`): the query is dropped. */
const URL_KEYS = new Set(["webhook"]);

/** A copy of `value` with secrets replaced; the original is not touched. */
export function redact(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(redact);
  // Only plain objects are walked: anything else (an int64 id wrapper) is data, not a container.
  if (
    typeof value !== "object" ||
    value === null ||
    Object.getPrototypeOf(value) !== Object.prototype
  ) {
    return value;
  }
  const out: Record<string, unknown> = {};
  for (const [key, inner] of Object.entries(value)) {
    if (inner === undefined || inner === null) out[key] = inner;
    else if (SECRET_KEY.test(key) || SECRET_TEXT_KEYS.has(key)) out[key] = REDACTED;
    else if (URL_KEYS.has(key) && typeof inner === "string") out[key] = withoutQuery(inner);
    else if (ENV_LIST_KEYS.has(key) && Array.isArray(inner)) out[key] = inner.map(redactEnvEntry);
    else if (SECRET_MAP_KEYS.has(key) && typeof inner === "object") {
      out[key] = Object.fromEntries(Object.keys(inner).map((k) => [k, REDACTED]));
    } else out[key] = redact(inner);
  }
  return out;
}

/** A URL with its query string and fragment replaced, and any credentials before the host. */
function withoutQuery(url: string): string {
  const cut = url.search(/[?#]/);
  const base = cut < 0 ? url : `${url.slice(0, cut)}?${REDACTED}`;
  return base.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^/@]*@/i, `$1${REDACTED}@`);
}

function redactEnvEntry(entry: unknown): unknown {
  if (typeof entry !== "object" || entry === null) return REDACTED;
  return { ...entry, value: REDACTED };
}

/** The sink chosen by the environment: stderr when `YOTTA_DEBUG` is set to a true value. */
export function debugSinkFromEnv(env: NodeJS.ProcessEnv = process.env): DebugSink | undefined {
  const flag = env.YOTTA_DEBUG?.trim().toLowerCase();
  if (!flag || flag === "0" || flag === "false" || flag === "no" || flag === "off")
    return undefined;
  return (line) => process.stderr.write(`${line}\n`);
}

/**
 * `text` with every occurrence of `secret` replaced: the last line of defence behind
 * {@link redact}, for text a caller or a server wrote (messages, debug lines), not a
 * replacement for it.
 */
export function scrub(text: string, secret: string): string {
  return secret === "" ? text : text.split(secret).join(REDACTED);
}
