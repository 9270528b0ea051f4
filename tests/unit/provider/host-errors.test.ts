// What the dynamic-provider host prints for a failed call: it writes `${error}: ${error.stack}`
// to stderr (@pulumi/pulumi cmd/dynamic-provider), which the engine shows under the stack.
import { call, forHost } from "../../../provider/dispatch";
import { ConnectionError } from "../../../client";

/** The host's line for an error, as its catch blocks build it. */
const hostLine = (e: Error): string => `${String(e)}: ${e.stack}`;

const MESSAGE = "pods.get (GET /v2/pods/42): connection failed: ECONNRESET";

function connectionError(): Error {
  return new ConnectionError(MESSAGE, { call: "pods.get" });
}

test("without the change, the host prints the message twice and a trace", () => {
  const line = hostLine(connectionError());
  expect(line.split(MESSAGE)).toHaveLength(3);
  expect(line).toMatch(/\n\s+at /);
});

test("an error handed to the host prints its name and message once, on one line", () => {
  const error = forHost(connectionError(), {}) as Error;
  expect(hostLine(error)).toBe(`ConnectionError: ${MESSAGE}`);
  // What the engine reports for the resource, and what code checks, are unchanged.
  expect(error.message).toBe(MESSAGE);
  expect(error).toBeInstanceOf(ConnectionError);
  expect(error.name).toBe("ConnectionError");
});

test("YOTTA_DEBUG=1 keeps the trace", () => {
  const error = forHost(connectionError(), { YOTTA_DEBUG: "1" }) as Error;
  expect(hostLine(error)).toMatch(/\n\s+at /);
});

test("what is not an Error passes through untouched", () => {
  expect(forHost("text", {})).toBe("text");
  expect(forHost(undefined, {})).toBeUndefined();
});

test("every call through the dispatch entry fails that way", async () => {
  const failure = (await call("nope" as never, "check", []).catch((e: unknown) => e)) as Error;
  expect(hostLine(failure)).toBe('Error: pulumi-yotta has no resource "nope": upgrade the package');
});

test("a GPU type the service does not sell: the error says which known code was likely meant", () => {
  const error = forHost(
    new Error(
      "pods.create (POST /v2/pods) failed with HTTP 200, code 10001: gpu type [NVIDIA_H100_80GB] not supported",
    ),
    {},
  ) as Error;
  expect(error.message).toBe(
    "pods.create (POST /v2/pods) failed with HTTP 200, code 10001: gpu type [NVIDIA_H100_80GB] not supported. Did you mean NVIDIA_H100_80G?",
  );
  expect(forHost(new Error("gpu type [ZZZ] not supported"), {}) as Error).toHaveProperty(
    "message",
    "gpu type [ZZZ] not supported",
  );
});
