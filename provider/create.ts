import { waitFor, YottaError } from "../client";
import { lookWindowMs, pollInterval } from "./config";
import { ResourceInitError } from "./init-error";
import {
  CLOCK_SLACK_MS,
  createToken,
  findMade,
  isOwnerKey,
  isRecorded,
  isSending,
  listIds,
  noteAnswered,
  noteRecorded,
  whileSending,
  type Evidence,
  type Finding,
  type Ownership,
} from "./ownership";
import { isKeyedName } from "./naming";
import { PENDING_KEY, pendingId, type Attempt } from "./pending";
import { progress } from "./progress";

/**
 * Creating a resource exactly once, and only ever calling ours what our own request made.
 *
 * The Yotta API has no idempotency key. So a create carries its proof (provider/ownership.ts: a
 * token in the environment of pods and endpoints, a window of time for the other kinds), and
 * after a failure whose outcome is unknown only a resource with that proof is taken as the one
 * the create made. Pod, endpoint and VM names are not unique, so for them a second POST could
 * make a second GPU: it is never sent while the first may still commit. Volume and credential
 * names are unique, so there the service itself refuses a second resource and a re-send is
 * safe. When the outcome is still unknown at the deadline, the attempt is recorded in the state
 * under a pending id (provider/pending.ts), and the next `up`, `refresh` or `destroy` settles it
 * by looking again. docs/resources.md has the table of faults and what each one leads to.
 */

/**
 * How long after a create that failed ambiguously a resource it made could still appear: well
 * past any list lag and any request the service could still be processing. Within this window,
 * finding nothing proves nothing; after it, a lookup that finds nothing means nothing was made.
 */
export const LOOK_WINDOW_MS = 5 * 60_000;

/** How many times a create is sent again where the service holds names unique. */
const UNIQUE_RESENDS = 2;

export interface CreateOwnedOptions<T extends { id: string }> extends Ownership<T> {
  /** Sends the create; a kind with a token carries `token` in the resource's environment. */
  create: (token: string | undefined) => Promise<T>;
  /** Reads back a resource by id, for a success answer that carried an id but no usable record. */
  get: (id: string) => Promise<T>;
  /** The create deadline (epoch ms). */
  deadline: number;
  /** The checked inputs and the raw ones (with `__provider`), to record a resource that exists. */
  inputs: Record<string, unknown>;
  raw: Record<string, unknown>;
}

/**
 * A create whose failure leaves us unsure whether the cloud made the resource: the connection
 * dropped or timed out after the request went out, the server failed (possibly after the work),
 * or a success answer came back that cannot be read. Every other failure (bad parameters, auth, a
 * rate limit answered before any work) means nothing was made.
 */
export function isAmbiguous(error: unknown): boolean {
  if (!YottaError.isInstance(error)) return false;
  return (
    error.kind === "connection" ||
    error.kind === "timeout" ||
    error.kind === "server" ||
    error.kind === "response_validation"
  );
}

/**
 * Creates the resource once. A name a unique-name kind already uses is refused before anything is
 * sent. After an ambiguous failure the resource is looked for, by its proof, with backoff and
 * tolerating failed lookups, until it appears or the look window (bounded by the deadline) ends;
 * then the outcome is unknown and the attempt is recorded under a pending id, failing this
 * deployment.
 */
export async function createOwned<T extends { id: string; createdAt?: string }>(
  options: CreateOwnedOptions<T>,
): Promise<T> {
  const { kind, name } = options;
  const ownerKey = isOwnerKey(options.inputs.ownerKey) ? options.inputs.ownerKey : undefined;
  const token = options.tokenOf ? createToken(ownerKey, name) : undefined;
  const before = await options.named();
  // What an earlier run of this stack made for this resource and never recorded (it was killed
  // while the create was in flight) carries this create's proof: keep it rather than make another.
  const keyedName = isKeyedName(name, ownerKey);
  const unrecorded = before.filter((r) => !isRecorded(kind, r.id));
  const leftovers = unrecorded.filter((r) =>
    token !== undefined && ownerKey !== undefined ? options.tokenOf?.(r) === token : keyedName,
  );
  if (leftovers.length > 0) return claimLeftover(options, leftovers);
  const knownIds = before.map((r) => r.id);
  if (options.uniqueNames && keyedName && before.length > 0)
    throw nameHeldByPredecessor(kind, name, before);
  if (options.uniqueNames && before.length > 0) throw nameTaken(options, before);
  // A name the user chose, on a kind that carries no token, gives no proof of a killed run's
  // create: another resource of the name may be that create's, or anyone's. Never a silent twin.
  if (!options.tokenOf && !keyedName && unrecorded.length > 0) throw nameTaken(options, unrecorded);

  const from = options.serverNow() - CLOCK_SLACK_MS;
  const sentAt = Date.now();
  try {
    return await send(options, token);
  } catch (error) {
    if (!isAmbiguous(error)) throw error;
    const createdId = (error as { createdId?: unknown }).createdId;
    if (typeof createdId === "string" && createdId !== "") {
      noteAnswered(kind, createdId);
      throw unreadable(options, createdId, error as Error);
    }
    progress(
      kind,
      name,
      `the create call failed (${(error as Error).message}); looking for what it made before anything is sent again`,
    );
    return await lookFor(options, { knownIds, token, from, sentAt, firstError: error as Error });
  }
}

/** One send of the create; the resource it answers with is recorded as this process's. */
function send<T extends { id: string }>(
  options: CreateOwnedOptions<T>,
  token: string | undefined,
): Promise<T> {
  return whileSending(options.kind, options.name, async () => {
    const made = await options.create(token);
    noteAnswered(options.kind, made.id);
    return made;
  });
}

interface Sent {
  knownIds: string[];
  token: string | undefined;
  /** On the service's clock: before the first send. */
  from: number;
  /** On our clock: the first send. */
  sentAt: number;
  firstError: Error;
}

async function lookFor<T extends { id: string; createdAt?: string }>(
  options: CreateOwnedOptions<T>,
  sent: Sent,
): Promise<T> {
  const { kind, name } = options;
  const window = lookWindowMs(LOOK_WINDOW_MS);
  let settledBy = sent.sentAt + window;
  const evidence = (): Evidence => ({
    knownIds: sent.knownIds,
    token: sent.token,
    // Where no token can be read: the window closes when the latest send could still be
    // carried out.
    window: {
      from: sent.from,
      to: options.serverNow() + (settledBy - Date.now()) + CLOCK_SLACK_MS,
    },
  });
  let resends = options.uniqueNames ? UNIQUE_RESENDS : 0;
  let reason = sent.firstError.message;

  const probe = async (): Promise<Probe<T>> => {
    // A sibling's resource of this name, still being answered, could pass this window too.
    if (isSending(kind, name)) return { status: "not listed yet" };
    let finding: Finding<T>;
    try {
      finding = await findMade(evidence(), options);
    } catch (error) {
      reason = `looking it up failed: ${(error as Error).message}`;
      return { status: "lookup failed" };
    }
    if (!("none" in finding)) return { status: "decided", finding };
    // Nothing of ours listed yet. Where names are unique the service refuses a second resource,
    // so sending again cannot duplicate: it either makes the one resource or says the name is
    // taken (then the first attempt made it, and it will show up in the list).
    if (resends > 0) {
      resends--;
      try {
        settledBy = Date.now() + window;
        return { status: "decided", finding: { made: await send(options, sent.token) } };
      } catch (error) {
        if (YottaError.isInstance(error) && !isAmbiguous(error)) resends = 0;
        reason = `sending the create again failed: ${(error as Error).message}`;
      }
    }
    return { status: "not listed yet" };
  };

  let outcome: Probe<T>;
  try {
    outcome = await waitFor(probe, {
      done: (p) => p.status === "decided",
      deadline: Math.min(options.deadline, settledBy),
      interval: pollInterval(),
      describe: `${kind} ${name} to show up`,
    });
  } catch {
    const pending: Attempt = { kind, name, sentAt: sent.sentAt, settledBy, reason, ...evidence() };
    throw new ResourceInitError(
      `${kind} ${name}: the create call failed and whether it made the ${kind} is still unknown ` +
        `(${reason}). Nothing was sent again. The attempt is recorded; the next \`pulumi up\` ` +
        `(or refresh, or destroy) looks for it again and keeps or removes what it made.`,
      pendingId(),
      { ...options.inputs, [PENDING_KEY]: pending },
      options.raw,
    );
  }
  const finding = outcome.finding!;
  if ("several" in finding) {
    throw new Error(
      `${kind} ${name}: the create call failed, and since then ${finding.several.length} ` +
        `${kind}s with this name and spec appeared (${listIds(kind, finding.several)}); one of ` +
        `them may be ours, the others were made by someone else at the same time. None was ` +
        `adopted. Delete the ones you do not want, then set adoptId to the one to keep.`,
    );
  }
  if ("recorded" in finding) {
    throw new Error(
      `${kind} ${name}: the create call failed; it made ${kind} ${finding.recorded.id}, which ` +
        `another resource of this stack records already, so it is left to that one. Run ` +
        "`pulumi up` again to create this one.",
    );
  }
  const made = (finding as { made: T }).made;
  noteRecorded(kind, made.id);
  progress(kind, name, `the create call failed, but it made ${kind} ${made.id}: kept`);
  return made;
}

interface Probe<T> {
  status: "decided" | "lookup failed" | "not listed yet";
  finding?: Finding<T>;
}

/** The create succeeded but its answer cannot be read: record the id, read the rest later. */
function unreadable(
  options: Pick<CreateOwnedOptions<{ id: string }>, "kind" | "name" | "inputs" | "raw">,
  id: string,
  error: Error,
): ResourceInitError {
  return new ResourceInitError(
    `${options.kind} ${options.name}: created as ${options.kind} ${id}, but the answer could not be ` +
      `read (${error.message}); it is recorded, and the next \`pulumi up\` reads it again`,
    id,
    { ...options.inputs, id },
    options.raw,
  );
}

function nameTaken<T extends { id: string }>(
  options: Pick<Ownership<T>, "kind" | "name" | "priceOf">,
  found: T[],
): Error {
  const { kind, name } = options;
  const which = found.map((r) => described(options, r)).join(", ");
  return new Error(
    `${kind} name "${name}" is already taken by ${which}, which this stack does not record. ` +
      `To manage that ${kind} here (an interrupted \`pulumi up\` may have made it), set adoptId: ` +
      `"${found[0]!.id}"; otherwise choose another name.`,
  );
}

/**
 * A keyed auto-name that a resource this stack records already holds: only a replacement the
 * engine forces without asking `diff` first (`pulumi up --replace`) gets here, since `check` then
 * runs before the resource it replaces is known and derives that resource's own name.
 */
function nameHeldByPredecessor(kind: string, name: string, held: { id: string }[]): Error {
  return new Error(
    `${kind} ${name}: the name belongs to ${listIds(kind, held)}, which this stack records: a ` +
      "replacement forced with `pulumi up --replace` keeps the auto-name, and the service holds " +
      `${kind} names unique. Nothing was sent. Set deleteBeforeReplace on the resource for that ` +
      "replacement, or change a field that replaces it (its replacement gets a new name).",
  );
}

/** `pod 42 (billing 2.5 USD an hour)`: a found resource, with its price where reported. */
function described<T extends { id: string }>(
  options: Pick<Ownership<T>, "kind" | "priceOf">,
  found: T,
): string {
  const price = options.priceOf?.(found);
  return price === undefined
    ? `${options.kind} ${found.id}`
    : `${options.kind} ${found.id} (billing ${price} USD an hour)`;
}

/**
 * A resource an earlier run of this stack made for this one and never recorded (the run was
 * killed, or its answer lost, while the create was in flight): it carries this create's proof.
 * Kept when it is the only one and matches what the program declares; otherwise nothing is made
 * and nothing is touched, and the message names what was found and what settles it.
 */
function claimLeftover<T extends { id: string }>(
  options: CreateOwnedOptions<T>,
  leftovers: T[],
): T {
  const { kind, name } = options;
  const [one] = leftovers;
  if (leftovers.length === 1 && one !== undefined && options.matches(one)) {
    noteAnswered(kind, one.id);
    progress(
      kind,
      name,
      `${kind} ${one.id} was made for this resource by an earlier run of this stack that ended ` +
        "before recording it: kept, nothing new is created",
    );
    return one;
  }
  const which = leftovers.map((r) => described(options, r)).join(", ");
  if (leftovers.length > 1) {
    return fail(
      `${kind} ${name}: earlier runs of this stack that ended before recording their creates made ` +
        `${which} for this resource. Nothing was created and none was kept. Delete all but the ` +
        "one to keep, then run `pulumi up` again: it keeps that one if it matches the program.",
    );
  }
  return fail(
    `${kind} ${name}: ${which} was made for this resource by an earlier run of this stack that ` +
      "ended before recording it, and it no longer matches the program. Nothing was created and " +
      `it was left alone. Delete ${kind} ${one!.id} and run \`pulumi up\` again to create the ` +
      `${kind} as declared, or declare it as it was made and run \`pulumi up\`, which keeps it.`,
  );
}

function fail(message: string): never {
  throw new Error(message);
}
