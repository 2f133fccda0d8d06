// Schema versions from 17 on, for both engines side by side (runtime/store/migrations.ts holds SQLite's 1-16,
// runtime/store/pg/schema.ts PostgreSQL's baseline and 12-16). Each entry is one version in both lists.
export const CLUSTER_MIGRATIONS: { version: number; sqlite: string; postgres: string }[] = [
  {
    version: 17,
    // Cluster members (issue 12). A running job's lease: the instance running it and until when (the
    // database's clock, epoch ms); the instance renews it while the CLI runs, another instance re-queues the
    // job once it has run out. `instances`: every gateway sharing the database, with its last heartbeat.
    // `rate_limits`: the submit rate per API key (hashed), shared by every instance. `cluster_secrets`: the
    // webhook and stream secrets the first instance generated when none was configured, so all sign alike.
    sqlite: `
      ALTER TABLE jobs ADD COLUMN lease_owner TEXT;
      ALTER TABLE jobs ADD COLUMN lease_expires_at INTEGER;
      CREATE INDEX jobs_lease ON jobs(lease_owner) WHERE lease_owner IS NOT NULL;
      CREATE TABLE instances (
        id            TEXT PRIMARY KEY,
        host          TEXT NOT NULL,
        pid           INTEGER NOT NULL,
        started_at    INTEGER NOT NULL,
        heartbeat_at  INTEGER NOT NULL
      );
      CREATE TABLE rate_limits (
        key  TEXT PRIMARY KEY,
        tat  INTEGER NOT NULL
      );
      CREATE TABLE cluster_secrets (
        name   TEXT PRIMARY KEY,
        value  TEXT NOT NULL
      );
    `,
    postgres: `
      ALTER TABLE jobs ADD COLUMN lease_owner TEXT;
      ALTER TABLE jobs ADD COLUMN lease_expires_at BIGINT;
      CREATE INDEX jobs_lease ON jobs(lease_owner) WHERE lease_owner IS NOT NULL;
      CREATE TABLE instances (
        id            TEXT PRIMARY KEY,
        host          TEXT NOT NULL,
        pid           INTEGER NOT NULL,
        started_at    BIGINT NOT NULL,
        heartbeat_at  BIGINT NOT NULL
      );
      CREATE TABLE rate_limits (
        key  TEXT PRIMARY KEY,
        tat  BIGINT NOT NULL
      );
      CREATE TABLE cluster_secrets (
        name   TEXT PRIMARY KEY,
        value  TEXT NOT NULL
      );
    `,
  },
  {
    version: 18,
    // Large texts are read in slices (substr) so that a connection never holds a 10 MiB result whole. PostgreSQL
    // compresses such values by default, and must then decompress one from its start to reach any slice: every
    // slice of a long history cost the whole value. Stored uncompressed, a slice reads only its own chunks.
    // SQLite stores text as it is: nothing to do there.
    sqlite: `SELECT 1;`,
    postgres: `
      ALTER TABLE job_events ALTER COLUMN data SET STORAGE EXTERNAL;
      ALTER TABLE jobs ALTER COLUMN prompt SET STORAGE EXTERNAL;
      ALTER TABLE jobs ALTER COLUMN system_prompt SET STORAGE EXTERNAL;
      ALTER TABLE jobs ALTER COLUMN result SET STORAGE EXTERNAL;
      ALTER TABLE jobs ALTER COLUMN error SET STORAGE EXTERNAL;
      ALTER TABLE jobs ALTER COLUMN metadata SET STORAGE EXTERNAL;
    `,
  },
  {
    version: 19,
    // A status change moves one job between two job_counts rows. Updated old-then-new, a claim (queued ->
    // processing) and a requeue (processing -> queued) on two gateways lock the same two rows in opposite
    // orders and can deadlock. Locked in one order (by status name) first, they take turns. SQLite has one writer.
    sqlite: `SELECT 1;`,
    postgres: `
      CREATE OR REPLACE FUNCTION job_counts_update() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        PERFORM 1 FROM job_counts WHERE status IN (OLD.status, NEW.status) ORDER BY status FOR UPDATE;
        UPDATE job_counts SET n = n - 1 WHERE status = OLD.status;
        UPDATE job_counts SET n = n + 1 WHERE status = NEW.status;
        RETURN NULL;
      END $$;
    `,
  },
];
