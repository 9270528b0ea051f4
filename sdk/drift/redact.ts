/** Environment variables whose values must never reach a report, whatever prints them. */
export const SECRET_ENV_VARS = [
  "YOTTA_API_KEY",
  "PULUMI_ACCESS_TOKEN",
  "PULUMI_CONFIG_PASSPHRASE",
] as const;

export const REDACTED = "***";

/**
 * Replaces every occurrence of each secret in `text`. The provider and the client already keep
 * the API key out of their errors; this is the last line, for a provider or a CLI message that
 * does not.
 *
 * Values shorter than four characters are left alone: replacing every "1" or "on" in a message
 * would destroy it, and such a value protects nothing anyway.
 */
export function redact(text: string, secrets: Iterable<string | undefined>): string {
  const values = [...new Set(secrets)]
    .filter((s): s is string => typeof s === "string" && s.length >= 4)
    // Longest first, so a secret that contains another is replaced whole.
    .sort((a, b) => b.length - a.length);
  return values.reduce((out, secret) => out.split(secret).join(REDACTED), text);
}
