// The engine itself, before any Yotta code: the pinned CLI, the shim and the local backend run a
// dynamic resource through create, an empty preview and delete, with observable side effects.
import * as fs from "node:fs";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { createTestStack, type TestStack } from "../support/engine";

interface MarkerInputs {
  path: string;
  content: string;
}

// Runs in the dynamic-provider process, from the text Pulumi serializes. A plain `require` inside
// the methods is serialized as a `require` call; an `import` would drag the compiler's interop
// helpers (and their WeakMap caches) into the closure, which fail once deserialized.
const markerProvider: pulumi.dynamic.ResourceProvider = {
  async create(inputs: MarkerInputs) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- see above
    const fsp = require("node:fs/promises") as typeof import("node:fs/promises");
    await fsp.writeFile(inputs.path, inputs.content);
    return { id: inputs.path, outs: inputs };
  },
  async delete(id: string) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- see above
    const fsp = require("node:fs/promises") as typeof import("node:fs/promises");
    await fsp.rm(id, { force: true });
  },
};

class MarkerFile extends pulumi.dynamic.Resource {
  declare public readonly path: pulumi.Output<string>;

  constructor(name: string, args: { path: pulumi.Input<string>; content: pulumi.Input<string> }) {
    super(markerProvider, name, args);
  }
}

describe("the real engine, offline", () => {
  let test: TestStack;
  let marker: string;

  beforeAll(async () => {
    test = await createTestStack({
      name: "engine-smoke",
      program: async () => {
        const file = new MarkerFile("marker", { path: marker, content: "made by the engine" });
        return { path: file.path };
      },
    });
    marker = path.join(test.workDir, "marker.txt");
  });

  afterAll(() => test?.cleanup());

  it("creates the resource on up", async () => {
    const result = await test.stack.up();

    expect(result.summary.result).toBe("succeeded");
    expect(result.summary.resourceChanges).toEqual({ create: 2 });
    expect(result.outputs.path?.value).toBe(marker);
    expect(fs.readFileSync(marker, "utf8")).toBe("made by the engine");
  });

  it("previews no changes on a second run", async () => {
    const result = await test.stack.preview();

    expect(result.changeSummary).toEqual({ same: 2 });
  });

  it("deletes the resource on destroy", async () => {
    const result = await test.stack.destroy();

    expect(result.summary.result).toBe("succeeded");
    expect(result.summary.resourceChanges).toEqual({ delete: 2 });
    expect(fs.existsSync(marker)).toBe(false);
    const state = await test.stack.exportStack();
    expect(state.deployment.resources ?? []).toEqual([]);
  });
});
