// A real deployment waits on the engine and on the emulator's lifecycles; jest's 5 s default is
// meant for unit tests. Each e2e test still bounds its own waits through resource timeouts.
jest.setTimeout(600_000);
