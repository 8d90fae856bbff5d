import type { ClientBase } from 'pg';
import { SchemaTooNewError, type MigrationResult } from '../schema';

/**
 * Versioned schema migrations for the PostgreSQL store. Same rules and the same version numbers
 * as the SQLite list (src/store/sqlite/migrations.ts): a version means the same schema on both, in each
 * database's own types (timestamptz, jsonb, a `seq` column where SQLite orders by rowid).
 *
 * All pending migrations run in ONE transaction (PostgreSQL's DDL is transactional) that first
 * takes a transaction-level advisory lock: replicas starting together queue on the lock, and the
 * ones after the first see the migrations as applied.
 */
export interface PgMigration {
  version: number;
  name: string;
  up: string;
}

/** Arbitrary fixed key of the migration lock ("LRmg"); any other advisory-lock user must avoid it. */
export const MIGRATION_LOCK_KEY = 0x4c526d67;

export const PG_MIGRATIONS: readonly PgMigration[] = [
  {
    version: 1,
    name: 'initial schema',
    up: `
      CREATE TABLE license_requests (
        id                      TEXT PRIMARY KEY,
        -- Ties on created_at are ordered by insertion, as SQLite's rowid does.
        seq                     BIGINT GENERATED ALWAYS AS IDENTITY,
        idempotency_key         TEXT NOT NULL,
        ticket_url              TEXT NOT NULL,
        email                   TEXT NOT NULL,
        user_count              INTEGER NOT NULL,
        requested_by_slack_id   TEXT NOT NULL,
        requested_by_username   TEXT NOT NULL,
        license_expires_on      TEXT NOT NULL,
        override_justification  TEXT,
        scope_summary           TEXT NOT NULL,
        adapter                 TEXT NOT NULL,
        status                  TEXT NOT NULL CHECK (status IN ('pending', 'generated', 'failed', 'refused')),
        reason                  TEXT,
        reference               TEXT,
        license_file            TEXT,
        trial_expires_on        TEXT,
        attempts                INTEGER NOT NULL DEFAULT 0,
        created_at              TIMESTAMPTZ NOT NULL,
        updated_at              TIMESTAMPTZ NOT NULL
      );
      CREATE UNIQUE INDEX license_requests_idempotency_key ON license_requests (idempotency_key);
      CREATE INDEX license_requests_ticket_created ON license_requests (ticket_url, created_at DESC, seq DESC);
      CREATE INDEX license_requests_email_created ON license_requests (lower(email), created_at DESC, seq DESC);
      CREATE INDEX license_requests_status_created ON license_requests (status, created_at, seq);

      CREATE TABLE audit_outbox (
        key               TEXT PRIMARY KEY,
        seq               BIGINT GENERATED ALWAYS AS IDENTITY,
        channel           TEXT NOT NULL,
        text              TEXT NOT NULL,
        blocks            JSONB NOT NULL,
        thread_of_key     TEXT,
        ts                TEXT,
        version           INTEGER NOT NULL,
        delivered_version INTEGER NOT NULL DEFAULT 0,
        attempts          INTEGER NOT NULL DEFAULT 0,
        next_attempt_at   TIMESTAMPTZ NOT NULL,
        last_error        TEXT,
        created_at        TIMESTAMPTZ NOT NULL
      );
      -- Partial: only undelivered rows, so it stays as small as the backlog (see the SQLite schema).
      CREATE INDEX audit_outbox_due ON audit_outbox (created_at, seq) WHERE version > delivered_version;

      CREATE TABLE star_decisions (
        id                  TEXT PRIMARY KEY,
        seq                 BIGINT GENERATED ALWAYS AS IDENTITY,
        ticket_url          TEXT NOT NULL,
        decided_by_slack_id TEXT NOT NULL,
        verdict             TEXT NOT NULL,
        inputs              JSONB NOT NULL,
        created_at          TIMESTAMPTZ NOT NULL
      );
      CREATE INDEX star_decisions_created ON star_decisions (created_at, seq);

      CREATE TABLE user_preferences (
        slack_user_id   TEXT PRIMARY KEY,
        gitlab_username TEXT,
        time_zone       TEXT,
        updated_at      TIMESTAMPTZ NOT NULL
      );

      CREATE TABLE health (
        id         INTEGER PRIMARY KEY CHECK (id = 1),
        checked_at TIMESTAMPTZ NOT NULL
      );
    `,
  },
  {
    version: 2,
    name: 'outbox lease',
    up: `ALTER TABLE audit_outbox ADD COLUMN claimed_until TIMESTAMPTZ;`,
  },
  {
    version: 3,
    name: 'durable license delivery, open requests, audit post attempts',
    up: `
      -- Handing a generated license to the engineer is a durable step of its own.
      ALTER TABLE license_requests ADD COLUMN delivery_status TEXT NOT NULL DEFAULT 'none'
        CHECK (delivery_status IN ('none', 'pending', 'delivered', 'failed'));
      ALTER TABLE license_requests ADD COLUMN delivery_attempts INTEGER NOT NULL DEFAULT 0;
      ALTER TABLE license_requests ADD COLUMN delivery_next_at TIMESTAMPTZ;
      ALTER TABLE license_requests ADD COLUMN delivery_error TEXT;
      -- Licenses generated before this version were handed over by the old code (or reported as not).
      UPDATE license_requests SET delivery_status = 'delivered' WHERE status = 'generated';
      CREATE INDEX license_requests_delivery_due ON license_requests (delivery_next_at)
        WHERE delivery_status = 'pending';

      -- Facts of a request between two modal steps, keyed by the view: never trusted from the client.
      CREATE TABLE open_requests (
        view_id       TEXT PRIMARY KEY,
        slack_user_id TEXT NOT NULL,
        stage         TEXT NOT NULL CHECK (stage IN ('override', 'reissue')),
        facts         JSONB NOT NULL,
        justification TEXT,
        channel_id    TEXT,
        updated_at    TIMESTAMPTZ NOT NULL
      );
      CREATE INDEX open_requests_updated ON open_requests (updated_at);

      -- When a first post was sent without its answer being seen (a possible second copy).
      ALTER TABLE audit_outbox ADD COLUMN post_started_at TIMESTAMPTZ;
    `,
  },
  {
    version: 4,
    name: 'one column per meaning in license requests',
    // See the SQLite migration 4: each meaning of reason/reference gets its own column.
    up:
      `
      ALTER TABLE license_requests
        ADD COLUMN failure_reason TEXT,
        ADD COLUMN refusal_reason TEXT,
        ADD COLUMN issue_url TEXT,
        ADD COLUMN license_path TEXT,
        ADD COLUMN issued_to_email TEXT,
        ADD COLUMN issued_to_user_count INTEGER;
      UPDATE license_requests SET failure_reason = COALESCE(reason, 'unknown') WHERE status = 'failed';
      UPDATE license_requests SET refusal_reason = COALESCE(reason, '') WHERE status = 'refused';
      UPDATE license_requests SET
        issued_to_email = (regexp_match(reason, '^The license was created for (.+?) \\((\\d+) users\\), not ` +
      `'))[1],
        issued_to_user_count = (regexp_match(reason, '^The license was created for (.+?) \\((\\d+) users\\), ` +
      `not '))[2]::int
      WHERE status = 'generated' AND reason ~ '^The license was created for (.+?) \\((\\d+) users\\), not ';
      UPDATE license_requests SET issue_url = reference WHERE adapter = 'gitlab-issue';
      UPDATE license_requests SET license_path = reference WHERE adapter <> 'gitlab-issue';
      UPDATE license_requests SET delivery_status = 'delivered' WHERE status = 'generated' AND delivery_status ` +
      `= 'none';
      ALTER TABLE license_requests DROP COLUMN reason, DROP COLUMN reference;
    `,
  },
  {
    version: 5,
    name: 'trial follow-up: lifecycle jobs, events, scheduled runs',
    up:
      `
      -- Reminder and lapse of each generated trial, claimed with a lease (SKIP LOCKED) like the outbox.
      CREATE TABLE lifecycle_jobs (
        id          TEXT PRIMARY KEY,
        request_id  TEXT NOT NULL,
        kind        TEXT NOT NULL CHECK (kind IN ('reminder', 'lapse')),
        due_at      TIMESTAMPTZ NOT NULL,
        attempts    INTEGER NOT NULL DEFAULT 0,
        last_error  TEXT,
        lease_owner TEXT,
        lease_until TIMESTAMPTZ,
        done_at     TIMESTAMPTZ,
        outcome     TEXT CHECK (outcome IN ('fired', 'skipped')),
        created_at  TIMESTAMPTZ NOT NULL
      );
      CREATE INDEX lifecycle_jobs_due ON lifecycle_jobs (due_at) WHERE done_at IS NULL;

      -- The request's follow-up history; once_key for events a request has at most once (NULLs never collide).
      CREATE TABLE lifecycle_events (
        id          TEXT PRIMARY KEY,
        seq         BIGINT GENERATED ALWAYS AS IDENTITY,
        request_id  TEXT NOT NULL,
        type        TEXT NOT NULL CHECK (type IN ('reminder_sent', 'resolved', 'needs_lr', 'lapsed', ` +
      `'copy_sent')),
        at          TIMESTAMPTZ NOT NULL,
        by_slack_id TEXT,
        late_by_ms  BIGINT,
        once_key    TEXT
      );
      CREATE UNIQUE INDEX lifecycle_events_once ON lifecycle_events (request_id, once_key);
      CREATE INDEX lifecycle_events_request ON lifecycle_events (request_id, at, seq);

      -- Runs of scheduled jobs (the weekly STAR digest), one row per scheduled time.
      CREATE TABLE scheduled_runs (
        key         TEXT PRIMARY KEY,
        lease_owner TEXT,
        lease_until TIMESTAMPTZ,
        done_at     TIMESTAMPTZ,
        created_at  TIMESTAMPTZ NOT NULL
      );

      CREATE INDEX license_requests_requester_created ON license_requests (requested_by_slack_id, created_at ` +
      `DESC, seq DESC);
      CREATE INDEX star_decisions_decider_created ON star_decisions (decided_by_slack_id, created_at DESC, seq ` +
      `DESC);
    `,
  },
  {
    version: 6,
    name: 'license request lease',
    // HA (issue 11): who works on a request (adapter call or hand-over) and until when; NULL = free.
    up: `
      ALTER TABLE license_requests ADD COLUMN claimed_by TEXT;
      ALTER TABLE license_requests ADD COLUMN claimed_until TIMESTAMPTZ;
      CREATE INDEX license_requests_pending ON license_requests (created_at, seq) WHERE status = 'pending';
    `,
  },
  {
    version: 7,
    name: 'kind of license on the instance',
    // Issue 17: a Sales-generated temporary extension (trial-type license) has no grace period, so
    // the request keeps which kind the scope was checked with. Older requests were checked as paid.
    up: `
      ALTER TABLE license_requests ADD COLUMN license_kind TEXT NOT NULL DEFAULT 'paid'
        CHECK (license_kind IN ('paid', 'temporary'));
    `,
  },
  {
    version: 8,
    name: 'license delivery attempt started',
    // See the SQLite migration 8: set just before a license DM is sent, cleared when its outcome is recorded.
    up: `ALTER TABLE license_requests ADD COLUMN delivery_started_at TIMESTAMPTZ;`,
  },
  {
    version: 9,
    name: 'ticket writes',
    // See the SQLite migration 9: the bot's writes on Zendesk tickets as durable, leased jobs.
    up: `
      CREATE TABLE ticket_writes (
        key             TEXT PRIMARY KEY,
        ticket_url      TEXT NOT NULL,
        kind            TEXT NOT NULL CHECK (kind IN ('license', 'note')),
        request_id      TEXT,
        payload         JSONB NOT NULL,
        notice_key      TEXT,
        state           TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'done', 'failed')),
        written         TEXT CHECK (written IN ('now', 'already')),
        attempts        INTEGER NOT NULL DEFAULT 0,
        next_attempt_at TIMESTAMPTZ NOT NULL,
        last_error      TEXT,
        claimed_by      TEXT,
        claimed_until   TIMESTAMPTZ,
        created_at      TIMESTAMPTZ NOT NULL,
        done_at         TIMESTAMPTZ
      );
      CREATE INDEX ticket_writes_due ON ticket_writes (next_attempt_at) WHERE state = 'pending';
      CREATE INDEX ticket_writes_request ON ticket_writes (request_id, created_at) WHERE request_id IS NOT NULL;
      `,
  },
  {
    version: 10,
    name: 'license copies',
    // See the SQLite migration 10: one leased, retried hand-over per "Send me the license" click.
    up: `
      CREATE TABLE license_copies (
        seq               BIGINT GENERATED ALWAYS AS IDENTITY,
        id                TEXT PRIMARY KEY,
        request_id        TEXT NOT NULL,
        to_slack_id       TEXT NOT NULL,
        idempotency_key   TEXT NOT NULL,
        delivery_status   TEXT NOT NULL DEFAULT 'pending' CHECK (delivery_status IN ('pending', 'delivered', 'failed')),
        delivery_attempts INTEGER NOT NULL DEFAULT 0,
        delivery_next_at  TIMESTAMPTZ,
        delivery_error    TEXT,
        delivery_started_at TIMESTAMPTZ,
        claimed_by        TEXT,
        claimed_until     TIMESTAMPTZ,
        created_at        TIMESTAMPTZ NOT NULL,
        updated_at        TIMESTAMPTZ NOT NULL
      );
      CREATE UNIQUE INDEX license_copies_idempotency_key ON license_copies (idempotency_key);
      CREATE INDEX license_copies_due ON license_copies (delivery_next_at, seq) WHERE delivery_status = 'pending';
      CREATE INDEX license_copies_request ON license_copies (request_id, created_at);
    `,
  },
  {
    version: 11,
    name: 'outbox lease owner',
    // See the SQLite migration 11: the audit entry's lease is held under the replica's name.
    up: `ALTER TABLE audit_outbox ADD COLUMN claimed_by TEXT;`,
  },
  {
    version: 12,
    name: 'create a license request in one statement',
    // Issue 19: the create (idempotency check, advisory locks, duplicate check, insert) in one
    // round trip instead of three (BEGIN with the locks, the statement, COMMIT). A VOLATILE PL/pgSQL
    // function takes a fresh snapshot for each statement in it (READ COMMITTED), so the query after
    // the locks sees the row of the create that held them, as the statement after BEGIN did. The
    // locks are the ones the code took before (same key spaces, hashtext of the lower-cased email,
    // then of the ticket), so replicas still on the old path and on this one serialise together.
    // The insert's columns are listed: a column added to license requests later needs a migration
    // that replaces this function (tests/store/postgres-store.test.ts checks the list).
    up: `
      CREATE FUNCTION create_license_request(
        candidate jsonb, reissue_since timestamptz, email_lock_space integer, ticket_lock_space integer
      ) RETURNS SETOF license_requests LANGUAGE plpgsql VOLATILE AS $create$
      DECLARE
        r license_requests := jsonb_populate_record(NULL::license_requests, candidate);
      BEGIN
        IF reissue_since IS NOT NULL THEN
          PERFORM pg_advisory_xact_lock(email_lock_space, hashtext(lower(r.email)));
          PERFORM pg_advisory_xact_lock(ticket_lock_space, hashtext(r.ticket_url));
        END IF;
        RETURN QUERY
          WITH existing AS (SELECT * FROM license_requests WHERE idempotency_key = r.idempotency_key),
          duplicates AS (
            SELECT * FROM license_requests
            WHERE reissue_since IS NOT NULL
              AND (ticket_url = r.ticket_url OR lower(email) = lower(r.email))
              AND status IN ('pending', 'generated') AND created_at >= reissue_since
              AND NOT EXISTS (SELECT FROM existing)
          ),
          inserted AS (
            INSERT INTO license_requests (
              id, idempotency_key, ticket_url, email, user_count, requested_by_slack_id,
              requested_by_username, license_expires_on, license_kind, override_justification,
              scope_summary, adapter, status, failure_reason, refusal_reason, issue_url, license_path,
              license_file, trial_expires_on, issued_to_email, issued_to_user_count, attempts,
              delivery_status, delivery_attempts, delivery_next_at, delivery_error, claimed_by,
              claimed_until, created_at, updated_at
            )
            SELECT
              r.id, r.idempotency_key, r.ticket_url, r.email, r.user_count, r.requested_by_slack_id,
              r.requested_by_username, r.license_expires_on, r.license_kind, r.override_justification,
              r.scope_summary, r.adapter, r.status, r.failure_reason, r.refusal_reason, r.issue_url,
              r.license_path, r.license_file, r.trial_expires_on, r.issued_to_email,
              r.issued_to_user_count, r.attempts, r.delivery_status, r.delivery_attempts,
              r.delivery_next_at, r.delivery_error, r.claimed_by, r.claimed_until, r.created_at,
              r.updated_at
            WHERE NOT EXISTS (SELECT FROM existing) AND NOT EXISTS (SELECT FROM duplicates)
            ON CONFLICT (idempotency_key) DO NOTHING
            RETURNING *
          )
          SELECT * FROM existing
          UNION ALL SELECT * FROM duplicates
          UNION ALL SELECT * FROM inserted
          ORDER BY created_at DESC, seq DESC;
      END
      $create$;
    `,
  },
];

function validate(migrations: readonly PgMigration[]): void {
  let previous = 0;
  for (const m of migrations) {
    if (!Number.isInteger(m.version) || m.version <= previous) {
      throw new Error(
        `Invalid migration list: version ${m.version} ("${m.name}") must be an integer greater than ${previous}`,
      );
    }
    previous = m.version;
  }
}

/** Current schema version (0 when no migration was ever applied). */
export async function pgSchemaVersion(client: ClientBase): Promise<number> {
  const { rows } = await client.query<{ version: number | null }>(
    `SELECT CASE WHEN to_regclass('schema_migrations') IS NULL THEN 0
            ELSE (SELECT COALESCE(MAX(version), 0) FROM schema_migrations) END AS version`,
  );
  return rows[0]?.version ?? 0;
}

/**
 * Brings the database up to the newest migration; idempotent; throws {@link SchemaTooNewError}
 * when the database is ahead of the code. `client` must be a dedicated connection (not in a
 * transaction) without a statement timeout: a migration on a big table may take a while.
 */
export async function migratePostgres(
  client: ClientBase,
  migrations: readonly PgMigration[] = PG_MIGRATIONS,
  databaseName = 'PostgreSQL database',
  now: () => Date = () => new Date(),
): Promise<MigrationResult> {
  validate(migrations);
  const latest = migrations[migrations.length - 1]?.version ?? 0;
  await client.query('BEGIN');
  try {
    await client.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK_KEY]);
    await client.query(`CREATE TABLE IF NOT EXISTS schema_migrations (
      version    INTEGER PRIMARY KEY,
      name       TEXT NOT NULL,
      applied_at TIMESTAMPTZ NOT NULL
    )`);
    const from = await pgSchemaVersion(client);
    if (from > latest) throw new SchemaTooNewError(from, latest, databaseName);
    const applied: number[] = [];
    for (const m of migrations) {
      if (m.version <= from) continue;
      try {
        await client.query(m.up);
      } catch (err) {
        throw new Error(`Migration ${m.version} ("${m.name}") failed: ${(err as Error).message}`, { cause: err });
      }
      await client.query('INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)', [
        m.version,
        m.name,
        now().toISOString(),
      ]);
      applied.push(m.version);
    }
    await client.query('COMMIT');
    return { from, to: Math.max(from, latest), applied };
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  }
}
