// How long a unit test may run before it counts as hung. No test measures time with it: each
// waits for events (a request answered, a process exited, fake timers advanced). Jest's 5 s
// default is a race with the wall clock on a loaded two-core machine, where a test that starts
// processes or talks HTTP over loopback can take several seconds with nothing wrong.
jest.setTimeout(60_000);
