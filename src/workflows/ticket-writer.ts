/**
 * The job runner's kind for Zendesk ticket writes (issue 20): claims due writes with a lease,
 * fences right before writing (work that lost its lease writes nothing), writes with the write's
 * key as the idempotency mark and `checkFirst` (a write that reached the ticket before a crash is
 * found, not repeated), and completes, reschedules (backoff, or Zendesk's `Retry-After` when
 * longer) or fails it for good (Zendesk refused it: 403, 404, 422…).
 */
import type { Logger } from 'pino';
import { LeasedJobKind, type BackoffBounds, type JobKind, type LeasedJobs, type Settled } from '../shared/job-runner';
import type { LicenseRequestRepository, TicketWrite, TicketWriteRepository } from '../store';
import { addInternalNote, attachLicense, type ZendeskClient, type ZendeskWriteResult } from '../zendesk';
import { renderTicketNote, type TicketNote } from './ticket-notes';

/** Where a Slack message is, by its outbox key: not posted yet, or posted (with its link when Slack gave one). */
export type NoticeLink = { posted: false } | { posted: true; url?: string };

export interface TicketWriterDeps {
  writes: TicketWriteRepository;
  requests: Pick<LicenseRequestRepository, 'getRequest'>;
  client: ZendeskClient;
  /** The Slack notice's permalink (the Slack layer's chat.getPermalink on the outbox entry). */
  link(noticeKey: string): Promise<NoticeLink>;
  /** A license write ended or first failed: the channel notice shows it. */
  licenseWriteChanged?(requestId: string): Promise<void>;
  owner: string;
  /**
   * How long a claimed write is this process's alone: longer than one write may take (the comment
   * check, the upload and the update, each bounded by the client's timeout).
   */
  leaseMs: number;
  retry: BackoffBounds;
  /** How long a note waits for its Slack notice to be posted before it is written without the link. */
  linkWaitMs: number;
  everyMs: number;
  logger: Pick<Logger, 'info' | 'warn'>;
  now?: () => Date;
}

/** Writes per pass at most: one at a time, each under a fresh lease. */
const MAX_PER_PASS = 50;

/** What one write came to; a retry or a refusal says which kind of failure. */
type WriteOutcome =
  | { done: 'now' | 'already' }
  | { wait: Date }
  | { retry: string; notBeforeMs: number; failureKind: string }
  | { failed: string; failureKind: string };

/** The ticket writes table behind the job runner's leased-jobs contract. */
const leasedWrites = (writes: TicketWriteRepository): LeasedJobs<TicketWrite, 'now' | 'already'> => ({
  claimDue: (owner, now, limit, leaseMs) => writes.claimDue(owner, now, limit, leaseMs),
  renewLease: (write, owner, now, leaseMs) => writes.renewLease(write.key, owner, now, leaseMs),
  complete: (write, owner, written, now) => writes.markDone(write.key, owner, written, now),
  reschedule: (write, owner, at, reason) => writes.markRetry(write.key, owner, reason, at),
  fail: (write, owner, reason, now) => writes.markFailed(write.key, owner, reason, now),
  attempts: (write) => write.attempts,
});

export class TicketWriter implements JobKind {
  readonly name = 'zendesk ticket writes';
  readonly everyMs: number;
  private readonly now: () => Date;
  private readonly kind: LeasedJobKind<TicketWrite, 'now' | 'already', WriteOutcome>;

  constructor(private readonly deps: TicketWriterDeps) {
    this.everyMs = deps.everyMs;
    this.now = deps.now ?? (() => new Date());
    this.kind = new LeasedJobKind({
      name: this.name,
      everyMs: this.everyMs,
      jobs: leasedWrites(deps.writes),
      owner: deps.owner,
      leaseMs: deps.leaseMs,
      clock: this.now,
      batch: { claim: 1, perPass: MAX_PER_PASS },
      retry: deps.retry,
      run: (write, fence) => this.run(write, fence),
      settled: (settled) => this.settled(settled),
    });
  }

  /** Runs the due writes; returns how many it took up. */
  async pass(): Promise<number> {
    return (await this.kind.pass()).length;
  }

  private async run(write: TicketWrite, fence: () => Promise<void>): Promise<WriteOutcome> {
    const noticeUrl = await this.noticeUrl(write);
    if (noticeUrl === 'wait') return { wait: new Date(this.now().getTime() + this.deps.retry.minMs) };
    await fence();
    const result = await this.write(write, noticeUrl.url);
    if (result.ok) return { done: result.written };
    if (!result.failure.retryable) return { failed: result.reason, failureKind: result.failure.kind };
    const retryAfterMs = (result.failure.retryAfterSeconds ?? 0) * 1000;
    return { retry: result.reason, notBeforeMs: retryAfterMs, failureKind: result.failure.kind };
  }

  private async settled(settled: Settled<TicketWrite, WriteOutcome>): Promise<void> {
    const { job: write } = settled;
    const { logger } = this.deps;
    if (settled.ended === 'lost') {
      logger.warn({ key: write.key }, 'ticket write lost its lease before writing; another process has it');
      return;
    }
    if (settled.ended === 'threw') {
      logger.warn(
        { key: write.key, attempts: write.attempts + 1, err: settled.error, retryInMs: settled.retryInMs },
        'ticket write failed; will retry',
      );
      return;
    }
    const { outcome } = settled;
    if ('wait' in outcome) return;
    if ('done' in outcome)
      logger.info({ key: write.key, written: outcome.done, attempts: write.attempts + 1 }, 'ticket updated');
    else if ('retry' in outcome)
      logger.warn(
        { key: write.key, attempts: write.attempts + 1, kind: outcome.failureKind, retryInMs: settled.retryInMs },
        'ticket not updated yet; will retry',
      );
    else logger.warn({ key: write.key, kind: outcome.failureKind }, 'ticket update refused by Zendesk');
    const changed = !('retry' in outcome) || write.attempts === 0;
    if (write.kind === 'license' && write.requestId && changed) await this.deps.licenseWriteChanged?.(write.requestId);
  }

  /** The notice's link; `wait` while it is not posted and the wait is not over. */
  private async noticeUrl(write: TicketWrite): Promise<{ url?: string } | 'wait'> {
    if (!write.noticeKey) return {};
    const link = await this.deps.link(write.noticeKey);
    if (link.posted) return { url: link.url };
    const waited = this.now().getTime() - Date.parse(write.createdAt);
    return waited < this.deps.linkWaitMs ? 'wait' : {};
  }

  private async write(write: TicketWrite, noticeUrl: string | undefined): Promise<ZendeskWriteResult> {
    const options = { idempotencyKey: write.key, checkFirst: true };
    if (write.kind === 'note')
      return addInternalNote(
        this.deps.client,
        write.ticketUrl,
        renderTicketNote(write.payload as TicketNote, noticeUrl),
        options,
      );
    const record = write.requestId ? await this.deps.requests.getRequest(write.requestId) : undefined;
    if (record?.status !== 'generated' || record.licenseFile === undefined)
      return {
        ok: false,
        step: 'check',
        failure: { ok: false, kind: 'rejected', retryable: false, message: 'no license file' },
        reason: 'The bot has no license file for this request to attach.',
      };
    return attachLicense(
      this.deps.client,
      write.ticketUrl,
      { fileName: licenseFileName(record.id), content: record.licenseFile },
      write.payload.delivery === 'public-reply' ? 'public-reply' : 'internal-note',
      { expiresOn: record.trialExpiresOn, email: record.email, userCount: record.userCount, noticeUrl },
      options,
    );
  }
}

/** The file's name on the ticket, as in the engineer's DM: unique per request, so a retry finds it. */
export const licenseFileName = (requestId: string): string => `${requestId}.gitlab-license`;
