/** @type {import('jest').Config} */
const transform = { "^.+\\.tsx?$": ["@swc/jest", { jsc: { target: "es2022" } }] };

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
