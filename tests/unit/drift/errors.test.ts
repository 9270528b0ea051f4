// How a failed check is worded: the CLI's reason out of an Automation API error, secrets out of
// every message.
import { messageOf } from "../../../sdk/drift/detect";
import { redact } from "../../../sdk/drift/redact";

// The message of the Automation API's CommandError is the whole command result, like these
// (recorded from CLI 3.248, paths shortened).
function commandError(code: number, stderr: string): Error {
  return new Error(`code: ${code}\n stdout: \n stderr: ${stderr}\n err?: Error: ${stderr}\n`);
}

test.each([
  {
    name: "a missing stack",
    err: commandError(
      255,
      "Command failed with exit code 255: pulumi refresh --preview-only --stack nope\n" +
        "error: no stack named 'nope' found",
    ),
    message: "no stack named 'nope' found",
  },
  {
    name: "a wrong passphrase",
    err: commandError(
      255,
      "Command failed with exit code 255: pulumi refresh --preview-only --stack test\n" +
        "error: getting stack configuration: get stack secrets manager: incorrect passphrase",
    ),
    message: "getting stack configuration: get stack secrets manager: incorrect passphrase",
  },
  {
    name: "no pulumi on PATH",
    err: commandError(-2, "Command failed with ENOENT: pulumi version\nspawn pulumi ENOENT"),
    message: "spawn pulumi ENOENT",
  },
  { name: "a plain error", err: new Error("socket hang up"), message: "socket hang up" },
  { name: "a thrown string", err: "gave up", message: "gave up" },
])("messageOf gives the reason of $name", ({ err, message }) => {
  expect(messageOf(err)).toBe(message);
});

test("messageOf never keeps a stack trace", () => {
  const err = new Error("boom");

  expect(messageOf(err)).toBe("boom");
  expect(messageOf(commandError(1, `${err.stack}`))).not.toMatch(/\bat /);
});

describe("redact", () => {
  it("replaces every occurrence of each secret", () => {
    const text = "GET /pods with key sk-live-123456 failed; retried with sk-live-123456";

    expect(redact(text, ["sk-live-123456", undefined])).toBe(
      "GET /pods with key *** failed; retried with ***",
    );
  });

  it("replaces a secret that contains another one whole", () => {
    expect(redact("token abcd-efgh", ["abcd", "abcd-efgh"])).toBe("token ***");
  });

  it("leaves values too short to protect anything, rather than mangle the message", () => {
    expect(redact("exit 1 on pod 1", ["1", ""])).toBe("exit 1 on pod 1");
  });
});
