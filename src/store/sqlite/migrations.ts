import type Database from 'better-sqlite3';
import { SchemaTooNewError, type MigrationResult } from '../schema';

export { SchemaTooNewError, type MigrationResult } from '../schema';

/**
 * Versioned schema migrations for the embedded SQLite store (the PostgreSQL list in
 * ../postgres/migrations.ts has the same versions).
 *
 * Rules:
 * - Versions are positive integers in strictly increasing order; never renumber or edit a
 *   migration that has shipped, add a new one instead.
 * - All pending migrations are applied in ONE immediate transaction, so a failing migration
 *   leaves the database exactly as it was, and two processes opening the same file at the
 *   same time cannot both apply them.
 * - A database whose recorded version is newer than the newest migration known to this code
 *   refuses to open ({@link SchemaTooNewError}) instead of being written by an older bot.
 */
export interface Migration {
  version: number;
  name: string;
  /** One or more SQL statements. Must not change `journal_mode` (not allowed in a transaction). */
  up: string;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'initial schema',
    up: `
      CREATE TABLE license_requests (
        id                      TEXT PRIMARY KEY,
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
        created_at              TEXT NOT NULL,
        updated_at              TEXT NOT NULL
      );
      CREATE UNIQUE INDEX license_requests_idempotency_key ON license_requests (idempotency_key);
      CREATE INDEX license_requests_ticket_created ON license_requests (ticket_url, created_at);
      CREATE INDEX license_requests_email_created ON license_requests (lower(email), created_at);
      CREATE INDEX license_requests_status_created ON license_requests (status, created_at);

      CREATE TABLE audit_outbox (
        key               TEXT PRIMARY KEY,
        channel           TEXT NOT NULL,
        text              TEXT NOT NULL,
        blocks            TEXT NOT NULL,
        thread_of_key     TEXT,
        ts                TEXT,
        version           INTEGER NOT NULL,
        delivered_version INTEGER NOT NULL DEFAULT 0,
        attempts          INTEGER NOT NULL DEFAULT 0,
        next_attempt_at   TEXT NOT NULL,
        last_error        TEXT,
        created_at        TEXT NOT NULL
      );
      -- Only undelivered rows are in this index, so it stays as small as the backlog even when
      -- the table holds millions of delivered rows. (created_at, next_attempt_at) lets "due"
      -- walk it in created_at order, filter next_attempt_at without touching the table and
      -- stop at LIMIT; it stays fast both when the backlog is mostly due and mostly backing off.
      -- version/delivered_version make backlog() (COUNT) an index-only scan.
      CREATE INDEX audit_outbox_due ON audit_outbox (created_at, next_attempt_at, version, delivered_version)
        WHERE version > delivered_version;

      CREATE TABLE star_decisions (
        id                  TEXT PRIMARY KEY,
        ticket_url          TEXT NOT NULL,
        decided_by_slack_id TEXT NOT NULL,
        verdict             TEXT NOT NULL,
        inputs              TEXT NOT NULL,
        created_at          TEXT NOT NULL
      );
      CREATE INDEX star_decisions_created ON star_decisions (created_at);

      CREATE TABLE user_preferences (
        slack_user_id   TEXT PRIMARY KEY,
        gitlab_username TEXT,
        time_zone       TEXT,
        updated_at      TEXT NOT NULL
      );

      -- One-row table written by the health check's write probe.
      CREATE TABLE health (
        id         INTEGER PRIMARY KEY CHECK (id = 1),
        checked_at TEXT NOT NULL
      );
    `,
  },
  {
    version: 2,
    name: 'outbox lease',
    // Set while a dispatcher sends the entry (AuditOutbox.claimDue), so two bots sharing the
    // store never post the same audit message at once; NULL = not held.
    up: `ALTER TABLE audit_outbox ADD COLUMN claimed_until TEXT;`,
  },
  {
    version: 3,
    name: 'durable license delivery, open requests, audit post attempts',
    up: `
      -- Delivery of a generated license to the engineer is a durable step (issue 9.3).
      ALTER TABLE license_requests ADD COLUMN delivery_status TEXT NOT NULL DEFAULT 'none'
        CHECK (delivery_status IN ('none', 'pending', 'delivered', 'failed'));
      ALTER TABLE license_requests ADD COLUMN delivery_attempts INTEGER NOT NULL DEFAULT 0;
      ALTER TABLE license_requests ADD COLUMN delivery_next_at TEXT;
      ALTER TABLE license_requests ADD COLUMN delivery_error TEXT;
      -- Licenses generated before this version were handed over by the old code (or reported as not).
      UPDATE license_requests SET delivery_status = 'delivered' WHERE status = 'generated';
      CREATE INDEX license_requests_delivery_due ON license_requests (delivery_next_at)
        WHERE delivery_status = 'pending';
      -- The duplicate check looks requests up by ticket or email within a window, whatever the status.
      -- (license_requests_ticket_created / _email_created already serve it.)

      -- Facts of a request between two modal steps, keyed by the view (issue 9.7).
      CREATE TABLE open_requests (
        view_id       TEXT PRIMARY KEY,
        slack_user_id TEXT NOT NULL,
        stage         TEXT NOT NULL CHECK (stage IN ('override', 'reissue')),
        facts         TEXT NOT NULL,
        justification TEXT,
        channel_id    TEXT,
        updated_at    TEXT NOT NULL
      );
      CREATE INDEX open_requests_updated ON open_requests (updated_at);

      -- When a first post was sent without its answer being seen (issue 9.5).
      ALTER TABLE audit_outbox ADD COLUMN post_started_at TEXT;
    `,
  },
  {
    version: 4,
    name: 'one column per meaning in license requests',
    // \`reason\` meant a failure, a refusal or "issued to someone else"; \`reference\` an issue URL
    // or a file path. Each meaning gets its own column; existing rows are mapped, then the two
    // old columns go.
    up: `
      ALTER TABLE license_requests ADD COLUMN failure_reason TEXT;
      ALTER TABLE license_requests ADD COLUMN refusal_reason TEXT;
      ALTER TABLE license_requests ADD COLUMN issue_url TEXT;
      ALTER TABLE license_requests ADD COLUMN license_path TEXT;
      ALTER TABLE license_requests ADD COLUMN issued_to_email TEXT;
      ALTER TABLE license_requests ADD COLUMN issued_to_user_count INTEGER;
      UPDATE license_requests SET failure_reason = COALESCE(reason, 'unknown') WHERE status = 'failed';
      UPDATE license_requests SET refusal_reason = COALESCE(reason, '') WHERE status = 'refused';
      -- The workflow wrote exactly "The license was created for EMAIL (N users), not ...".
      UPDATE license_requests SET
        issued_to_email = substr(reason, 29, instr(reason, ' (') - 29),
        issued_to_user_count = CAST(substr(reason, instr(reason, ' (') + 2) AS INTEGER)
      WHERE status = 'generated' AND reason LIKE 'The license was created for % (% users), not %';
      UPDATE license_requests SET issue_url = reference WHERE adapter = 'gitlab-issue';
      UPDATE license_requests SET license_path = reference WHERE adapter <> 'gitlab-issue';
      -- A generated license always has a delivery step (migration 3 set older ones to delivered).
      UPDATE license_requests SET delivery_status = 'delivered' WHERE status = 'generated' AND delivery_status = 'none';
      ALTER TABLE license_requests DROP COLUMN reason;
      ALTER TABLE license_requests DROP COLUMN reference;
    `,
  },
  {
    version: 5,
    name: 'trial follow-up: lifecycle jobs, events, scheduled runs',
    up: `
      -- Reminder and lapse of each generated trial, claimed with a lease like the outbox (issue 12).
      CREATE TABLE lifecycle_jobs (
        id          TEXT PRIMARY KEY,
        request_id  TEXT NOT NULL,
        kind        TEXT NOT NULL CHECK (kind IN ('reminder', 'lapse')),
        due_at      TEXT NOT NULL,
        attempts    INTEGER NOT NULL DEFAULT 0,
        last_error  TEXT,
        lease_owner TEXT,
        lease_until TEXT,
        done_at     TEXT,
        outcome     TEXT CHECK (outcome IN ('fired', 'skipped')),
        created_at  TEXT NOT NULL
      );
      CREATE INDEX lifecycle_jobs_due ON lifecycle_jobs (due_at) WHERE done_at IS NULL;

      -- Reminder sent, resolved, needs L&R, lapsed, copy sent: the request's follow-up history.
      -- once_key is set for the events a request has at most once (NULLs never collide).
      CREATE TABLE lifecycle_events (
        id          TEXT PRIMARY KEY,
        request_id  TEXT NOT NULL,
        type        TEXT NOT NULL CHECK (type IN ('reminder_sent', 'resolved', 'needs_lr', 'lapsed', 'copy_sent')),
        at          TEXT NOT NULL,
        by_slack_id TEXT,
        late_by_ms  INTEGER,
        once_key    TEXT
      );
      CREATE UNIQUE INDEX lifecycle_events_once ON lifecycle_events (request_id, once_key);
      CREATE INDEX lifecycle_events_request ON lifecycle_events (request_id, at);

      -- Runs of scheduled jobs (the weekly STAR digest), one row per scheduled time.
      CREATE TABLE scheduled_runs (
        key         TEXT PRIMARY KEY,
        lease_owner TEXT,
        lease_until TEXT,
        done_at     TEXT,
        created_at  TEXT NOT NULL
      );

      -- App Home: a person's own requests and STAR checks.
      CREATE INDEX license_requests_requester_created ON license_requests (requested_by_slack_id, created_at);
      CREATE INDEX star_decisions_decider_created ON star_decisions (decided_by_slack_id, created_at);
    `,
  },
  {
    version: 6,
    name: 'license request lease',
    // HA (issue 11): who works on a request (adapter call or hand-over) and until when; NULL = free.
    up: `
      ALTER TABLE license_requests ADD COLUMN claimed_by TEXT;
      ALTER TABLE license_requests ADD COLUMN claimed_until TEXT;
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
    // Issue 18: set just before a license DM is sent (under the lease), cleared when its outcome is
    // recorded. Still set at the next attempt: the earlier one was interrupted (crash, lost answer),
    // so the next copy says it replaces it.
    up: `ALTER TABLE license_requests ADD COLUMN delivery_started_at TEXT;`,
  },
  {
    version: 9,
    name: 'ticket writes',
    // Issue 20: the bot's writes on Zendesk tickets (the license file, the notes), each a durable
    // job keyed by the idempotency mark it leaves on the ticket, leased like license requests.
    up: `
      CREATE TABLE ticket_writes (
        key             TEXT PRIMARY KEY,
        ticket_url      TEXT NOT NULL,
        kind            TEXT NOT NULL CHECK (kind IN ('license', 'note')),
        request_id      TEXT,
        payload         TEXT NOT NULL,
        notice_key      TEXT,
        state           TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'done', 'failed')),
        written         TEXT CHECK (written IN ('now', 'already')),
        attempts        INTEGER NOT NULL DEFAULT 0,
        next_attempt_at TEXT NOT NULL,
        last_error      TEXT,
        claimed_by      TEXT,
        claimed_until   TEXT,
        created_at      TEXT NOT NULL,
        done_at         TEXT
      );
      CREATE INDEX ticket_writes_due ON ticket_writes (next_attempt_at) WHERE state = 'pending';
      CREATE INDEX ticket_writes_request ON ticket_writes (request_id, created_at) WHERE request_id IS NOT NULL;
      `,
  },
  {
    version: 10,
    name: 'license copies',
    // Issue 18: a copy of a license ("Send me the license") is a durable, leased hand-over like the
    // first one: one row per click (idempotency_key), retried with backoff, fenced by its own lease.
    up: `
      CREATE TABLE license_copies (
        id                TEXT PRIMARY KEY,
        request_id        TEXT NOT NULL,
        to_slack_id       TEXT NOT NULL,
        idempotency_key   TEXT NOT NULL,
        delivery_status   TEXT NOT NULL DEFAULT 'pending' CHECK (delivery_status IN ('pending', 'delivered', 'failed')),
        delivery_attempts INTEGER NOT NULL DEFAULT 0,
        delivery_next_at  TEXT,
        delivery_error    TEXT,
        delivery_started_at TEXT,
        claimed_by        TEXT,
        claimed_until     TEXT,
        created_at        TEXT NOT NULL,
        updated_at        TEXT NOT NULL
      );
      CREATE UNIQUE INDEX license_copies_idempotency_key ON license_copies (idempotency_key);
      CREATE INDEX license_copies_due ON license_copies (delivery_next_at) WHERE delivery_status = 'pending';
      CREATE INDEX license_copies_request ON license_copies (request_id, created_at);
    `,
  },
  {
    version: 11,
    name: 'outbox lease owner',
    // Issue 19: who holds an audit entry's lease, so that a post is fenced like every other leased
    // job (renewed under its owner right before the Slack call) and only the holder ends the lease.
    // Older rows have no owner: their lease holds until it runs out, as before.
    up: `ALTER TABLE audit_outbox ADD COLUMN claimed_by TEXT;`,
  },
  {
    version: 12,
    name: 'create a license request in one statement',
    // PostgreSQL's migration 12 (a function that saves round trips to the server). SQLite runs in the
    // process: nothing to do; the version stays in step so a store moves between the two.
    up: ``,
  },
];

export const LATEST_SCHEMA_VERSION: number = MIGRATIONS[MIGRATIONS.length - 1]?.version ?? 0;

function validate(migrations: readonly Migration[]): void {
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

/** Current schema version recorded in the database (0 when no migration was ever applied). */
export function schemaVersion(db: Database.Database): number {
  const exists = db.prepare(`SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'`).get();
  if (!exists) return 0;
  const row = db.prepare('SELECT MAX(version) AS version FROM schema_migrations').get() as
    { version: number | null } | undefined;
  return row?.version ?? 0;
}

/**
 * Brings the database up to the newest migration. Idempotent: running it on an up-to-date
 * database changes nothing. Throws {@link SchemaTooNewError} when the database is newer.
 */
export function migrate(
  db: Database.Database,
  migrations: readonly Migration[] = MIGRATIONS,
  now: () => Date = () => new Date(),
): MigrationResult {
  validate(migrations);
  const latest = migrations[migrations.length - 1]?.version ?? 0;

  const run = db.transaction((): MigrationResult => {
    db.exec(`
      CREATE TABLE IF NOT EXISTS schema_migrations (
        version    INTEGER PRIMARY KEY,
        name       TEXT NOT NULL,
        applied_at TEXT NOT NULL
      )
    `);
    const from = schemaVersion(db);
    if (from > latest) throw new SchemaTooNewError(from, latest, db.name);

    const record = db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)');
    const applied: number[] = [];
    for (const m of migrations) {
      if (m.version <= from) continue;
      try {
        db.exec(m.up);
      } catch (err) {
        const message = err instanceof Error ? err.message : String(err);
        throw new Error(`Migration ${m.version} ("${m.name}") failed: ${message}`, { cause: err });
      }
      record.run(m.version, m.name, now().toISOString());
      applied.push(m.version);
    }
    return { from, to: Math.max(from, latest), applied };
  });
  // IMMEDIATE takes the write lock up front, so a second process opening the same file waits
  // (busy_timeout) and then sees the migrations as already applied.
  return run.immediate();
}
