/**
 * ECS task scale-in protection against a local server speaking the ECS container agent's
 * task-protection wire format (testing/fake-ecs-agent.ts): the real agent exists only inside a task.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { TaskProtection } from "./task-protection.ts";
import { startFakeEcsAgent, type FakeEcsAgent } from "./testing/fake-ecs-agent.ts";

function recordingLogger() {
  const lines: { level: "info" | "warn"; fields: Record<string, unknown>; msg: string }[] = [];
  return {
    lines,
    info: (fields: Record<string, unknown>, msg: string) => lines.push({ level: "info", fields, msg }),
    warn: (fields: Record<string, unknown>, msg: string) => lines.push({ level: "warn", fields, msg }),
  };
}

describe("ECS task scale-in protection (fake ECS agent wire format)", () => {
  let agent: FakeEcsAgent;
  let logger: ReturnType<typeof recordingLogger>;
  let protection: TaskProtection;

  beforeEach(async () => {
    agent = await startFakeEcsAgent();
    logger = recordingLogger();
    protection = new TaskProtection({
      agentUri: agent.agentUri,
      expiresInMinutes: 30,
      logger: logger as never,
      timeoutMs: 500,
    });
  });

  afterEach(async () => {
    await agent.close();
  });

  const puts = () => agent.requests.filter((r) => r.method === "PUT").map((r) => r.body);

  it("when the first job starts, then the task is protected for the configured minutes, and only the last job to end clears it", async () => {
    protection.jobStarted();
    protection.jobStarted();
    await protection.settled();
    const whileBusy = agent.protectionEnabled;
    protection.jobEnded();
    await protection.settled();
    const afterOne = agent.protectionEnabled;

    protection.jobEnded();
    await protection.settled();

    expect(whileBusy).toBe(true);
    expect(afterOne).toBe(true);
    expect(agent.protectionEnabled).toBe(false);
    expect(puts()).toEqual([{ ProtectionEnabled: true, ExpiresInMinutes: 30 }, { ProtectionEnabled: false }]);
    expect(agent.requests.every((r) => r.path.endsWith("/task-protection/v1/state"))).toBe(true);
  });

  it("when jobs come and go faster than the agent answers, then the requests go out in order and the last wish wins", async () => {
    for (let i = 0; i < 3; i++) {
      protection.jobStarted();
      protection.jobEnded();
    }
    protection.jobStarted();

    await protection.settled();

    expect(agent.protectionEnabled).toBe(true);
    expect(puts().at(-1)).toEqual({ ProtectionEnabled: true, ExpiresInMinutes: 30 });
    // Never two identical changes in a row: a change already applied is not sent again.
    const states = puts().map((b) => (b as { ProtectionEnabled: boolean }).ProtectionEnabled);
    expect(states.every((s, i) => i === 0 || s !== states[i - 1])).toBe(true);
  });

  it("when the task role lacks ecs:UpdateTaskProtection, then the refusal is logged with its code and the jobs go on", async () => {
    agent.mode = "access-denied";

    protection.jobStarted();
    await protection.settled();

    expect(agent.protectionEnabled).toBe(false);
    const warning = logger.lines.find((l) => l.level === "warn");
    expect(warning?.msg).toMatch(/did not protect this task/);
    expect(warning?.fields).toMatchObject({ status: 400, reason: "AccessDeniedException" });
  });

  it("when ECS refuses the task (not part of a service), then the HTTP 200 failure is logged as a failure, not a success", async () => {
    agent.mode = "task-not-valid";

    protection.jobStarted();
    await protection.settled();
    agent.mode = "ok";
    protection.jobEnded();
    protection.jobStarted();
    await protection.settled();

    expect(logger.lines[0]).toMatchObject({
      level: "warn",
      fields: { status: 200, reason: "TASK_NOT_VALID" },
    });
    // The next busy stretch asks again (a failed request is not remembered as applied).
    expect(agent.protectionEnabled).toBe(true);
  });

  it("when the agent does not answer, then the request is abandoned after the timeout and never throws", async () => {
    agent.mode = "hang";

    protection.jobStarted();
    await protection.settled();

    expect(logger.lines).toHaveLength(1);
    expect(logger.lines[0]!.msg).toMatch(/could not reach the ECS agent/);
  });

  it("when the agent is gone (connection refused), then the failure is logged, never thrown, and there is nothing to clear afterwards", async () => {
    await agent.close();

    protection.jobStarted();
    await protection.settled();
    protection.jobEnded();
    await protection.settled();

    // The protection never took, so going idle has nothing to clear.
    expect(logger.lines.map((l) => l.level)).toEqual(["warn"]);
  });

  it("when a job ends that was never started, then nothing is sent", async () => {
    protection.jobEnded();
    await protection.settled();

    expect(agent.requests).toEqual([]);
  });
});
