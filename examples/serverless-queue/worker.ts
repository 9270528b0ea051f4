// What the worker image serves. The endpoint exposes the port, and the queue posts each task to
// the path on a free worker; the program and the submit script share them so they cannot differ.
export const WORKER_PORT = 8000;
export const PROCESS_URI = "/v1/embeddings";
