// Secrets through the real engine: the API key (stack config), a registry password and the
// environment values of a pod and an endpoint must never be readable in anything the engine
// writes to disk or prints, on the way up, preview, refresh, destroy, and when a call fails.
import * as fs from "node:fs";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import * as yotta from "pulumi-yotta";
import {
  collectOutput,
  createYottaStack,
  readStateFile,
  stateResources,
  type YottaStack,
  failureOf,
} from "../support/yotta-stack";

// Distinctive values, so that a match can only be a leak.
const API_KEY = "yk-live-3f8e1a9c5d7b2e40";
const PASSWORD = "Reg1stry-pass-7731-q";
const ROTATED_PASSWORD = "Reg1stry-pass-rotated-2290";
const POD_TOKEN = "hf-pod-token-4410-zz";
const ENDPOINT_TOKEN = "ep-api-token-8812-yy";
const ROTATED_ENDPOINT_TOKEN = "ep-api-token-rotated-5067";

const SECRETS = [
  API_KEY,
  PASSWORD,
  ROTATED_PASSWORD,
  POD_TOKEN,
  ENDPOINT_TOKEN,
  ROTATED_ENDPOINT_TOKEN,
];

/** Every file of the project directory: state, its backups and history, and the stack config. */
function filesUnder(dir: string): string[] {
  return fs
    .readdirSync(dir, { recursive: true, encoding: "utf8" })
    .map((f) => path.join(dir, f))
    .filter((f) => fs.statSync(f).isFile());
}

/** The secrets found in a text; `[]` is the only right answer. */
function leaked(text: string): string[] {
  return SECRETS.filter((s) => text.includes(s));
}

describe("secrets stay secret", () => {
  let t: YottaStack;
  const spec = { password: PASSWORD, endpointToken: ENDPOINT_TOKEN };

  /** Nothing on disk holds a secret; while resources exist, the state holds them encrypted. */
  function expectNothingOnDisk({ encrypted = true } = {}): void {
    const files = filesUnder(t.workDir);
    expect(files.some((f) => f.endsWith("Pulumi.test.yaml"))).toBe(true);
    for (const file of files) {
      expect({ file, leaked: leaked(fs.readFileSync(file, "utf8")) }).toEqual({ file, leaked: [] });
    }
    if (encrypted) expect(readStateFile(t.workDir)).toContain("ciphertext");
  }

  beforeAll(async () => {
    t = await createYottaStack({
      name: "e2e-secrets",
      emulator: { apiKey: API_KEY },
      program: async () => {
        // Plain strings, as a user who forgets pulumi.secret() writes them: the resources make
        // them secret.
        const credential = new yotta.Credential("registry", {
          username: "ci-bot",
          password: spec.password,
        });
        const pod = new yotta.Pod("trainer", {
          image: "registry.example.com/team/trainer:1.0",
          credentialId: credential.id,
          gpuType: "NVIDIA_RTX_4090_24G",
          gpuCount: 1,
          regions: ["us-east-1"],
          environment: { HF_TOKEN: POD_TOKEN },
        });
        // Not tied to the credential, so that an update of both runs both at once.
        const endpoint = new yotta.Endpoint("server", {
          image: "vllm/vllm-openai:v0.6.0",
          resources: [{ region: "us-east-1", gpuType: "NVIDIA_RTX_4090_24G", gpuCount: 1 }],
          workers: 1,
          containerVolumeInGb: 20,
          serviceMode: "ALB",
          environment: { API_TOKEN: spec.endpointToken },
        });
        return {
          credentialId: credential.id,
          password: credential.password,
          podEnvironment: pod.environment,
          endpointEnvironment: endpoint.environment,
          // Derived from a secret output: the engine keeps it secret.
          token: pulumi.interpolate`${endpoint.environment.apply((e) => e.API_TOKEN)}`,
        };
      },
    });
  });

  afterAll(() => t?.dispose());

  test("up: the state on disk and the output hold no secret, and the outputs are secret", async () => {
    const output = collectOutput();
    const up = await t.stack.up({ onOutput: output.onOutput });

    expect(up.summary.resourceChanges).toEqual({ create: 5 });
    expect(output.text()).toContain("registry");
    expect(leaked(output.text())).toEqual([]);
    for (const key of ["password", "podEnvironment", "endpointEnvironment", "token"]) {
      expect({ key, secret: up.outputs[key]?.secret }).toEqual({ key, secret: true });
    }
    // The cloud got the real values: the masking is not that nothing was sent.
    const credentialId = String(up.outputs.credentialId?.value);
    expect(t.emulator.admin.get("credential", credentialId)?.password).toBe(PASSWORD);
    expectNothingOnDisk();
  });

  test("preview and refresh print no secret", async () => {
    const preview = collectOutput();
    const refresh = collectOutput();

    expect((await t.stack.preview({ onOutput: preview.onOutput })).changeSummary).toEqual({
      same: 5,
    });
    await t.stack.refresh({ onOutput: refresh.onOutput, expectNoChanges: true });

    expect(preview.text()).toContain("5 unchanged");
    expect(leaked(preview.text())).toEqual([]);
    expect(refresh.text()).toContain("trainer");
    expect(leaked(refresh.text())).toEqual([]);
    expectNothingOnDisk();
  });

  test("updates the API refuses fail without printing the old or new password or token", async () => {
    spec.password = ROTATED_PASSWORD;
    spec.endpointToken = ROTATED_ENDPOINT_TOKEN;
    // Every attempt at the two PATCH calls, retries included, answered with a server error.
    t.emulator.admin.setFaults([
      { type: "serverError", route: "PATCH /v2/container-registry-auths/{id}" },
      { type: "serverError", route: "PATCH /v2/serverless/{id}" },
    ]);
    const failed = collectOutput();
    let message: string;
    try {
      message = await failureOf(t.stack.up({ onOutput: failed.onOutput }));
    } finally {
      t.emulator.admin.clearFaults();
    }

    expect(message).toMatch(/credentials\.update \(PATCH \/v2\/container-registry-auths\/\d+\)/);
    expect(message).toMatch(/endpoints\.update \(PATCH \/v2\/serverless\/\d+\)/);
    // The new values did reach the API in the refused requests.
    const sent = t.emulator.admin.requests({ method: "PATCH" }).map((r) => r.rawBody);
    expect(sent.some((body) => body.includes(ROTATED_PASSWORD))).toBe(true);
    expect(leaked(message)).toEqual([]);
    expect(leaked(failed.text())).toEqual([]);
    expectNothingOnDisk();

    const retried = collectOutput();
    const up = await t.stack.up({ onOutput: retried.onOutput });
    expect(up.summary.resourceChanges).toMatchObject({ update: 2 });
    const credentialId = String(up.outputs.credentialId?.value);
    expect(t.emulator.admin.get("credential", credentialId)?.password).toBe(ROTATED_PASSWORD);
    expect(leaked(retried.text())).toEqual([]);
    expectNothingOnDisk();
  });

  test("a refused delete of a credential in use, and then destroy, print no secret", async () => {
    // A pod made outside Pulumi that pulls with the stack's credential keeps it in use.
    const credentialId = (await stateResources(t)).get("registry")!.id!;
    const outsider = await t.client.pods.create({
      name: "outsider",
      image: "registry.example.com/team/other:1.0",
      imagePublicType: "PRIVATE",
      containerRegistryAuthId: credentialId,
      gpuType: "NVIDIA_RTX_4090_24G",
      gpuCount: 1,
    });

    const refused = collectOutput();
    const message = await failureOf(t.stack.destroy({ onOutput: refused.onOutput }));
    expect(message).toMatch(
      new RegExp(
        `credential registry-\\w+ \\(${credentialId}\\) is in use by pod outsider \\(${outsider.id}\\)`,
      ),
    );
    expect(leaked(message)).toEqual([]);
    expect(leaked(refused.text())).toEqual([]);
    expect(t.emulator.admin.get("credential", credentialId)).toBeDefined();

    await t.client.pods.delete(outsider.id);
    const destroyed = collectOutput();
    const destroy = await t.stack.destroy({ onOutput: destroyed.onOutput });
    expect(destroy.summary.resourceChanges).toEqual({ delete: 3 });
    expect(t.emulator.admin.get("credential", credentialId)).toBeUndefined();
    expect(leaked(destroyed.text())).toEqual([]);
    expectNothingOnDisk({ encrypted: false });
  });
});
