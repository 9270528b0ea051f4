/** @type {import('jest').Config} */
// ts-jest transpiles each file on its own (tsconfig's isolatedModules; no type check here:
// `npm run typecheck` does that once for the whole tree), which keeps the suites fast.
const transform = { "^.+\\.tsx?$": "ts-jest" };

module.exports = {
  verbose: false,
  projects: [
    {
      displayName: "unit",
      testEnvironment: "node",
      transform,
      testMatch: ["<rootDir>/tests/unit/**/*.test.ts", "<rootDir>/emulator/**/*.test.ts"],
      setupFilesAfterEnv: ["<rootDir>/tests/support/unit-timeout.ts"],
    },
    {
      displayName: "e2e",
      testEnvironment: "node",
      transform,
      testMatch: ["<rootDir>/tests/e2e/**/*.test.ts"],
      globalSetup: "<rootDir>/tests/support/global-setup.ts",
      setupFilesAfterEnv: ["<rootDir>/tests/support/e2e-timeout.ts"],
    },
  ],
};
