import type { Express } from "express";

interface Layer {
  route?: { path: string; methods: Record<string, boolean> };
  handle?: { stack?: Layer[] };
}

/** Every route registered on an Express app, as `METHOD /path` with OpenAPI-style `{param}`s. */
export function expressRoutes(app: Express): string[] {
  const walk = (stack: Layer[], prefix: string): string[] =>
    stack.flatMap((layer) =>
      layer.route
        ? Object.keys(layer.route.methods).map(
            (method) => `${method.toUpperCase()} ${prefix}${layer.route!.path.replace(/:(\w+)/g, "{$1}")}`,
          )
        : layer.handle?.stack
          ? walk(layer.handle.stack, "/api/v1")
          : [],
    );
  return walk((app as unknown as { router: { stack: Layer[] } }).router.stack, "");
}
