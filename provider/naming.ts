import { createHmac, randomBytes } from "node:crypto";
import { UNKNOWN } from "./check";
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
 * How many keyed names one resource can be given: the generations a replacement moves through
 * while the name before it is still held by the resource it replaces.
 */
const GENERATIONS = 64;

/**
 * The suffix of an auto-name keyed by the resource's owner key (`ownerKey`, provider/ownership.ts):
 * the same key and generation always give the same name, so a run that was killed after its
 * create was sent, and the run after it, name the resource alike; nobody without the key can.
 */
export function keyedSuffix(ownerKey: string, generation: number): string {
  return createHmac("sha256", ownerKey)
    .update(`name/${generation}`)
    .digest("hex")
    .slice(0, SUFFIX_LENGTH);
}

/** True when `name` is an auto-name this owner key derives (the proof that the stack chose it). */
export function isKeyedName(name: string, ownerKey: unknown): boolean {
  if (typeof ownerKey !== "string" || ownerKey === "" || ownerKey === UNKNOWN) return false;
  for (let g = 0; g < GENERATIONS; g++) {
    if (name.endsWith(`-${keyedSuffix(ownerKey, g)}`)) return true;
  }
  return false;
}

/**
 * The inputs with the name `check` settles on: the user's, else the one already given to this
 * resource (so an auto-name is stable across updates), else a new one derived from the Pulumi
 * name. On a replacement the engine runs `check` again without the old inputs, so the replacement
 * gets a fresh name and can exist beside the resource it replaces.
 *
 * With an owner key the new name is keyed: the first generation whose name no record of this
 * process holds (`held`: the resource a replacement replaces holds the one before). The same state
 * gives the same name in every run, which is how a create killed in flight is found again. While
 * the key is unknown (a preview before the stack's key exists) so is the name.
 *
 * `autonamePrefix` stays in the inputs only when the name was derived from it: that is how `diff`
 * later knows whether a replacement would keep the user's name (see {@link keepsExplicitName}).
 */
export function withName(
  olds: Record<string, unknown>,
  news: Record<string, unknown>,
  rule: NameRule,
  held: (name: string) => boolean = () => false,
): Record<string, unknown> {
  if (news.name !== undefined && news.name !== null) {
    const { autonamePrefix: _derivedOnly, ...explicit } = news;
    return explicit;
  }
  const previous = olds.name;
  if (typeof previous === "string" && previous !== "") return { ...news, name: previous };
  const logical = news.autonamePrefix;
  if (typeof logical === "string" && logical !== "") {
    const key = news.ownerKey;
    if (key === UNKNOWN) return { ...news, name: UNKNOWN };
    if (typeof key === "string" && key !== "") {
      for (let g = 0; g < GENERATIONS; g++) {
        const name = autoName(logical, rule, () => keyedSuffix(key, g));
        if (!held(name)) return { ...news, name };
      }
    }
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
