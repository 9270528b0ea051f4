// Sends one task to the queue endpoint the stack deployed and waits for its result:
//
//   npx ts-node submit-task.ts "$(pulumi stack output endpointId)" '{"texts": ["hello"]}'
//
// It needs only the Yotta client, not Pulumi: the key comes from YOTTA_API_KEY, and
// YOTTA_API_URL points it at another API than the real service (the emulator, for instance).
import { randomUUID } from "node:crypto";
import { YottaClient, waitFor, type Task } from "pulumi-yotta/client";
import { PROCESS_URI, WORKER_PORT } from "./worker";

const DEFAULT_INPUT = { texts: ["Embeddings turn text into vectors."] };

export interface SubmitOptions {
  /** How long to wait for the result; default 10 minutes (a cold endpoint starts its workers). */
  timeoutMs?: number;
}

/** Queues `input` on the endpoint and resolves with the finished task, output included. */
export async function submitTask(
  client: YottaClient,
  endpointId: string,
  input: unknown,
  options: SubmitOptions = {},
): Promise<Task> {
  // Our own task id, so a task whose submit answer was lost can still be found: the client never
  // retries a submit, which could queue the task twice.
  const taskId = `task_${randomUUID().replace(/-/g, "")}`;
  await client.endpoints.tasks.submit(endpointId, {
    taskId,
    input,
    workerPort: WORKER_PORT,
    processUri: PROCESS_URI,
  });
  return waitFor(() => client.endpoints.tasks.get(endpointId, taskId), {
    // DELIVERED: done, and the result was posted to the task's webhook.
    done: (task) => task.status === "SUCCESS" || task.status === "DELIVERED",
    failed: (task) => (task.status === "FAILED" ? (task.error ?? "the task failed") : false),
    describe: `task ${taskId} on endpoint ${endpointId}`,
    timeoutMs: options.timeoutMs ?? 10 * 60_000,
    interval: { initialMs: 250, maxMs: 5_000 },
  });
}

async function main(): Promise<void> {
  const [endpointId, inputJson] = process.argv.slice(2);
  if (!endpointId) {
    console.error("usage: ts-node submit-task.ts <endpointId> [input as JSON]");
    process.exit(2);
  }
  const input: unknown = inputJson === undefined ? DEFAULT_INPUT : JSON.parse(inputJson);
  const client = new YottaClient();
  try {
    const task = await submitTask(client, endpointId, input);
    console.log(JSON.stringify({ taskId: task.taskId, status: task.status, output: task.output }));
  } finally {
    await client.close();
  }
}

if (require.main === module) {
  main().catch((err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  });
}
