import type { Logger } from "@academic-assist/core";

/** Options of {@link TaskProtection}. */
export interface TaskProtectionOptions {
  /** `ECS_AGENT_URI`: the ECS container agent's endpoint for this container. */
  agentUri: string;
  /** `ExpiresInMinutes` of each protection (ECS accepts 1–2880). */
  expiresInMinutes: number;
  logger: Pick<Logger, "info" | "warn">;
  /** One request to the agent is abandoned after this long (default 5 s). */
  timeoutMs?: number;
}

/** What the agent answers (ecs-agent `TaskProtectionResponse`): exactly one of the three is set. */
interface AgentResponse {
  protection?: { ProtectionEnabled?: boolean; ExpirationDate?: string | null; TaskArn?: string };
  /** ECS refused the change for this task, e.g. `TASK_NOT_VALID` for a task outside a service (HTTP 200). */
  failure?: { Arn?: string; Reason?: string; Detail?: string | null };
  /** The agent or the ECS API failed, e.g. `AccessDeniedException` without `ecs:UpdateTaskProtection`. */
  error?: { Arn?: string; Code?: string; Message?: string };
}

/**
 * ECS task scale-in protection while the worker has jobs in flight. Every scale-in and every
 * deployment stops tasks with SIGTERM; a protected task is skipped by both. The worker asks for
 * protection when its first job starts and clears it when the last one ends, through the container
 * agent's endpoint (`PUT $ECS_AGENT_URI/task-protection/v1/state`), which calls
 * `ecs:UpdateTaskProtection` with the task role's credentials — the one permission the task role
 * needs for this.
 *
 * Each protection expires after `expiresInMinutes` and is not renewed while the worker stays busy,
 * so a deployment never waits longer than that for a busy worker; a job still running then is
 * drained on SIGTERM like any other. Failures (agent unreachable, access denied, a task outside a
 * service) are logged and never fatal: without protection the worker only loses the head start.
 * Requests go out one at a time, in order, and a change that is no longer wanted is not sent.
 */
export class TaskProtection {
  private inFlight = 0;
  private wanted = false;
  /** What the agent last confirmed; a task starts unprotected. */
  private applied = false;
  private chain: Promise<void> = Promise.resolve();
  private readonly url: string;
  private readonly timeoutMs: number;

  constructor(private readonly options: TaskProtectionOptions) {
    this.url = `${options.agentUri.replace(/\/+$/, "")}/task-protection/v1/state`;
    this.timeoutMs = options.timeoutMs ?? 5000;
  }

  /** A job started: the first one in flight asks for protection. */
  jobStarted(): void {
    this.inFlight += 1;
    if (this.inFlight === 1) this.want(true);
  }

  /** A job ended (completed, failed or given up): the last one clears the protection. */
  jobEnded(): void {
    if (this.inFlight === 0) return;
    this.inFlight -= 1;
    if (this.inFlight === 0) this.want(false);
  }

  /** Resolves once every change asked for so far has been sent (or has failed). */
  settled(): Promise<void> {
    return this.chain;
  }

  private want(enabled: boolean): void {
    this.wanted = enabled;
    this.chain = this.chain.then(() => this.sync());
  }

  private async sync(): Promise<void> {
    if (this.applied === this.wanted) return;
    const enabled = this.wanted;
    if (await this.put(enabled)) this.applied = enabled;
  }

  private async put(enabled: boolean): Promise<boolean> {
    const { logger, expiresInMinutes } = this.options;
    const body = enabled
      ? { ProtectionEnabled: true, ExpiresInMinutes: expiresInMinutes }
      : { ProtectionEnabled: false };
    const what = enabled ? "protect this task from scale-in" : "clear this task's scale-in protection";
    try {
      const res = await fetch(this.url, {
        method: "PUT",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
      const answer = parseAnswer(await res.text());
      if (res.ok && answer.protection) {
        logger.info(
          {
            protectionEnabled: answer.protection.ProtectionEnabled,
            expiresAt: answer.protection.ExpirationDate ?? null,
          },
          enabled ? "task protection: on while jobs run" : "task protection: off (idle)",
        );
        return true;
      }
      logger.warn(
        {
          status: res.status,
          reason: answer.failure?.Reason ?? answer.error?.Code ?? null,
          detail: answer.failure?.Detail ?? answer.error?.Message ?? null,
        },
        `task protection: the ECS agent did not ${what}`,
      );
    } catch (err) {
      logger.warn({ err }, `task protection: could not reach the ECS agent to ${what}`);
    }
    return false;
  }
}

function parseAnswer(text: string): AgentResponse {
  try {
    const parsed: unknown = JSON.parse(text);
    return parsed !== null && typeof parsed === "object" ? parsed : {};
  } catch {
    return {};
  }
}
