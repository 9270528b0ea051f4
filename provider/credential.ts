import type * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import type { Credential as LiveCredential, CredentialUpdate } from "../client";
import { isBusy, isNotFound } from "../client";
import { yotta } from "./config";
import { createOwned } from "./create";
import type { Ownership } from "./ownership";
import { COMMON_FIELDS, mismatches, type FieldTable, type InputTable } from "./diff";
import { progress } from "./progress";
import { SHORT_NAMES } from "./naming";
import { resourceKit } from "./resource";
import { unlessGone } from "./refresh";
import { CredentialTypeIn, Secret, ShortName } from "../client/core/rules";
import { CommonInputs } from "./schemas";
import { deadlineFor, type TimeoutDefaults } from "./timeouts";

export { configure } from "./config";

// Nothing here waits on the cloud (a credential is usable as soon as it is stored): `timeouts`
// bounds only how long a create whose answer was lost looks for what it made.
const TIMEOUTS: TimeoutDefaults = { create: "5m", update: "5m", delete: "5m" };

/**
 * A credential's inputs, normalized: what `check` returns and what `diff` and `read` compare.
 * The API's rules come from client/core/rules.ts, shared with the client's request schema.
 */
export const CredentialInputs = z.strictObject({
  name: ShortName.optional(),
  type: CredentialTypeIn.optional(),
  username: Secret,
  password: Secret,
  ...CommonInputs,
});

export type CredentialInputs = z.output<typeof CredentialInputs>;

/** The fields one PATCH can change. */
const PATCHABLE = ["name", "username", "password"] as const;

const FIELDS: FieldTable<CredentialInputs> = {
  name: "update",
  username: "update",
  password: "update",
  type: "replace",
  ...COMMON_FIELDS,
} satisfies InputTable<CredentialInputs>;

/** What the state holds for a credential: the normalized inputs plus what the cloud reports. */
export type CredentialOutputs = CredentialInputs & {
  id: string;
  createdAt?: string;
};

/** The desired-state fields the API reports back; the password is never among them. */
const REPORTED: (keyof CredentialInputs)[] = ["name", "type", "username"];

const kit = resourceKit({
  kind: "credential",
  schema: CredentialInputs,
  shape: CredentialInputs,
  fields: FIELDS,
  timeouts: TIMEOUTS,
  names: SHORT_NAMES,
  uniqueNames: "always",
});

export const { check, diff } = kit;

export async function create(raw: Record<string, unknown>): Promise<pulumi.dynamic.CreateResult> {
  const inputs = kit.inputsOf(raw);
  const client = yotta();
  const deadline = deadlineFor("create", inputs.timeouts, TIMEOUTS);
  const credential = inputs.adoptId
    ? await adopt(inputs)
    : await createOwned({
        ...ownershipOf(inputs.name!, inputs),
        create: () =>
          client.credentials.create(
            {
              name: inputs.name!,
              type: inputs.type,
              username: inputs.username,
              password: inputs.password,
            },
            { deadline },
          ),
        get: (id) => client.credentials.get(id),
        deadline,
        inputs,
        raw,
      });
  return { id: credential.id, outs: outputs(inputs, credential) };
}

/**
 * How to find the credential a create of these inputs made. Names are unique: a name another
 * credential holds is refused before anything is sent, and a re-send cannot duplicate. The secret
 * is not returned, so a new credential with the name is ours when its type (and username, where
 * reported) agrees.
 */
function ownershipOf(
  name: string,
  inputs: CredentialInputs | undefined,
): Ownership<LiveCredential> {
  return kit.ownership(name, {
    named: () => yotta().credentials.findByName(name),
    matches: (c) => inputs !== undefined && mismatches(desiredOf(c), inputs, MATCHED).length === 0,
  });
}

/** For a record whose create had an unknown outcome: its credentials, whatever its stored inputs. */
export function ownership(props: Record<string, unknown>): Ownership<LiveCredential> {
  return ownershipOf(String(props.name ?? ""), kit.inputsIfValid(props));
}

// The password is never returned (and the username not always): they keep their stored values,
// so drift in them cannot be seen.
export const read = kit.read({
  live: getOrUndefined,
  outputs: (stored, live) => outputs(stored, live),
  desiredOf,
  reported: REPORTED,
});

export const update = kit.update(async (id, inputs, olds) => {
  const client = yotta();
  // A partial PATCH with only what changed: a rename does not resend the secret, and a password
  // rotation touches nothing else.
  const body: CredentialUpdate = {};
  for (const field of PATCHABLE) {
    if (inputs[field] !== undefined && inputs[field] !== olds[field]) body[field] = inputs[field];
  }
  const changed = Object.keys(body);
  if (changed.length > 0) {
    await client.credentials.update(id, body);
    progress("credential", inputs.name ?? id, `updated ${changed.join(", ")}`);
  }
  return { outs: outputs(inputs, await client.credentials.watcher.get(id)) };
});

export const remove = kit.remove(async (id, { name }) => {
  try {
    await yotta().credentials.delete(id);
  } catch (err) {
    if (isNotFound(err)) return;
    if (!isBusy(err)) throw err;
    // 12001: a pod or endpoint still pulls with it.
    const users = await usersOf(id);
    throw new Error(
      `credential ${name} (${id}) is in use by ${users ?? `pods or endpoints (${(err as Error).message})`}. ` +
        "Delete them or switch them to another credential first.",
    );
  }
});

async function adopt(inputs: CredentialInputs): Promise<LiveCredential> {
  const id = inputs.adoptId!;
  const client = yotta();
  const live = await getOrUndefined(id);
  if (!live) throw new Error(`adoptId: credential ${id} does not exist`);
  const differences = mismatches(desiredOf(live), inputs, ["name", ...MATCHED]);
  if (differences.length > 0) {
    throw new Error(
      `adoptId: credential ${id} does not match the declared inputs: ${differences.join("; ")}`,
    );
  }
  // The stored secret cannot be read back to compare: set the declared one, so the state says
  // what the credential really holds.
  await client.credentials.update(id, { username: inputs.username, password: inputs.password });
  progress("credential", inputs.name ?? id, "adopted; username and password set as declared");
  return client.credentials.watcher.get(id);
}

/**
 * What an existing credential must match to be the one a create made (found by its unique name)
 * or, with the name, to be adopted. The secret is never reported, so it cannot be compared.
 */
const MATCHED = ["type", "username"] as const;

/**
 * Who uses the credential, for an error message: live pods and endpoints that refer to it. Returns
 * undefined when they cannot be listed or none reports the reference.
 */
async function usersOf(id: string): Promise<string | undefined> {
  const client = yotta();
  try {
    const pods = (await client.pods.watcher.list())
      .filter(
        (p) =>
          p.containerRegistryAuthId === id &&
          p.status !== "TERMINATED" &&
          p.status !== "TERMINATING",
      )
      .map((p) => `pod ${p.name} (${p.id})`);
    const endpoints = (await client.endpoints.watcher.list())
      .filter((e) => e.containerRegistryAuthId === id)
      .map((e) => `endpoint ${e.name} (${e.id})`);
    const users = [...pods, ...endpoints];
    return users.length > 0 ? users.join(", ") : undefined;
  } catch {
    return undefined;
  }
}

function desiredOf(credential: LiveCredential): Partial<CredentialInputs> {
  return {
    name: credential.name,
    type: credential.type as CredentialInputs["type"],
    username: credential.username,
  };
}

function outputs(inputs: CredentialInputs, credential: LiveCredential): CredentialOutputs {
  return { ...inputs, id: credential.id, createdAt: credential.createdAt };
}

/** The stored inputs among a resource's stored outputs (which also carry what the cloud said). */
/** The credential as it is now, read in the watcher's next round (shared with concurrent reads). */
function getOrUndefined(id: string): Promise<LiveCredential | undefined> {
  return unlessGone(yotta().credentials.watcher.get(id));
}
