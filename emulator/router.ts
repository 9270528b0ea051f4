import type { Route } from "./cloud";

export type Match =
  | { kind: "found"; route: Route; params: Record<string, string> }
  | { kind: "wrongMethod" }
  | { kind: "none" };

interface Compiled {
  route: Route;
  segments: string[];
}

/** Matches paths against `{param}` templates; literal segments win over parameters. */
export class Router {
  private readonly compiled: Compiled[];

  constructor(routes: readonly Route[]) {
    // Sorting by literal segments first makes `/tasks/count` win over `/tasks/{taskId}`.
    this.compiled = routes
      .map((route) => ({ route, segments: route.template.split("/").slice(1) }))
      .sort((a, b) => literalScore(b.segments) - literalScore(a.segments));
  }

  get routes(): Route[] {
    return this.compiled.map((c) => c.route);
  }

  match(method: string, path: string): Match {
    const parts = path.split("/").slice(1);
    let pathMatched = false;
    for (const { route, segments } of this.compiled) {
      const params = matchSegments(segments, parts);
      if (!params) continue;
      if (route.method === method) return { kind: "found", route, params };
      pathMatched = true;
    }
    return pathMatched ? { kind: "wrongMethod" } : { kind: "none" };
  }
}

function literalScore(segments: string[]): number {
  // Weight earlier literals more, so the comparison is positional.
  return segments.reduce((score, s, i) => score + (s.startsWith("{") ? 0 : 2 ** (16 - i)), 0);
}

function matchSegments(template: string[], parts: string[]): Record<string, string> | undefined {
  if (template.length !== parts.length) return undefined;
  const params: Record<string, string> = {};
  for (let i = 0; i < template.length; i++) {
    const t = template[i] as string;
    const p = parts[i] as string;
    if (t.startsWith("{")) {
      const value = decode(p);
      if (value === undefined || value === "") return undefined;
      params[t.slice(1, -1)] = value;
    } else if (t !== p) {
      return undefined;
    }
  }
  return params;
}

function decode(segment: string): string | undefined {
  try {
    return decodeURIComponent(segment);
  } catch {
    return undefined;
  }
}
