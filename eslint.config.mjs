import tseslint from "typescript-eslint";
import prettier from "eslint-config-prettier";

export default tseslint.config(
  { ignores: ["node_modules/", "dist/", "coverage/", "tests/e2e/.work/", "**/*.js", "**/*.mjs"] },
  ...tseslint.configs.recommended,
  prettier,
  {
    rules: {
      "@typescript-eslint/no-unused-vars": [
        "error",
        { argsIgnorePattern: "^_", varsIgnorePattern: "^_" },
      ],
    },
  },
  {
    // The client knows HTTP and the Yotta API, nothing of Pulumi.
    files: ["client/**/*.ts"],
    rules: {
      "no-restricted-imports": [
        "error",
        { patterns: [{ group: ["@pulumi/*"], message: "The client must not depend on Pulumi." }] },
      ],
    },
  },
  {
    // Resource code talks to Yotta only through the client.
    files: ["provider/**/*.ts", "sdk/**/*.ts"],
    rules: {
      "no-restricted-imports": [
        "error",
        { paths: [{ name: "undici", message: "Use the Yotta client (client/) for HTTP." }] },
      ],
    },
  },
);
