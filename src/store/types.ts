/**
 * The bot's durable state, behind interfaces small enough that a shared database can replace
 * the embedded SQLite store when the bot runs as several replicas.
 */

import type { LicenseAdapterName } from '../licenses/types';

export type LicenseRequestStatus = LicenseRequestRecord['status'];

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
  /**
   * What kind of license that date belongs to: the paid license (14-day grace period) or a
   * Sales-generated temporary extension / trial-type license (no grace period). Requests stored
   * before the form asked were all checked as paid licenses; absent = paid.
   */
  licenseKind?: 'paid' | 'temporary';
  /** Set when a manager overrode the scope check. */
  overrideJustification?: string;
  /** Why the scope check decided what it did (kept for the audit trail). */
  scopeSummary: string;
  adapter: LicenseAdapterName;
  /**
   * Makes a Slack redelivery or double click harmless: the same key never creates a second
   * record (e.g. the view ID of the submitted modal).
   */
  idempotencyKey: string;
}

interface LicenseRequestBase extends LicenseRequestInput {
  id: string;
  /** How many times this request was retried after a failure. */
  attempts: number;
  createdAt: string;
  updatedAt: string;
}

/** Whom the license was actually created for, when that is not whom it was asked for. */
export interface IssuedTo {
  email: string;
  userCount: number;
}

/**
 * Handing the license to the engineer (DM / file upload) is a durable step of its own: it
 * becomes `pending` in the same write that records the license as generated, and is retried
 * (also after a restart) until it is `delivered` or `failed` (given up).
 */
export interface LicenseDelivery {
  status: 'pending' | 'delivered' | 'failed';
  attempts: number;
  /** ISO time of the next attempt while pending. */
  nextAt?: string;
  /** Slack's answer to the last failed attempt. */
  error?: string;
}

/** Waiting for the adapter; `issueUrl` once it handed the request to a GitLab issue. */
export interface PendingLicenseRequest extends LicenseRequestBase {
  status: 'pending';
  issueUrl?: string;
}

export interface GeneratedLicenseRequest extends LicenseRequestBase {
  status: 'generated';
  /** yyyy-mm-dd on which the trial license stops working. */
  trialExpiresOn: string;
  /** The `.gitlab-license` content, when the bot has it (local adapter). */
  licenseFile?: string;
  /** Where the local adapter keeps the file. */
  licensePath?: string;
  /** The GitLab issue that produced it (gitlab-issue adapter). */
  issueUrl?: string;
  /** Set when the Mechanizer says it licensed someone else than asked: a warning to show. */
  issuedToMismatch?: IssuedTo;
  delivery: LicenseDelivery;
}

export interface FailedLicenseRequest extends LicenseRequestBase {
  status: 'failed';
  failureReason: string;
  issueUrl?: string;
  licensePath?: string;
}

/** Out of scope (stored for the audit trail); never handed to an adapter. */
export interface RefusedLicenseRequest extends LicenseRequestBase {
  status: 'refused';
  refusalReason: string;
}

/** A license request: one shape per status, one field per meaning. */
export type LicenseRequestRecord =
  PendingLicenseRequest | GeneratedLicenseRequest | FailedLicenseRequest | RefusedLicenseRequest;

type StatusFields<R extends LicenseRequestRecord> = Omit<R, keyof LicenseRequestBase | 'delivery'>;

/**
 * A status change: the new status with ALL its own fields (what is absent is cleared). Attempts
 * and the delivery are the store's: becoming `generated` makes the delivery pending in the same
 * write, so a crash right after it leaves a delivery to resume, never a license nobody hands over.
 */
export type LicenseRequestChange =
  | StatusFields<PendingLicenseRequest>
  | StatusFields<GeneratedLicenseRequest>
  | StatusFields<FailedLicenseRequest>
  | StatusFields<RefusedLicenseRequest>;

export type DeliveryOutcome =
  | { delivered: true }
  /** `nextAttemptAt` null = stop retrying (the engineer gets the license through /license-status). */
  | {
      delivered: false;
      error: string;
      nextAttemptAt: Date | null;
      /**
       * The send may still have reached Slack (a timeout, a lost answer): the attempt stays marked
       * as started, so the next copy says it replaces it. False/absent: Slack refused it.
       */
      mayHaveArrived?: boolean;
    };

/** What {@link LicenseRequestRepository.createRequest} did (see its doc). */
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
  /**
   * Stores the request as refused (out of scope) with this reason, in the same insert: it is
   * never pending, not even for a moment, so no duplicate check ever mistakes it for a live one.
   */
  refusalReason?: string;
  /**
   * The creator's lease, taken by the insert itself: the process that receives a request works on
   * it, and another replica takes it over only once this lease ran out (its creator died).
   */
  lease?: { owner: string; leaseMs: number };
}

/** A copy of a generated license asked for (e.g. "Send me the license"), for one person. */
export interface LicenseCopyInput {
  requestId: string;
  /** Slack user ID of whoever asked: the copy goes to their DMs. */
  toSlackId: string;
  /** Makes a redelivered click harmless: the same key never stores a second copy (e.g. the action_ts). */
  idempotencyKey: string;
}

/** A copy's hand-over: the same durable, retried step as the first delivery of the license. */
export interface LicenseCopy extends LicenseCopyInput {
  id: string;
  delivery: LicenseDelivery;
  createdAt: string;
  updatedAt: string;
}

/**
 * Copies of licenses (issue 18), handed over like the first delivery: stored first, then claimed
 * with a lease of their own, fenced right before the DM ({@link LicenseCopies.startCopyAttempt}),
 * completed only by their lease's owner, retried with backoff. Schema: migration 10 (license_copies).
 */
export interface LicenseCopies {
  /**
   * Stores a pending copy, due at once, unless one with the same idempotency key exists (then that
   * one, `created: false`). With `lease`, the storing process holds the copy's lease from the insert on.
   */
  requestCopy(
    input: LicenseCopyInput,
    now: Date,
    options?: { lease?: { owner: string; leaseMs: number } },
  ): Promise<{ created: boolean; copy: LicenseCopy }>;
  getCopy(id: string): Promise<LicenseCopy | undefined>;
  /** The copies of one request's license, oldest first. */
  copiesOf(requestId: string): Promise<LicenseCopy[]>;
  /** Pending copies due at `now` whose lease is free, oldest due first, now leased to `owner`. */
  claimCopiesDue(owner: string, now: Date, limit: number, leaseMs: number): Promise<LicenseCopy[]>;
  /** Extends the copy's lease if `owner` still holds it; false when it was lost. */
  renewCopyLease(id: string, owner: string, now: Date, leaseMs: number): Promise<boolean>;
  /** Ends `owner`'s lease on the copy (no-op when another owner holds it). */
  releaseCopyLease(id: string, owner: string): Promise<void>;
  /** The fence right before the copy's DM: as {@link RequestLeases.startDeliveryAttempt}, for the copy. */
  startCopyAttempt(
    id: string,
    owner: string,
    now: Date,
    leaseMs: number,
  ): Promise<{ held: false } | { held: true; interruptedAt?: string }>;
  /**
   * Records one attempt of the copy's hand-over, as {@link LicenseRequestRepository.recordDelivery}
   * does for the first one; with `owner`, only while that owner holds the copy's lease (else
   * {@link LeaseLostError}).
   */
  recordCopyDelivery(
    id: string,
    outcome: DeliveryOutcome,
    now: Date,
    options?: { owner?: string },
  ): Promise<LicenseCopy>;
}

/** Emergency license requests, their status and the delivery of their license (and of its copies). */
export interface LicenseRequestRepository extends RequestLeases, LicenseCopies {
  /**
   * ONE atomic step: the idempotency check, the duplicate check (when `reissueWindowSince` is
   * given) and the insert, so that of N concurrent requests for the same ticket or email (other
   * processes and replicas included) exactly one is `created` and the others get `duplicates`.
   */
  createRequest(
    input: LicenseRequestInput,
    now: Date,
    options?: Omit<CreateRequestOptions, 'reissueWindowSince'>,
  ): Promise<CreatedOrExisting>;
  createRequest(input: LicenseRequestInput, now: Date, options?: CreateRequestOptions): Promise<CreateRequestResult>;
  getRequest(id: string): Promise<LicenseRequestRecord | undefined>;
  updateRequest(id: string, change: LicenseRequestChange, now: Date): Promise<LicenseRequestRecord>;
  /**
   * Moves a failed request back to a fresh pending (attempts + 1, the failure and its issue
   * forgotten) for a retry; false when it is not failed (any more), so of two clicks one wins.
   */
  claimRetry(id: string, now: Date): Promise<boolean>;
  findByTicket(ticketUrl: string, limit: number): Promise<LicenseRequestRecord[]>;
  findByEmail(email: string, limit: number): Promise<LicenseRequestRecord[]>;
  /** Requests created at or after `since`, oldest first, at most `limit`. */
  createdSince(since: Date, limit: number): Promise<LicenseRequestRecord[]>;
  /**
   * Records one delivery attempt; returns the updated record. With `owner`, only while that owner
   * still holds the request's lease (the completion of fenced work): otherwise nothing changes
   * and {@link LeaseLostError} is thrown.
   */
  recordDelivery(
    id: string,
    outcome: DeliveryOutcome,
    now: Date,
    options?: { owner?: string },
  ): Promise<LicenseRequestRecord>;
}

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

export interface OpenRequestRepository {
  saveOpenRequest(open: Omit<OpenRequest, 'updatedAt'>, now: Date): Promise<void>;
  getOpenRequest(viewId: string): Promise<OpenRequest | undefined>;
  /** Forgets open requests last touched before `before` (modals live for hours at most). */
  pruneOpenRequests(before: Date): Promise<number>;
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
  /** The dispatcher's owner name holding the entry (see {@link AuditOutbox.claimDue}); absent on older leases. */
  claimedBy?: string;
  /** Set while a dispatcher holds the entry (see {@link AuditOutbox.claimDue}). */
  claimedUntil?: string;
  createdAt: string;
}

export interface ClaimDueOptions {
  /**
   * Entries whose next attempt is at or before this are due (default `now`); the final flush of a stopping dispatcher
   * looks past backoffs. The lease still starts at `now`.
   */
  dueBy?: Date;
}

/**
 * The audit outbox. Its claims follow the leased-jobs contract of the other leased work (see
 * LeasedJobs in shared/job-runner.ts): an entry is leased under the claiming dispatcher's `owner`,
 * the lease is renewed under that owner right before each Slack call (the fence), and only the
 * owner ends it. The drain around it keeps a shape of its own (see OutboxDispatcher).
 */
export interface AuditOutbox {
  enqueue(message: OutboxMessage, now: Date): Promise<OutboxEntry>;
  /** Entries whose newest version is not delivered yet and whose next attempt is due (a read; ignores leases). */
  due(now: Date, limit: number): Promise<OutboxEntry[]>;
  /**
   * Like {@link due}, but leases the returned entries to `owner` for `leaseMs`: until the lease
   * runs out (or the owner ends it) no other caller, in this or another process or replica, gets
   * them. A dispatcher that dies mid-send loses its entries only for the lease time. Use this, not
   * due(), to send when several dispatchers share one store.
   */
  claimDue(owner: string, now: Date, limit: number, leaseMs: number, options?: ClaimDueOptions): Promise<OutboxEntry[]>;
  /**
   * The fence, right before a Slack call: extends the lease only while `owner` still holds it live
   * and nobody recorded a delivery of the entry since `entry` was claimed (its ts and delivered
   * version are as claimed); false otherwise, and then nothing may be posted.
   */
  renewLease(entry: OutboxEntry, owner: string, now: Date, leaseMs: number): Promise<boolean>;
  /**
   * Ends the leases `owner` holds on `keys` (e.g. entries a stopping dispatcher tried once already).
   * Without an owner, ends them whoever holds them: only for a single process freeing its own
   * previous run's leases at start.
   */
  releaseClaims(keys: string[], owner?: string): Promise<void>;
  get(key: string): Promise<OutboxEntry | undefined>;
  /**
   * Records the delivery of `version` as the message `ts` (never lowers deliveredVersion); the
   * lease ends only when `owner` holds it (its own, even run out, while nobody else took it). A
   * post made is recorded even by a dispatcher that lost the lease meanwhile, so that it is not
   * made again, but never over another copy: when another copy's ts was recorded (another replica
   * posted it while this post was in flight), that copy stays the one kept up to date, nothing
   * else changes, and its ts is returned as `keptTs` so that the caller marks its own copy as out
   * of date.
   */
  markDelivered(key: string, owner: string, version: number, ts: string, now: Date): Promise<{ keptTs?: string }>;
  /**
   * Schedules the next attempt and ends the lease, only while `owner` holds it (its own, even run
   * out, while nobody else took it); false when another owner has the entry (its outcome counts).
   */
  markFailed(key: string, owner: string, error: string, nextAttemptAt: Date): Promise<boolean>;
  /**
   * Recorded just before a first chat.postMessage of the key by its lease's `owner` (see
   * OutboxEntry.postStartedAt); `null` clears it when Slack definitely refused the post.
   */
  markPostStarted(key: string, owner: string, now: Date | null): Promise<void>;
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

export interface StarDecisionRepository {
  recordDecision(decision: Omit<StarDecisionRecord, 'id' | 'createdAt'>, now: Date): Promise<StarDecisionRecord>;
  listDecisions(since: Date): Promise<StarDecisionRecord[]>;
}

export interface UserPreferences {
  gitlabUsername?: string;
  timeZone?: string;
}

export interface UserPreferenceRepository {
  getPreferences(slackUserId: string): Promise<UserPreferences>;
  savePreferences(slackUserId: string, prefs: UserPreferences, now: Date): Promise<void>;
}

/**
 * Leases on license requests (HA, issue 11): whoever holds a request's lease is the one replica
 * that calls the adapter for it or hands its license over. A lease is free when it was never
 * taken, was released, has expired, or is held by the same owner (a restarted process with a
 * stable owner name takes its own work back at once). The owner renews the lease while it works;
 * when it dies, another replica claims the request after the lease expires.
 * Schema: migration 6 (license_requests.claimed_by / claimed_until) on both backends.
 */
export interface RequestLeases {
  /**
   * Takes the lease on one request that still needs work (pending, or generated with a pending delivery); false when
   * another owner holds it or nothing is left to do.
   */
  claimRequest(id: string, owner: string, now: Date, leaseMs: number): Promise<boolean>;
  /**
   * Pending requests whose lease is free, oldest first, now leased to `owner`. A request created
   * with a lease (see CreateRequestOptions.lease) is its creator's until that lease runs out.
   */
  claimPendingRequests(owner: string, now: Date, limit: number, leaseMs: number): Promise<LicenseRequestRecord[]>;
  /** Generated requests whose delivery is pending and due at `now` and whose lease is free, now leased to `owner`. */
  claimDeliveriesDue(owner: string, now: Date, limit: number, leaseMs: number): Promise<LicenseRequestRecord[]>;
  /** Extends the lease if `owner` still holds it; false when it was lost (expired and taken by another). */
  renewRequestLease(id: string, owner: string, now: Date, leaseMs: number): Promise<boolean>;
  /**
   * Ends the lease of `owner` (no-op when another owner holds it): the request is free for anyone
   * at once, a pending one included (it reads as expired, not as never claimed).
   */
  releaseRequestLease(id: string, owner: string): Promise<void>;
  /**
   * The fence right before a license DM (issue 18): when `owner` still holds the lease and the
   * delivery is still pending, extends the lease by `leaseMs` from `now` and records that a send
   * starts now. `held: false` when the lease was lost (another replica took over) or there is
   * nothing left to send: the caller must not send. `interruptedAt`: an earlier send started then
   * and its outcome was never recorded (a crash, or an answer that never came), so a copy may
   * already be in the engineer's DMs and this one must say it replaces it.
   */
  startDeliveryAttempt(
    id: string,
    owner: string,
    now: Date,
    leaseMs: number,
  ): Promise<{ held: false } | { held: true; interruptedAt?: string }>;
}

/** Fenced work found its lease taken by another owner (or ended): it must stop before any side effect. */
export class LeaseLostError extends Error {
  constructor(readonly requestId: string) {
    super(`lost the lease on license request ${requestId}`);
    this.name = 'LeaseLostError';
  }
}
