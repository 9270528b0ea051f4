import { randomBytes } from "node:crypto";
import { sameValue } from "./diff";

/** The Yotta name rule for endpoints and credentials: a letter, then letters, digits, `@._-`. */
export { STRICT_NAME } from "../client/core/rules";

export interface NameRule {
  maxLength: number;
  /** Characters allowed after the first; anything else becomes `-`. */
  allowed: RegExp;
  /** The name must start with a letter. */
  letterFirst: boolean;
}

/** Pods, volumes and VMs: up to 255 characters; auto-names keep to the strict characters. */
export const LONG_NAMES: NameRule = {
  maxLength: 255,
  allowed: /[A-Za-z0-9@._-]/,
  letterFirst: false,
};

/** Endpoints and credentials: {@link STRICT_NAME}, a letter then up to 19 more. */
export const SHORT_NAMES: NameRule = {
  maxLength: 20,
  allowed: /[A-Za-z0-9@._-]/,
  letterFirst: true,
};

const SUFFIX_LENGTH = 7;

/**
 * Derives a cloud name from the Pulumi resource name plus a random suffix, within the API's rule:
 * `trainer` becomes `trainer-3f9a2c1`. The prefix is trimmed so the suffix always fits, which
 * keeps names unique per deployment even under the 20-character limit.
 */
export function autoName(logicalName: string, rule: NameRule, random = randomSuffix): string {
  let prefix = [...logicalName].map((c) => (rule.allowed.test(c) ? c : "-")).join("");
  if (rule.letterFirst && !/^[A-Za-z]/.test(prefix)) prefix = `y${prefix}`;
  const room = rule.maxLength - SUFFIX_LENGTH - 1;
  prefix = prefix.slice(0, room).replace(/-+$/, "");
  if (prefix === "") prefix = "y";
  return `${prefix}-${random()}`;
}

function randomSuffix(): string {
  return randomBytes(4).toString("hex").slice(0, SUFFIX_LENGTH);
}

/**
 * The inputs with the name `check` settles on: the user's, else the one already given to this
 * resource (so an auto-name is stable across updates), else a new one derived from the Pulumi
 * name. On a replacement the engine runs `check` again without the old inputs, so the replacement
 * gets a fresh name and can exist beside the resource it replaces.
 *
 * `autonamePrefix` stays in the inputs only when the name was derived from it: that is how `diff`
 * later knows whether a replacement would keep the user's name (see {@link keepsExplicitName}).
 */
export function withName(
  olds: Record<string, unknown>,
  news: Record<string, unknown>,
  rule: NameRule,
): Record<string, unknown> {
  if (news.name !== undefined && news.name !== null) {
    const { autonamePrefix: _derivedOnly, ...explicit } = news;
    return explicit;
  }
  const previous = olds.name;
  if (typeof previous === "string" && previous !== "") return { ...news, name: previous };
  const logical = news.autonamePrefix;
  if (typeof logical === "string" && logical !== "") {
    return { ...news, name: autoName(logical, rule) };
  }
  return news;
}

/**
 * True when a replacement would carry the user's own name over from the resource it replaces.
 * Where the service holds names unique, that replacement can only be made once the old resource
 * is gone (`deleteBeforeReplace`); an auto-named one gets a fresh name and is made first.
 */
export function keepsExplicitName(
  olds: Record<string, unknown>,
  news: Record<string, unknown>,
): boolean {
  return news.autonamePrefix === undefined && sameValue(olds.name, news.name);
}
