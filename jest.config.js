/** @type {import('jest').Config} */
// ts-jest transpiles each file on its own (no type check: `npm run typecheck` does that once for
// the whole tree), which keeps the suites fast and the stack traces on the TypeScript lines.
const transform = { "^.+\\.tsx?$": ["ts-jest", { isolatedModules: true }] };

module.exports = {
  verbose: false,
  projects: [
    {
      displayName: "unit",
      testEnvironment: "node",
      transform,
      testMatch: ["<rootDir>/tests/unit/**/*.test.ts", "<rootDir>/emulator/**/*.test.ts"],
    },
    {
      displayName: "e2e",
      testEnvironment: "node",
      transform,
      testMatch: ["<rootDir>/tests/e2e/**/*.test.ts"],
      globalSetup: "<rootDir>/tests/support/global-setup.ts",
      testTimeout: 600000,
    },
  ],
};
