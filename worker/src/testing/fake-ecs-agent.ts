import http from "node:http";
import type { AddressInfo } from "node:net";

/**
 * A local HTTP server speaking the ECS container agent's task scale-in protection wire format
 * (`amazon-ecs-agent`, `ecs-agent/tmds/handlers/taskprotection/v1`), for tests: the real agent only
 * exists inside an ECS task. Like the agent it serves `PUT|GET /api/<container id>/task-protection/v1/state`,
 * refuses a body with unknown fields or without `ProtectionEnabled` (400 `InvalidParameterException`),
 * and answers with exactly one of `protection`, `failure` (HTTP 200: ECS refused the task) or `error`.
 */
export interface FakeEcsAgent {
  /** What ECS sets as `ECS_AGENT_URI` for the container: `http://127.0.0.1:<port>/api/<id>`. */
  agentUri: string;
  /** Every request, in order. */
  requests: { method: string; path: string; body: unknown }[];
  /** The protection ECS holds for the task now. */
  protectionEnabled: boolean;
  /**
   * How the next requests are answered: `ok`; `task-not-valid` (a task outside a service);
   * `access-denied` (the task role lacks `ecs:UpdateTaskProtection`); `hang` (never answers).
   */
  mode: "ok" | "task-not-valid" | "access-denied" | "hang";
  close(): Promise<void>;
}

const TASK_ARN = "arn:aws:ecs:ap-northeast-1:123456789012:task/academic-assist/0123456789abcdef0";
const CONTAINER_ID = "0123456789abcdef0-1234567890";

export async function startFakeEcsAgent(): Promise<FakeEcsAgent> {
  const path = `/api/${CONTAINER_ID}/task-protection/v1/state`;
  const json = (res: http.ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));
  };
  const error = (code: string, message: string) => ({
    error: { Arn: TASK_ARN, Code: code, Message: message },
  });
  const agent: FakeEcsAgent = {
    agentUri: "",
    requests: [],
    protectionEnabled: false,
    mode: "ok",
    close: () => Promise.resolve(),
  };
  let expiresAt: string | null = null;
  const protection = () => ({
    protection: { ExpirationDate: expiresAt, ProtectionEnabled: agent.protectionEnabled, TaskArn: TASK_ARN },
  });

  const server = http.createServer((req, res) => {
    let raw = "";
    req.on("data", (c: Buffer) => (raw += c.toString()));
    req.on("end", () => {
      let body: unknown = null;
      try {
        body = raw === "" ? null : JSON.parse(raw);
      } catch {
        body = raw;
      }
      agent.requests.push({ method: req.method ?? "", path: req.url ?? "", body });
      if (req.url !== path) {
        json(res, 404, error("ResourceNotFoundException", "Failed to find a task for the request"));
        return;
      }
      if (agent.mode === "hang") return;
      if (req.method === "GET") {
        json(res, 200, protection());
        return;
      }
      if (req.method !== "PUT") {
        res.writeHead(405).end();
        return;
      }
      const fields = body !== null && typeof body === "object" ? Object.keys(body) : null;
      if (!fields || fields.some((f) => f !== "ProtectionEnabled" && f !== "ExpiresInMinutes")) {
        json(res, 400, {
          error: {
            Code: "InvalidParameterException",
            Message: "UpdateTaskProtection: failed to decode request",
          },
        });
        return;
      }
      const request = body as { ProtectionEnabled?: unknown; ExpiresInMinutes?: unknown };
      if (typeof request.ProtectionEnabled !== "boolean") {
        json(
          res,
          400,
          error("InvalidParameterException", "Invalid request: does not contain 'ProtectionEnabled' field"),
        );
        return;
      }
      if (agent.mode === "access-denied") {
        json(res, 400, {
          requestID: "5a4c3e0b-0000-4000-8000-000000000000",
          ...error(
            "AccessDeniedException",
            "User: arn:aws:sts::123456789012:assumed-role/worker-task-role is not authorized to perform: ecs:UpdateTaskProtection",
          ),
        });
        return;
      }
      if (agent.mode === "task-not-valid") {
        json(res, 200, { failure: { Arn: TASK_ARN, Reason: "TASK_NOT_VALID", Detail: null } });
        return;
      }
      agent.protectionEnabled = request.ProtectionEnabled;
      const minutes = typeof request.ExpiresInMinutes === "number" ? request.ExpiresInMinutes : 120;
      expiresAt = agent.protectionEnabled ? new Date(Date.now() + minutes * 60_000).toISOString() : null;
      json(res, 200, protection());
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  agent.agentUri = `http://127.0.0.1:${port}/api/${CONTAINER_ID}`;
  agent.close = () =>
    new Promise((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return agent;
}
