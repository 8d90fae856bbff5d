/**
 * The job runner's kind for Zendesk ticket writes (issue 20): claims due writes with a lease,
 * fences right before writing (work that lost its lease writes nothing), writes with the write's
 * key as the idempotency mark and `checkFirst` (a write that reached the ticket before a crash is
 * found, not repeated), and completes, reschedules (backoff, or Zendesk's `Retry-After` when
 * longer) or fails it for good (Zendesk refused it: 403, 404, 422…).
 */
import type { Logger } from 'pino';
import { backoff, type BackoffBounds, type JobKind } from '../shared/job-runner';
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

export class TicketWriter implements JobKind {
  readonly name = 'zendesk ticket writes';
  readonly everyMs: number;
  private readonly now: () => Date;

  constructor(private readonly deps: TicketWriterDeps) {
    this.everyMs = deps.everyMs;
    this.now = deps.now ?? (() => new Date());
  }

  async pass(): Promise<number> {
    let done = 0;
    for (let i = 0; i < MAX_PER_PASS; i++) {
      const [write] = await this.deps.writes.claimDue(this.deps.owner, this.now(), 1, this.deps.leaseMs);
      if (!write) break;
      await this.run(write);
      done++;
    }
    return done;
  }

  private async run(write: TicketWrite): Promise<void> {
    const { writes, owner, leaseMs } = this.deps;
    const noticeUrl = await this.noticeUrl(write);
    if (noticeUrl === 'wait') {
      await writes.markRetry(write.key, owner, undefined, this.later(this.deps.retry.minMs));
      return;
    }
    if (!(await writes.renewLease(write.key, owner, this.now(), leaseMs))) {
      this.deps.logger.warn({ key: write.key }, 'ticket write lost its lease before writing; another process has it');
      return;
    }
    const result = await this.write(write, noticeUrl.url);
    if (result.ok) {
      await writes.markDone(write.key, owner, result.written, this.now());
      this.deps.logger.info(
        { key: write.key, written: result.written, attempts: write.attempts + 1 },
        'ticket updated',
      );
    } else if (result.failure.retryable) {
      const retryAfterMs = (result.failure.retryAfterSeconds ?? 0) * 1000;
      const delayMs = Math.max(backoff(write.attempts, this.deps.retry), retryAfterMs);
      await writes.markRetry(write.key, owner, result.reason, this.later(delayMs));
      this.deps.logger.warn(
        { key: write.key, attempts: write.attempts + 1, kind: result.failure.kind, retryInMs: delayMs },
        'ticket not updated yet; will retry',
      );
    } else {
      await writes.markFailed(write.key, owner, result.reason, this.now());
      this.deps.logger.warn({ key: write.key, kind: result.failure.kind }, 'ticket update refused by Zendesk');
    }
    const changed = result.ok || !result.failure.retryable || write.attempts === 0;
    if (write.kind === 'license' && write.requestId && changed) await this.deps.licenseWriteChanged?.(write.requestId);
  }

  private later(ms: number): Date {
    return new Date(this.now().getTime() + ms);
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
