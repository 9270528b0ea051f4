import { randomBytes } from "node:crypto";
import type * as pulumi from "@pulumi/pulumi";
import type { CheckResult } from "./check";
import type { ResourceModule } from "./resource";

/**
 * The stack's key: one resource per stack (`yotta-stack-key`, made by the SDK before any other),
 * whose only output is 256 random bits kept in the stack's state. It touches no API.
 *
 * Every resource the SDK declares gets an owner key, the HMAC of this key and the resource's
 * identity (`sdk/internal/stack-key.ts`), and keys its auto-name and its create token with it
 * (provider/naming.ts, provider/ownership.ts). The state outlives a killed `pulumi up`, so the run
 * after it derives the same proofs, finds what the killed run's creates made, and keeps it
 * instead of making a second (docs/design.md, "A killed run").
 */
export type StackKeyModule = Omit<ResourceModule, "ownership">;

export const configure: StackKeyModule["configure"] = async () => {};

export const check: StackKeyModule["check"] = async (_olds, news): Promise<CheckResult> => ({
  inputs: news,
  failures: [],
});

/** The key never changes: a new one would orphan what the old one proves. */
export const diff: StackKeyModule["diff"] = async (): Promise<pulumi.dynamic.DiffResult> => ({
  changes: false,
});

export const create: StackKeyModule["create"] = async () => ({
  id: `stack-key-${randomBytes(4).toString("hex")}`,
  outs: { key: randomBytes(32).toString("hex") },
});

/** Nothing outside the state holds it: what the state has is what there is. */
export const read: StackKeyModule["read"] = async (id, props) => ({ id, props });

export const update: StackKeyModule["update"] = async (_id, olds) => ({ outs: olds });

export const remove: StackKeyModule["remove"] = async () => {};
