import { spawn, type ChildProcess } from "node:child_process";
import { createWriteStream, mkdirSync } from "node:fs";
import { connect, createServer } from "node:net";
import { join } from "node:path";

/** A redis-server process for tests, which can be stopped and started again on the same port and data. */
export interface RedisServerHandle {
  port: number;
  /** `redis://127.0.0.1:<port>` */
  url: string;
  /** Starts the server again (same port, same data folder) after {@link stop} or {@link kill}. */
  start(): Promise<void>;
  /** Stops the server gracefully (SIGTERM: Redis flushes its append-only file) and waits for it to exit. */
  stop(): Promise<void>;
  /** Kills the server (SIGKILL) and waits for it to exit. */
  kill(): Promise<void>;
}

/** Options of {@link startRedisServer}. */
export interface RedisServerOptions {
  /** Folder for the data (append-only file) and `redis.log`; created when missing. */
  dir: string;
  /** Port on 127.0.0.1 (default: a free one). */
  port?: number;
  /** The redis-server binary (default `redis-server` on the PATH; Debian installs /usr/bin/redis-server). */
  binary?: string;
}

/** A TCP port that was free a moment ago on 127.0.0.1. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => {
        if (address && typeof address === "object") resolve(address.port);
        else reject(new Error("no port"));
      });
    });
  });
}

/** True when Redis on `port` answers PING with PONG (not LOADING, not refused). */
function pings(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: "127.0.0.1", port });
    let reply = "";
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1000, () => done(false));
    socket.once("connect", () => socket.write("PING\r\n"));
    socket.on("data", (data: Buffer) => {
      reply += data.toString();
      if (reply.includes("\r\n")) done(reply.startsWith("+PONG"));
    });
    socket.once("error", () => done(false));
  });
}

/**
 * Starts redis-server on 127.0.0.1 the way production should run it for the queue: append-only
 * persistence (so a restart keeps the jobs), no RDB snapshots, `maxmemory-policy noeviction`.
 */
export async function startRedisServer(options: RedisServerOptions): Promise<RedisServerHandle> {
  const port = options.port ?? (await freePort());
  mkdirSync(options.dir, { recursive: true });
  const log = createWriteStream(join(options.dir, "redis.log"), { flags: "a" });
  let child: ChildProcess | null = null;
  let exited: Promise<void> = Promise.resolve();

  const start = async () => {
    const proc = spawn(
      options.binary ?? "redis-server",
      [
        "--port",
        String(port),
        "--bind",
        "127.0.0.1",
        "--dir",
        options.dir,
        "--appendonly",
        "yes",
        "--maxmemory-policy",
        "noeviction",
        "--save",
        "",
        "--daemonize",
        "no",
      ],
      { cwd: options.dir, stdio: ["ignore", "pipe", "pipe"] },
    );
    child = proc;
    proc.stdout?.pipe(log, { end: false });
    proc.stderr?.pipe(log, { end: false });
    exited = new Promise<void>((resolve) => proc.once("exit", () => resolve()));
    const spawnFailed = new Promise<never>((_, reject) => proc.once("error", reject));
    const deadline = Date.now() + 15_000;
    const ready = (async () => {
      for (;;) {
        if (proc.exitCode !== null)
          throw new Error(`redis-server exited with ${proc.exitCode}; see ${options.dir}/redis.log`);
        if (await pings(port)) return;
        if (Date.now() > deadline) throw new Error(`redis-server did not answer on port ${port} within 15 s`);
        await new Promise((r) => setTimeout(r, 50));
      }
    })();
    await Promise.race([ready, spawnFailed]);
  };

  const signal = async (sig: NodeJS.Signals) => {
    const proc = child;
    if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
    proc.kill(sig);
    const timer = setTimeout(() => proc.kill("SIGKILL"), 15_000);
    await exited;
    clearTimeout(timer);
    child = null;
  };

  await start();
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    start,
    stop: () => signal("SIGTERM"),
    kill: () => signal("SIGKILL"),
  };
}
