import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { describeRepositories } from "../../ports/contracts/repositories.contract.ts";
import { tempDir } from "../../testing/index.ts";
import { openDatabase } from "./database.ts";
import { runMigrations } from "./migrations.ts";
import { SqliteRepositories } from "./sqlite-repositories.ts";

describe("SqliteRepositories", () => {
  describeRepositories(async () => {
    const dir = tempDir();
    const adapter = new SqliteRepositories(join(dir.path, "meta.db"));
    return {
      adapter,
      cleanup: async () => {
        await adapter.close();
        await dir.cleanup();
      },
    };
  });

  it("when the file is closed and reopened, then the data is still there", async () => {
    const dir = tempDir();
    const file = join(dir.path, "meta.db");
    const first = new SqliteRepositories(file);
    await first.users.create({
      id: "usr_1",
      email: "a@example.org",
      name: "A",
      passwordHash: null,
      createdAt: new Date().toISOString(),
    });
    await first.close();

    const second = new SqliteRepositories(file);

    expect((await second.users.findByEmail("A@example.org"))?.id).toBe("usr_1");
    await second.close();
    await dir.cleanup();
  });

  it("when the store is closed, then calls fail with service_unavailable and ping is false", async () => {
    const dir = tempDir();
    const repos = new SqliteRepositories(join(dir.path, "meta.db"));
    await repos.close();

    await expect(repos.users.count()).rejects.toMatchObject({ code: "service_unavailable" });
    expect(await repos.ping()).toBe(false);
    await dir.cleanup();
  });
});

describe("runMigrations", () => {
  it("when two connections migrate the same file, then each migration is applied once", () => {
    const dir = tempDir();
    const file = join(dir.path, "m.db");
    const a = openDatabase(file);
    const b = openDatabase(file);
    const migrations = [
      { version: 2, name: "second", up: "INSERT INTO t (v) VALUES ('two')" },
      { version: 1, name: "first", up: "CREATE TABLE t (v TEXT)" },
    ];

    runMigrations(a, "test", migrations);
    runMigrations(b, "test", migrations);
    runMigrations(a, "other", [{ version: 1, name: "first", up: "CREATE TABLE u (v TEXT)" }]);

    expect(b.prepare("SELECT v FROM t").pluck().all()).toEqual(["two"]);
    expect(
      b.prepare("SELECT component || ':' || version FROM schema_migrations ORDER BY 1").pluck().all(),
    ).toEqual(["other:1", "test:1", "test:2"]);
    expect(a.pragma("journal_mode", { simple: true })).toBe("wal");
    expect(a.pragma("foreign_keys", { simple: true })).toBe(1);
    a.close();
    b.close();
    return dir.cleanup();
  });

  it("when a migration fails, then it is rolled back and not recorded", () => {
    const dir = tempDir();
    const db = openDatabase(join(dir.path, "m.db"));

    expect(() => {
      runMigrations(db, "bad", [
        { version: 1, name: "broken", up: "CREATE TABLE x (v TEXT); INSERT INTO nope VALUES (1);" },
      ]);
    }).toThrow();

    expect(db.prepare("SELECT count(*) FROM sqlite_master WHERE name = 'x'").pluck().get()).toBe(0);
    expect(db.prepare("SELECT count(*) FROM schema_migrations").pluck().get()).toBe(0);
    db.close();
    return dir.cleanup();
  });
});
