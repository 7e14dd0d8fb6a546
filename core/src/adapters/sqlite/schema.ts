import type { Migration } from "./migrations.ts";

/** Migrations of the metadata store (component `repositories`). Append only. */
export const REPOSITORY_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: "initial",
    up: `
      CREATE TABLE users (
        id TEXT PRIMARY KEY,
        email TEXT NOT NULL,
        email_key TEXT NOT NULL UNIQUE,
        name TEXT NOT NULL,
        password_hash TEXT,
        created_at TEXT NOT NULL
      );

      CREATE TABLE api_tokens (
        id TEXT PRIMARY KEY,
        user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        name TEXT NOT NULL,
        prefix TEXT NOT NULL,
        token_hash TEXT NOT NULL UNIQUE,
        created_at TEXT NOT NULL,
        last_used_at TEXT,
        expires_at TEXT,
        revoked_at TEXT
      );
      CREATE INDEX api_tokens_user ON api_tokens (user_id, created_at, id);

      CREATE TABLE projects (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        description TEXT NOT NULL,
        language TEXT NOT NULL,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
      );

      CREATE TABLE memberships (
        project_id TEXT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
        user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        role TEXT NOT NULL CHECK (role IN ('owner', 'editor', 'viewer')),
        added_at TEXT NOT NULL,
        PRIMARY KEY (project_id, user_id)
      );
      CREATE INDEX memberships_user ON memberships (user_id);

      CREATE TABLE documents (
        id TEXT PRIMARY KEY,
        project_id TEXT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
        filename TEXT NOT NULL,
        media_type TEXT NOT NULL,
        byte_size INTEGER NOT NULL,
        sha256 TEXT NOT NULL,
        blob_key TEXT NOT NULL,
        status TEXT NOT NULL,
        progress TEXT,
        error TEXT,
        page_count INTEGER,
        metadata TEXT NOT NULL,
        created_by TEXT NOT NULL,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        UNIQUE (project_id, sha256)
      );
      CREATE INDEX documents_project ON documents (project_id, created_at, id);

      CREATE TABLE pages (
        document_id TEXT NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
        number INTEGER NOT NULL,
        width REAL NOT NULL,
        height REAL NOT NULL,
        text TEXT NOT NULL,
        source TEXT NOT NULL,
        spans TEXT NOT NULL,
        PRIMARY KEY (document_id, number)
      );

      CREATE TABLE chunks (
        id TEXT PRIMARY KEY,
        document_id TEXT NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
        project_id TEXT NOT NULL,
        ordinal INTEGER NOT NULL,
        text TEXT NOT NULL,
        page_start INTEGER NOT NULL,
        page_end INTEGER NOT NULL,
        section TEXT,
        token_count INTEGER NOT NULL
      );
      CREATE INDEX chunks_document ON chunks (document_id, ordinal);

      CREATE TABLE notes (
        id TEXT PRIMARY KEY,
        project_id TEXT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
        document_id TEXT NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
        template TEXT NOT NULL,
        language TEXT NOT NULL,
        status TEXT NOT NULL,
        title TEXT,
        markdown TEXT NOT NULL,
        content_hash TEXT,
        generator TEXT,
        citations TEXT,
        error TEXT,
        created_by TEXT NOT NULL,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
      );
      CREATE INDEX notes_project ON notes (project_id, created_at, id);
      CREATE INDEX notes_document ON notes (document_id);

      CREATE TABLE idempotency_keys (
        user_id TEXT NOT NULL,
        key TEXT NOT NULL,
        request_hash TEXT NOT NULL,
        status INTEGER NOT NULL,
        body TEXT NOT NULL,
        created_at TEXT NOT NULL,
        PRIMARY KEY (user_id, key)
      );
    `,
  },
  {
    version: 2,
    name: "usage and note cache",
    up: `
      CREATE TABLE usage (
        note_id TEXT PRIMARY KEY,
        user_id TEXT NOT NULL,
        project_id TEXT NOT NULL,
        provider TEXT NOT NULL,
        model TEXT NOT NULL,
        input_tokens INTEGER NOT NULL,
        output_tokens INTEGER NOT NULL,
        cost_usd REAL,
        at TEXT NOT NULL
      );
      CREATE INDEX usage_user ON usage (user_id, at);
      CREATE INDEX usage_project ON usage (project_id, at);

      ALTER TABLE notes ADD COLUMN cache_key TEXT;
      CREATE INDEX notes_cache ON notes (project_id, cache_key, status);
    `,
  },
  {
    version: 3,
    name: "note revisions",
    // Existing notes start at revision 1, like new ones.
    up: `ALTER TABLE notes ADD COLUMN revision INTEGER NOT NULL DEFAULT 1;`,
  },
  {
    version: 4,
    name: "custom templates",
    // name_key = lower-cased name: the per-project uniqueness ignores case.
    up: `
      CREATE TABLE templates (
        id TEXT PRIMARY KEY,
        project_id TEXT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
        name TEXT NOT NULL,
        name_key TEXT NOT NULL,
        description TEXT NOT NULL,
        language TEXT,
        prompt TEXT NOT NULL,
        skeleton TEXT NOT NULL,
        created_by TEXT NOT NULL,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        UNIQUE (project_id, name_key)
      );
    `,
  },
  {
    version: 5,
    name: "project llm provider",
    // JSON `{ provider, model? }`; NULL = the deployment's default provider.
    up: `ALTER TABLE projects ADD COLUMN llm TEXT;`,
  },
  {
    // 7, not 6: the sessions-and-invitations change (h19-auth) takes 6; versions need not be contiguous.
    version: 7,
    name: "idempotency claims and headers",
    // status 0 = claimed, the first request still running; headers = the answer's replayed headers.
    up: `ALTER TABLE idempotency_keys ADD COLUMN headers TEXT NOT NULL DEFAULT '{}';`,
  },
];
