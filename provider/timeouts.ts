import { z } from "zod";

/**
 * Pulumi's `customTimeouts` option never reaches a dynamic provider, so each resource takes a
 * `timeouts` input of its own, in Pulumi's duration form ("90s", "20m", "1h30m").
 */
export const DURATION = /^(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$/;

export const Duration = z.string().refine((s) => DURATION.test(s) && durationMs(s) > 0, {
  message: 'must be a positive duration such as "90s", "20m" or "1h30m"',
});

export const Timeouts = z
  .strictObject({
    create: Duration.optional(),
    update: Duration.optional(),
    delete: Duration.optional(),
  })
  .optional();
export type Timeouts = z.infer<typeof Timeouts>;

export type Operation = "create" | "update" | "delete";
export type TimeoutDefaults = Record<Operation, string>;

export function durationMs(text: string): number {
  const match = DURATION.exec(text);
  if (!match) throw new Error(`invalid duration "${text}"`);
  const [, h = "0", m = "0", s = "0"] = match;
  return ((Number(h) * 60 + Number(m)) * 60 + Number(s)) * 1000;
}

/** The deadline (epoch ms) for one operation: the resource's own timeout, else the default. */
export function deadlineFor(
  op: Operation,
  timeouts: Timeouts | undefined,
  defaults: TimeoutDefaults,
  now: number = Date.now(),
): number {
  return now + durationMs(timeouts?.[op] ?? defaults[op]);
}

/**
 * The delete deadline from stored outputs, read leniently: state written by an older release (an
 * unparsable `timeouts`) must never block a delete, so it falls back to the default.
 */
export function deleteDeadline(
  props: Record<string, unknown>,
  defaults: TimeoutDefaults,
  now: number = Date.now(),
): number {
  const timeouts = Timeouts.safeParse(props.timeouts);
  return deadlineFor("delete", timeouts.success ? timeouts.data : undefined, defaults, now);
}
