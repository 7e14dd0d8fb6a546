export { createApp, type ServerDeps } from "./app.ts";
export { parseServerConfig, type ServerConfig } from "./config.ts";
export { bootstrapLocal, resolveSecret, LOCAL_EMAIL } from "./local-bootstrap.ts";
