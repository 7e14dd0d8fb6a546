import type { AddressInfo } from "node:net";
import { ConfigError, createContext, createLogger, exitOnStartFailure } from "@academic-assist/core";
import { createApp } from "./app.ts";
import { parseServerConfig } from "./config.ts";
import { bootstrapLocal, resolveSecret } from "./local-bootstrap.ts";

async function main(): Promise<void> {
  let config;
  try {
    config = parseServerConfig(process.env);
  } catch (e) {
    if (e instanceof ConfigError) {
      process.stderr.write(`academic-assist server: ${e.message}\n`);
      process.exit(1);
    }
    throw e;
  }
  const logger = createLogger({ name: "server", level: config.LOG_LEVEL });
  const app = await createContext(config, logger);
  const secret = resolveSecret(config);
  const { express, auth, close } = createApp({ app, config, secret });

  const http = express.listen(config.PORT, config.HOST);
  await new Promise<void>((resolve, reject) => {
    http.once("listening", resolve);
    http.once("error", reject);
  });
  const { port } = http.address() as AddressInfo;
  const url = `http://${config.HOST.includes(":") ? `[${config.HOST}]` : config.HOST}:${port}`;
  logger.info({ url, service: config.SERVICE, dataDir: config.dataDir }, "server listening");

  // The local user and token belong to the process clients talk to: `all`, or the gateway.
  if (config.LOCAL_BOOTSTRAP && (config.SERVICE === "all" || config.SERVICE === "gateway")) {
    const local = await bootstrapLocal(app, auth, config, url);
    if (local.created) {
      process.stdout.write(
        `\nAcademic Assist is running at ${url}\n` +
          `API token for the plugins and CLI (also saved, mode 0600, in ${local.file}):\n\n  ${local.token}\n\n`,
      );
    } else {
      process.stdout.write(`\nAcademic Assist is running at ${url} (API token in ${local.file})\n\n`);
    }
  }

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, "shutting down");
    http.close();
    http.closeIdleConnections();
    setTimeout(() => http.closeAllConnections(), 5000).unref();
    close();
    void app.close().finally(() => process.exit(0));
  };
  process.on("SIGINT", () => stop("SIGINT"));
  process.on("SIGTERM", () => stop("SIGTERM"));
}

main().catch((err: unknown) => exitOnStartFailure("server", err));
