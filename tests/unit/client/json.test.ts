import { int64, parseJson, stringifyJson } from "../../../client/core/json";
import { Pod } from "../../../client";

describe("lossless JSON", () => {
  it("keeps an id beyond 2^53 sent as a bare JSON number, digit for digit", () => {
    const text = '{"id":378888638324150969,"name":"p","status":"RUNNING"}';
    // The failure this guards against: JSON.parse rounds the id.
    expect(String((JSON.parse(text) as { id: number }).id)).not.toBe("378888638324150969");
    expect((parseJson(text) as { id: unknown }).id).toBe("378888638324150969");
    expect(Pod.parse(parseJson(text)).id).toBe("378888638324150969");
  });

  it("reads safe numbers, fractions and negative numbers as plain numbers", () => {
    expect(parseJson('{"a":42,"b":0.000051,"c":-7,"d":1e3,"e":9007199254740991}')).toEqual({
      a: 42,
      b: 0.000051,
      c: -7,
      d: 1000,
      e: 9007199254740991,
    });
  });

  it("keeps the first unsafe integer (2^53 + 1) exact", () => {
    expect(parseJson("[9007199254740993]")).toEqual(["9007199254740993"]);
  });

  it("writes int64 references as bare numbers and leaves out undefined fields", () => {
    const text = stringifyJson({ id: int64("378888638324150969"), name: "x", gone: undefined });
    expect(text).toBe('{"id":378888638324150969,"name":"x"}');
  });

  it("rejects text that is not JSON", () => {
    expect(() => parseJson("<html>bad gateway</html>")).toThrow();
  });
});
