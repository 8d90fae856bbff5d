/**
 * The bot's durable state, behind interfaces small enough that a shared database can replace
 * the embedded SQLite store when the bot runs as several replicas.
 */

export type LicenseRequestStatus = 'pending' | 'generated' | 'failed' | 'refused';

export interface LicenseRequestInput {
  ticketUrl: string;
  email: string;
  userCount: number;
  /** Slack user ID of the engineer. */
  requestedBySlackId: string;
  /** GitLab username the engineer typed. */
  requestedByUsername: string;
  /** yyyy-mm-dd, the customer's license expiration date. */
  licenseExpiresOn: string;
  /** Set when a manager overrode the scope check. */
  overrideJustification?: string;
  /** Why the scope check decided what it did (kept for the audit trail). */
  scopeSummary: string;
  adapter: string;
  /**
   * Makes a Slack redelivery or double click harmless: the same key never creates a second
   * record (e.g. the view ID of the submitted modal).
   */
  idempotencyKey: string;
}

export interface LicenseRequestRecord extends LicenseRequestInput {
  id: string;
  status: LicenseRequestStatus;
  /** Failure or refusal reason. */
  reason?: string;
  /** Adapter trace: issue URL, file path. */
  reference?: string;
  licenseFile?: string;
  /** yyyy-mm-dd on which the trial license stops working. */
  trialExpiresOn?: string;
  /** How many times this request was retried after a failure. */
  attempts: number;
  /**
   * Handing the license to the engineer (DM / file upload) is a durable step of its own: it
   * becomes `pending` in the same write that records the license as generated, and is retried
   * (also after a restart) until it is `delivered`. Absent = `none` (nothing to deliver yet).
   */
  deliveryStatus?: DeliveryStatus;
  deliveryAttempts?: number;
  /** ISO time of the next delivery attempt while pending. */
  deliveryNextAt?: string;
  /** Slack's answer to the last failed delivery. */
  deliveryError?: string;
  createdAt: string;
  updatedAt: string;
}

/** none: nothing generated yet · pending: generated, not handed over yet · delivered · failed: gave up. */
export type DeliveryStatus = 'none' | 'pending' | 'delivered' | 'failed';

export type DeliveryOutcome =
  | { delivered: true }
  /** `nextAttemptAt` null = stop retrying (the engineer gets the license through /license-status). */
  | { delivered: false; error: string; nextAttemptAt: Date | null };

/**
 * The facts of an emergency license request between two steps of its modal (out of scope →
 * override, duplicate → re-issue confirmation), kept on the server keyed by the modal's view ID,
 * so a submission can never bring its own facts in private_metadata.
 */
export interface OpenRequest {
  viewId: string;
  slackUserId: string;
  /** Which submission the open view may answer with. */
  stage: 'override' | 'reissue';
  /** The validated request (JSON), as the form produced it. */
  facts: Record<string, unknown>;
  justification?: string;
  channelId?: string;
  updatedAt: string;
}

export interface OpenRequestStore {
  saveOpenRequest(open: Omit<OpenRequest, 'updatedAt'>, now: Date): Promise<void>;
  getOpenRequest(viewId: string): Promise<OpenRequest | undefined>;
  /** Forgets open requests last touched before `before` (modals live for hours at most). */
  pruneOpenRequests(before: Date): Promise<number>;
}

export interface LicenseRequestUpdate {
  status: LicenseRequestStatus;
  reason?: string | null;
  reference?: string | null;
  licenseFile?: string | null;
  trialExpiresOn?: string | null;
}

/** What {@link LicenseRequestStore.createRequest} did (see its doc). */
export type CreateRequestResult =
  /** Inserted now. */
  | { outcome: 'created'; record: LicenseRequestRecord }
  /** A request with the same idempotency key already exists (a redelivery / double click). */
  | { outcome: 'existing'; record: LicenseRequestRecord }
  /** Not inserted: pending or generated requests for the same ticket URL or the same email
   *  (case-insensitive) were created at or after `reissueWindowSince`; newest first. */
  | { outcome: 'duplicates'; duplicates: LicenseRequestRecord[] };

/** Without a duplicate check there are no `duplicates` (type-level help for such callers). */
export type CreatedOrExisting = Exclude<CreateRequestResult, { outcome: 'duplicates' }>;

export interface CreateRequestOptions {
  /** Omitted = no duplicate check (a confirmed re-issue, a refusal). */
  reissueWindowSince?: Date;
}

export interface LicenseRequestStore {
  /**
   * ONE atomic step: the idempotency check, the duplicate check (when `reissueWindowSince` is
   * given) and the insert, so that of N concurrent requests for the same ticket or email (other
   * processes and replicas included) exactly one is `created` and the others get `duplicates`.
   */
  createRequest(input: LicenseRequestInput, now: Date): Promise<CreatedOrExisting>;
  createRequest(input: LicenseRequestInput, now: Date, options?: CreateRequestOptions): Promise<CreateRequestResult>;
  getRequest(id: string): Promise<LicenseRequestRecord | undefined>;
  updateRequest(id: string, update: LicenseRequestUpdate, now: Date): Promise<LicenseRequestRecord>;
  /** Moves a failed request back to pending for a retry; false when it is not failed (any more). */
  claimRetry(id: string, now: Date): Promise<boolean>;
  /** Pending or generated requests for the same ticket + email + user count since `since`. */
  findRecentDuplicates(key: { ticketUrl: string; email: string; userCount: number }, since: Date): Promise<LicenseRequestRecord[]>;
  findByTicket(ticketUrl: string, limit: number): Promise<LicenseRequestRecord[]>;
  findByEmail(email: string, limit: number): Promise<LicenseRequestRecord[]>;
  listPending(): Promise<LicenseRequestRecord[]>;
  /** Generated requests whose delivery is pending and due at `now`. */
  listDeliveriesDue(now: Date, limit: number): Promise<LicenseRequestRecord[]>;
  /** Records one delivery attempt; returns the updated record. */
  recordDelivery(id: string, outcome: DeliveryOutcome, now: Date): Promise<LicenseRequestRecord>;
}

export interface OutboxMessage {
  /** Stable key: re-enqueueing the same key updates the message instead of duplicating it. */
  key: string;
  channel: string;
  text: string;
  blocks: unknown[];
  /** Post as a reply in the thread of another outbox message (by its key). */
  threadOfKey?: string;
}

export interface OutboxEntry extends OutboxMessage {
  /**
   * Set when a first post was attempted without seeing Slack's answer: the message may already
   * be in the channel, so the next post says that it supersedes an earlier copy.
   */
  postStartedAt?: string;
  /** Slack `ts` once delivered; later versions of the same key are sent with chat.update. */
  ts?: string;
  /** Version counter: bumped by every enqueue, so a delivery never overwrites a newer text. */
  version: number;
  deliveredVersion: number;
  attempts: number;
  nextAttemptAt: string;
  lastError?: string;
  /** Set while a dispatcher holds the entry (see {@link AuditOutbox.claimDue}). */
  claimedUntil?: string;
  createdAt: string;
}

export interface ClaimDueOptions {
  /** Entries whose next attempt is at or before this are due (default `now`); the final flush of a stopping dispatcher looks past backoffs. The lease still starts at `now`. */
  dueBy?: Date;
}

export interface AuditOutbox {
  enqueue(message: OutboxMessage, now: Date): Promise<OutboxEntry>;
  /** Entries whose newest version is not delivered yet and whose next attempt is due (a read; ignores leases). */
  due(now: Date, limit: number): Promise<OutboxEntry[]>;
  /**
   * Like {@link due}, but takes the returned entries for `leaseMs`: until the lease runs out (or
   * markDelivered/markFailed ends it) no other caller, in this or another process or replica,
   * gets them. A dispatcher that dies mid-send loses its entries only for the lease time. Use
   * this, not due(), to send when several dispatchers share one store.
   */
  claimDue(now: Date, limit: number, leaseMs: number, options?: ClaimDueOptions): Promise<OutboxEntry[]>;
  /** Ends the leases of entries claimed but not attempted (e.g. a stopping dispatcher that tried them once already). */
  releaseClaims(keys: string[]): Promise<void>;
  get(key: string): Promise<OutboxEntry | undefined>;
  /** Records the delivery of `version` (never lowers deliveredVersion) and ends any lease. */
  markDelivered(key: string, version: number, ts: string, now: Date): Promise<void>;
  /** Schedules the next attempt and ends any lease. */
  markFailed(key: string, error: string, nextAttemptAt: Date): Promise<void>;
  /**
   * Recorded just before a first chat.postMessage of the key (see OutboxEntry.postStartedAt);
   * `null` clears it when Slack definitely refused the post.
   */
  markPostStarted(key: string, now: Date | null): Promise<void>;
  backlog(): Promise<number>;
}

export interface StarDecisionRecord {
  id: string;
  ticketUrl: string;
  decidedBySlackId: string;
  verdict: string;
  /** The chart answers and computed facts that decided it, for feedback export. */
  inputs: Record<string, unknown>;
  createdAt: string;
}

export interface StarDecisionStore {
  recordDecision(decision: Omit<StarDecisionRecord, 'id' | 'createdAt'>, now: Date): Promise<StarDecisionRecord>;
  listDecisions(since: Date): Promise<StarDecisionRecord[]>;
}

export interface UserPreferences {
  gitlabUsername?: string;
  timeZone?: string;
}

export interface UserPreferenceStore {
  getPreferences(slackUserId: string): Promise<UserPreferences>;
  savePreferences(slackUserId: string, prefs: UserPreferences, now: Date): Promise<void>;
}

/**
 * Leases on license requests (HA, issue 11): whoever holds a request's lease is the one replica
 * that calls the adapter for it or hands its license over. A lease is free when it was never
 * taken, was released, has expired, or is held by the same owner (a restarted process with a
 * stable owner name takes its own work back at once). The owner renews the lease while it works;
 * when it dies, another replica claims the request after the lease expires.
 * Schema: migration 4 (license_requests.claimed_by / claimed_until) on both backends.
 */
export interface RequestLeaseStore {
  /** Takes the lease on one request that still needs work (pending, or generated with a pending delivery); false when another owner holds it or nothing is left to do. */
  claimRequest(id: string, owner: string, now: Date, leaseMs: number): Promise<boolean>;
  /**
   * Pending requests whose lease is free, oldest first, now leased to `owner`. A request nobody
   * has claimed yet (just created: the replica that received it is about to claim it) is only
   * taken once it has been left alone for `unclaimedGraceMs` (default 0).
   */
  claimPendingRequests(owner: string, now: Date, limit: number, leaseMs: number, unclaimedGraceMs?: number): Promise<LicenseRequestRecord[]>;
  /** Like listDeliveriesDue, but only those whose lease is free, now leased to `owner`. */
  claimDeliveriesDue(owner: string, now: Date, limit: number, leaseMs: number): Promise<LicenseRequestRecord[]>;
  /** Extends the lease if `owner` still holds it; false when it was lost (expired and taken by another). */
  renewRequestLease(id: string, owner: string, now: Date, leaseMs: number): Promise<boolean>;
  /** Ends the lease of `owner` (no-op when another owner holds it). */
  releaseRequestLease(id: string, owner: string): Promise<void>;
}

export interface Store extends LicenseRequestStore, RequestLeaseStore, OpenRequestStore, AuditOutbox, StarDecisionStore, UserPreferenceStore {
  /** Cheap write probe for the health check; resolves false (never rejects) when writes fail. */
  isWritable(): Promise<boolean>;
  /** Releases the database (idempotent). */
  close(): Promise<void>;
}
