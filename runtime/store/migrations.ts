// Versioned schema. Append only: a database records the versions it has applied, so each step runs once.
// Times are epoch milliseconds (INTEGER), so ordering and TTL comparisons are numeric, not textual.
import { CLUSTER_MIGRATIONS } from "./migrations-cluster";

export const MIGRATIONS: { version: number; sql: string }[] = [
  {
    version: 1,
    sql: `
      CREATE TABLE jobs (
        seq             INTEGER PRIMARY KEY AUTOINCREMENT, -- submission order: the queue order and list tie-break
        id              TEXT NOT NULL UNIQUE,
        prompt          TEXT NOT NULL,
        system_prompt   TEXT NOT NULL DEFAULT '',
        model           TEXT NOT NULL,
        status          TEXT NOT NULL,
        result          TEXT NOT NULL DEFAULT '',
        error           TEXT NOT NULL DEFAULT '',
        error_code      TEXT NOT NULL DEFAULT '',
        callback_url    TEXT NOT NULL DEFAULT '',
        metadata        TEXT,
        response_format TEXT NOT NULL DEFAULT '',
        timeout_seconds INTEGER,
        attempts        INTEGER NOT NULL DEFAULT 0,
        stats           TEXT,  -- JSON of the CLI's usage, cost, duration, turns, session id
        created_at      INTEGER NOT NULL,
        started_at      INTEGER,
        completed_at    INTEGER
      );
      CREATE INDEX jobs_status_seq ON jobs(status, seq);
      CREATE INDEX jobs_created ON jobs(created_at DESC, seq DESC);
      CREATE INDEX jobs_status_completed ON jobs(status, completed_at);
    `,
  },
  {
    version: 2,
    sql: `
      -- Every event of a job, in order: what a stream replays to a subscriber who joins late or resumes.
      CREATE TABLE job_events (
        job_id     TEXT NOT NULL REFERENCES jobs(id) ON DELETE CASCADE,
        seq        INTEGER NOT NULL,
        event      TEXT NOT NULL,
        data       TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        PRIMARY KEY (job_id, seq)
      ) WITHOUT ROWID;
    `,
  },
  {
    version: 3,
    sql: `
      -- Whether the queue is paused (by an operator, or until an account's usage limit resets). One row at most,
      -- kept in the database so a restart does not resume a queue that should stay paused.
      CREATE TABLE queue_pause (
        id          INTEGER PRIMARY KEY CHECK (id = 1),
        until       INTEGER,          -- epoch ms; NULL = until resumed by hand
        reason      TEXT NOT NULL,
        source      TEXT NOT NULL,    -- 'operator' | 'usage_limit'
        created_at  INTEGER NOT NULL
      );
    `,
  },
  {
    version: 4,
    sql: `
      -- Which webhook events a job wants, as a JSON array of "started" / "completed".
      ALTER TABLE jobs ADD COLUMN webhook_events TEXT NOT NULL DEFAULT '["completed"]';

      -- The webhook outbox. A row is written in the same transaction as the job status it reports, and is
      -- sent until delivered or given up, across restarts. No foreign key: a deleted job's delivery still goes.
      CREATE TABLE webhook_deliveries (
        id               TEXT PRIMARY KEY,   -- the webhook-id header: the same on every retry
        job_id           TEXT NOT NULL,
        type             TEXT NOT NULL,      -- job.started | job.completed | job.failed | job.cancelled
        url              TEXT NOT NULL,
        payload          TEXT NOT NULL,      -- the body, fixed when the event happened
        status           TEXT NOT NULL,      -- pending | delivered | failed
        attempts         INTEGER NOT NULL DEFAULT 0,
        max_attempts     INTEGER NOT NULL,
        next_attempt_at  INTEGER,
        last_error       TEXT,
        created_at       INTEGER NOT NULL,
        delivered_at     INTEGER
      );
      CREATE INDEX webhook_deliveries_due ON webhook_deliveries(status, next_attempt_at);
      CREATE INDEX webhook_deliveries_job ON webhook_deliveries(job_id, created_at);

      CREATE TABLE webhook_attempts (
        delivery_id  TEXT NOT NULL REFERENCES webhook_deliveries(id) ON DELETE CASCADE,
        n            INTEGER NOT NULL,
        at           INTEGER NOT NULL,
        status_code  INTEGER,
        error        TEXT,
        duration_ms  INTEGER NOT NULL,
        PRIMARY KEY (delivery_id, n)
      ) WITHOUT ROWID;
    `,
  },
  {
    version: 5,
    sql: `
      -- The CLI's latest api_retry report while a run is retrying an API call (JSON), so a client that polls
      -- sees why nothing is happening. Cleared when the run ends.
      ALTER TABLE jobs ADD COLUMN retrying TEXT;

      -- Idempotency-Key: a repeated submit with the same key (per API key) gets the first one's response.
      CREATE TABLE idempotency_keys (
        scope        TEXT NOT NULL,     -- SHA-256 of the API key, so keys of different clients never collide
        key          TEXT NOT NULL,
        body_hash    TEXT NOT NULL,
        status_code  INTEGER NOT NULL,
        response     TEXT NOT NULL,
        job_id       TEXT NOT NULL,
        created_at   INTEGER NOT NULL,
        PRIMARY KEY (scope, key)
      ) WITHOUT ROWID;
      CREATE INDEX idempotency_keys_created ON idempotency_keys(created_at);
    `,
  },
  {
    version: 6,
    sql: `
      -- Jobs per status, kept by triggers, so the queue cap on every submit and the counts in stats and list
      -- totals cost one row read instead of a count over every queued job.
      CREATE TABLE job_counts (status TEXT PRIMARY KEY, n INTEGER NOT NULL) WITHOUT ROWID;
      INSERT INTO job_counts (status, n)
        SELECT s.status, (SELECT COUNT(*) FROM jobs WHERE jobs.status = s.status)
        FROM (SELECT 'queued' AS status UNION ALL SELECT 'processing' UNION ALL SELECT 'completed'
              UNION ALL SELECT 'failed' UNION ALL SELECT 'cancelled') AS s;
      CREATE TRIGGER job_counts_insert AFTER INSERT ON jobs BEGIN
        UPDATE job_counts SET n = n + 1 WHERE status = NEW.status;
      END;
      CREATE TRIGGER job_counts_delete AFTER DELETE ON jobs BEGIN
        UPDATE job_counts SET n = n - 1 WHERE status = OLD.status;
      END;
      CREATE TRIGGER job_counts_update AFTER UPDATE OF status ON jobs WHEN OLD.status <> NEW.status BEGIN
        UPDATE job_counts SET n = n - 1 WHERE status = OLD.status;
        UPDATE job_counts SET n = n + 1 WHERE status = NEW.status;
      END;
    `,
  },
  {
    version: 7,
    sql: `
      -- Everything of a job goes with it, by DELETE or by the TTL cleanup: its events (foreign key), and here its
      -- webhook deliveries (their attempts by foreign key) and its idempotency records, which hold its payloads
      -- and the submit's response. This replaces version 4's rule that a deleted job's deliveries still go.
      CREATE INDEX idempotency_keys_job ON idempotency_keys(job_id);
      CREATE TRIGGER jobs_delete_dependents AFTER DELETE ON jobs BEGIN
        DELETE FROM webhook_deliveries WHERE job_id = OLD.id;
        DELETE FROM idempotency_keys WHERE job_id = OLD.id;
      END;
      -- What version 4 left behind: deliveries of jobs deleted before this version.
      DELETE FROM webhook_deliveries WHERE job_id NOT IN (SELECT id FROM jobs);
    `,
  },
  {
    version: 8,
    sql: `
      -- A job's JSON Schema for the CLI's structured output (--json-schema), as sent; NULL = none.
      ALTER TABLE jobs ADD COLUMN json_schema TEXT;
    `,
  },
  {
    version: 9,
    sql: `
      -- Tenant keys, created by an operator. The key itself is never stored: only its SHA-256 (keys are 32
      -- random bytes, so a fast hash is enough; nothing to brute-force). A revoked key keeps its row (its name,
      -- its jobs' history and its webhook secret for deliveries still pending).
      CREATE TABLE api_keys (
        id              TEXT PRIMARY KEY,
        name            TEXT NOT NULL UNIQUE,
        secret_hash     TEXT NOT NULL UNIQUE,  -- hex SHA-256 of the key
        policy          TEXT NOT NULL DEFAULT '{}',
        webhook_secret  TEXT NOT NULL,         -- this tenant's Standard Webhooks secret (the DB file is private)
        created_at      INTEGER NOT NULL,
        revoked_at      INTEGER
      );
    `,
  },
  {
    version: 10,
    sql: `
      -- Who submitted a job: the tenant key's id, '' for operator keys. A tenant sees only its own jobs, and
      -- deliveries carry the owner too, so a deleted job's deliveries stay private and are signed with its secret.
      -- Only tenants' jobs are indexed by owner (operators list everyone's through jobs_created), so a gateway
      -- with operator keys only pays nothing more per submit.
      ALTER TABLE jobs ADD COLUMN owner TEXT NOT NULL DEFAULT '';
      CREATE INDEX jobs_owner_created ON jobs(owner, created_at DESC, seq DESC) WHERE owner != '';
      ALTER TABLE webhook_deliveries ADD COLUMN owner TEXT NOT NULL DEFAULT '';
    `,
  },
  {
    version: 11,
    sql: `
      -- Per owner (tenant key id, '' for operators): jobs waiting and running, kept by triggers, the claim
      -- number of its last served job, and its first job's seq (the order among owners never served yet). The
      -- dispatcher serves the waiting owner served longest ago (round robin) and skips owners at their
      -- max_running, without counting over the queue on each claim.
      CREATE TABLE owner_queue (
        owner    TEXT PRIMARY KEY,
        queued   INTEGER NOT NULL DEFAULT 0,
        running  INTEGER NOT NULL DEFAULT 0,
        served   INTEGER NOT NULL DEFAULT 0,
        arrived  INTEGER NOT NULL DEFAULT 0
      ) WITHOUT ROWID;
      INSERT INTO owner_queue (owner, queued, running, arrived)
        SELECT owner, SUM(status = 'queued'), SUM(status = 'processing'), MIN(seq) FROM jobs GROUP BY owner;
      CREATE TRIGGER owner_queue_insert AFTER INSERT ON jobs BEGIN
        INSERT INTO owner_queue (owner, queued, running, arrived)
          VALUES (NEW.owner, NEW.status = 'queued', NEW.status = 'processing', NEW.seq)
          ON CONFLICT (owner) DO UPDATE SET queued = queued + excluded.queued, running = running + excluded.running;
      END;
      CREATE TRIGGER owner_queue_delete AFTER DELETE ON jobs WHEN OLD.status IN ('queued', 'processing') BEGIN
        UPDATE owner_queue SET queued = queued - (OLD.status = 'queued'), running = running - (OLD.status = 'processing')
          WHERE owner = OLD.owner;
      END;
      CREATE TRIGGER owner_queue_update AFTER UPDATE OF status ON jobs WHEN OLD.status <> NEW.status BEGIN
        UPDATE owner_queue
          SET queued = queued - (OLD.status = 'queued') + (NEW.status = 'queued'),
              running = running - (OLD.status = 'processing') + (NEW.status = 'processing')
          WHERE owner = NEW.owner;
      END;

      -- Usage per owner, UTC day and model, added to by the transaction that ends a run (so it outlives the
      -- jobs, which the TTL deletes): budgets and GET /api/v1/usage read it. A run ends when a processing job
      -- becomes terminal; jobs cancelled while queued never ran and cost nothing.
      CREATE TABLE usage_ledger (
        owner                        TEXT NOT NULL,
        day                          TEXT NOT NULL,   -- YYYY-MM-DD (UTC) of the run's end
        model                        TEXT NOT NULL,
        jobs                         INTEGER NOT NULL,
        input_tokens                 INTEGER NOT NULL,
        output_tokens                INTEGER NOT NULL,
        cache_creation_input_tokens  INTEGER NOT NULL,
        cache_read_input_tokens      INTEGER NOT NULL,
        cost_usd                     REAL NOT NULL,   -- the CLI's total_cost_usd
        run_ms                       INTEGER NOT NULL,
        PRIMARY KEY (owner, day, model)
      ) WITHOUT ROWID;
      CREATE INDEX usage_ledger_day ON usage_ledger(day);
      CREATE TRIGGER usage_ledger_run_end AFTER UPDATE OF status ON jobs
        WHEN OLD.status = 'processing' AND NEW.status IN ('completed', 'failed', 'cancelled') BEGIN
        INSERT INTO usage_ledger (owner, day, model, jobs, input_tokens, output_tokens, cache_creation_input_tokens,
                                  cache_read_input_tokens, cost_usd, run_ms)
        VALUES (NEW.owner, strftime('%Y-%m-%d', COALESCE(NEW.completed_at, 0) / 1000, 'unixepoch'), NEW.model, 1,
                COALESCE(json_extract(NEW.stats, '$.usage.input_tokens'), 0),
                COALESCE(json_extract(NEW.stats, '$.usage.output_tokens'), 0),
                COALESCE(json_extract(NEW.stats, '$.usage.cache_creation_input_tokens'), 0),
                COALESCE(json_extract(NEW.stats, '$.usage.cache_read_input_tokens'), 0),
                COALESCE(json_extract(NEW.stats, '$.cost_usd'), 0),
                MAX(0, COALESCE(NEW.completed_at - NEW.started_at, 0)))
        ON CONFLICT (owner, day, model) DO UPDATE SET
          jobs = jobs + 1,
          input_tokens = input_tokens + excluded.input_tokens,
          output_tokens = output_tokens + excluded.output_tokens,
          cache_creation_input_tokens = cache_creation_input_tokens + excluded.cache_creation_input_tokens,
          cache_read_input_tokens = cache_read_input_tokens + excluded.cache_read_input_tokens,
          cost_usd = cost_usd + excluded.cost_usd,
          run_ms = run_ms + excluded.run_ms;
      END;
    `,
  },
  {
    version: 12,
    sql: `
      -- The X-Request-ID of the request that created the job, so every log line about the job can name it.
      ALTER TABLE jobs ADD COLUMN request_id TEXT NOT NULL DEFAULT '';
    `,
  },
  {
    version: 13,
    sql: `
      -- Sessions: every job is one turn of a session. The CLI's own session (its transcript file, a JSONL, and
      -- the id it knows it by) is stored here after each turn and put back in place before the next, so a
      -- session continues on any gateway that opens this database, whatever became of the run's folders.
      -- running_job: the job whose run (CLI process) is alive for this session; the claim skips the session's
      -- other turns meanwhile (the CLI must never resume one session twice at once). No run survives a server,
      -- so start-up clears it.
      CREATE TABLE sessions (
        id              TEXT PRIMARY KEY,
        owner           TEXT NOT NULL DEFAULT '',
        parent_id       TEXT,                 -- the session this one was forked from
        created_at      INTEGER NOT NULL,
        last_active_at  INTEGER NOT NULL,
        cli_session_id  TEXT,                 -- the CLI's id of the stored transcript (NULL before the first turn ran)
        transcript      BLOB,
        running_job     TEXT
      );
      CREATE INDEX sessions_owner_created ON sessions(owner, created_at DESC);
      CREATE INDEX sessions_active ON sessions(last_active_at);
      CREATE INDEX sessions_running ON sessions(running_job) WHERE running_job IS NOT NULL;
      -- Jobs stored before sessions existed: each is the only turn of its own session (same id as the job).
      ALTER TABLE jobs ADD COLUMN session_id TEXT NOT NULL DEFAULT '';
      ALTER TABLE jobs ADD COLUMN fork INTEGER NOT NULL DEFAULT 0;
      UPDATE jobs SET session_id = id;
      INSERT INTO sessions (id, owner, created_at, last_active_at)
        SELECT id, owner, created_at, COALESCE(completed_at, created_at) FROM jobs;
      CREATE INDEX jobs_session ON jobs(session_id, seq);
    `,
  },
  {
    version: 14,
    sql: `
      -- A job's agent options (max_turns, tools, mcp_servers, ...) as JSON; NULL = none.
      ALTER TABLE jobs ADD COLUMN options TEXT;
    `,
  },
  {
    version: 15,
    sql: `
      -- Session workspaces. The listing (path, size, sha256, modification time) is ours, so limits are one SUM;
      -- the contents are kept through unstorage, by default in workspace_blobs below (the table layout of its
      -- db0 driver, which would create it the same way on first use), else where CLAUDEGATE_WORKSPACE_STORAGE says.
      CREATE TABLE workspace_files (
        session_id   TEXT NOT NULL,
        path         TEXT NOT NULL,
        size         INTEGER NOT NULL,
        sha256       TEXT NOT NULL,
        modified_at  INTEGER NOT NULL,
        PRIMARY KEY (session_id, path)
      ) WITHOUT ROWID;
      CREATE TABLE IF NOT EXISTS workspace_blobs (
        key         TEXT PRIMARY KEY,
        value       TEXT,
        blob        BLOB,
        created_at  TEXT DEFAULT CURRENT_TIMESTAMP,
        updated_at  TEXT DEFAULT CURRENT_TIMESTAMP
      );
    `,
  },
  {
    version: 16,
    sql: `
      -- The compatible APIs' conversations (runtime/compat/continuation.ts): a job asked through /v1/ records the
      -- fingerprint of the conversation it answers (API key, system prompt, every message up to its prompt), so a
      -- later request that repeats that conversation plus this job's answer continues the job's session.
      ALTER TABLE jobs ADD COLUMN conversation TEXT;
      CREATE INDEX jobs_conversation ON jobs(conversation) WHERE conversation IS NOT NULL;
    `,
  },
  ...CLUSTER_MIGRATIONS.map((m) => ({ version: m.version, sql: m.sqlite })),
];
