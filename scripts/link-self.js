// The dynamic provider process resolves `require("pulumi-yotta/...")` from the program's
// directory upwards through node_modules; package self-reference does not apply there. Programs
// inside this repository (the root Pulumi.yaml, examples, end-to-end tests) therefore need the
// package itself in the repository's node_modules, exactly as a user's program has it.
"use strict";
const fs = require("node:fs");
const path = require("node:path");

const root = path.resolve(__dirname, "..");
const link = path.join(root, "node_modules", "pulumi-yotta");
fs.mkdirSync(path.dirname(link), { recursive: true });
try {
  const current = fs.readlinkSync(link);
  if (path.resolve(path.dirname(link), current) === root) process.exit(0);
  fs.unlinkSync(link);
} catch (err) {
  if (err.code !== "ENOENT") throw err;
}
fs.symlinkSync(path.relative(path.dirname(link), root), link, "dir");
