/**
 * Credentials: `check` passes exactly when the client accepts the create request built from the
 * inputs, and the emulator accepts every create whose inputs passed.
 */
import fc from "fast-check";
import { CredentialCreate } from "../../../client";
import type { CredentialCreate as CredentialRequest } from "../../../client";
import * as credential from "../../../provider/credential";
import {
  EMULATOR_RUNS,
  OFFLINE_RUNS,
  agreesWithClient,
  emulatorAndClient,
  maybe,
  mostly,
  sendIfChecked,
  shortName,
} from "./inputs.arbitraries";

type Inputs = Record<string, unknown>;

const TYPES = ["DOCKER_HUB", "GCR", "ECR", "ACR", "PRIVATE"] as const;

/** The create request, as `create` builds it (inline there): the four fields the API takes. */
function request(inputs: Inputs): CredentialRequest {
  const { name, type, username, password } = inputs;
  return { name, type, username, password } as CredentialRequest;
}

const secret = fc.string({ minLength: 1, maxLength: 40 });

const roughCredential = fc.record({
  name: mostly(shortName, "", " ", "1registry", "a".repeat(21), "my registry", "a\nb"),
  type: maybe(mostly(fc.constantFrom(...TYPES), "QUAY", "docker_hub")),
  username: mostly(secret, "", "u".repeat(256), 7),
  password: mostly(secret, "", "p".repeat(256)),
});

describe("credential: check and the client agree", () => {
  it("check passes exactly when the client would send the create request", async () => {
    await fc.assert(
      fc.asyncProperty(
        roughCredential,
        agreesWithClient(credential.check, CredentialCreate, request),
      ),
      OFFLINE_RUNS,
    );
  });
});

describe("credential: the emulator accepts what check passed", () => {
  const env = emulatorAndClient();

  it("accepts every create request whose inputs passed check", async () => {
    await fc.assert(
      fc.asyncProperty(roughCredential, async (raw: Inputs) => {
        // Names are unique per account: each run starts from an empty one.
        env.cloud.admin.reset();
        const made = await sendIfChecked(credential.check, raw, (i) =>
          env.client.credentials.create(request(i)),
        );
        if (made) expect(made.sent).toMatchObject({ name: raw.name });
      }),
      EMULATOR_RUNS,
    );
  });
});
