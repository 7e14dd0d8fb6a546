import net from "node:net";

/**
 * Test setup: outbound connections are refused unless they go to this machine. API tests must
 * never reach a real service by accident; anything that tries fails loudly.
 */
const LOOPBACK = /^(127\.\d+\.\d+\.\d+|::1|localhost|::ffff:127\.\d+\.\d+\.\d+)$/;
// eslint-disable-next-line @typescript-eslint/unbound-method -- re-applied with the socket as `this` below
const original = net.Socket.prototype.connect;

net.Socket.prototype.connect = function connect(this: net.Socket, ...args: unknown[]) {
  const first = args[0] as { host?: string; path?: string } | number | string | unknown[];
  let host: string | undefined;
  if (Array.isArray(first)) host = (first[0] as { host?: string } | undefined)?.host;
  else if (typeof first === "object" && first !== null)
    host = first.path ? "localhost" : (first.host ?? "localhost");
  else if (typeof first === "number") host = typeof args[1] === "string" ? args[1] : "localhost";
  else if (typeof first === "string") host = "localhost"; // unix socket path
  if (host && !LOOPBACK.test(host)) {
    throw new Error(`Outbound network is blocked in tests (tried ${host}).`);
  }
  return (original as (...a: unknown[]) => net.Socket).apply(this, args);
};
