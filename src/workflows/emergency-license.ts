import type { Logger } from 'pino';
import type { GeneratedLicense, LicenseAdapter, LicenseOutcome, TrialLicenseRequest } from '../licenses/types';
import type { LicenseRequestInput, LicenseRequestRecord, LicenseRequestStore } from '../store/types';

export const REISSUE_WINDOW_DAYS = 10;

const MAX_REASON = 500;
/** Reasons end up in Slack messages; an adapter's error text can be arbitrarily long. */
const limitReason = (reason: string) => (reason.length > MAX_REASON ? `${reason.slice(0, MAX_REASON - 1)}…` : reason);

/** Where the workflow reports what happened: the channel notice and the engineer. */
export interface LicenseNotifier {
  /** The record changed (created, generated, failed, refused): update its channel notice. */
  recordChanged(record: LicenseRequestRecord): Promise<void>;
  /** A license exists: hand the file (or where to find it) to the engineer who asked. */
  deliver(record: LicenseRequestRecord): Promise<void>;
}

const toAdapterRequest = (record: LicenseRequestRecord): TrialLicenseRequest => ({
  requestId: record.id,
  ticketUrl: record.ticketUrl,
  email: record.email,
  userCount: record.userCount,
  requestedBy: record.requestedByUsername,
});

/**
 * The weekend emergency license request, from a validated form to a generated (or failed)
 * trial license. Every request is stored before the adapter is called, so a crash, a retry or a
 * second click can always be told apart from a new request.
 */
export class EmergencyLicenseWorkflow {
  private readonly inFlight = new Map<string, Promise<LicenseRequestRecord>>();

  constructor(
    private readonly store: LicenseRequestStore,
    private readonly adapter: LicenseAdapter,
    private readonly notifier: LicenseNotifier,
    private readonly logger: Logger,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /**
   * Pending or generated requests in the last 10 days for the same ticket or the same email: a
   * second engineer reading 251 instead of 250 users must still be asked before a second license.
   */
  async findDuplicates(key: { ticketUrl: string; email: string }): Promise<LicenseRequestRecord[]> {
    const since = this.now().getTime() - REISSUE_WINDOW_DAYS * 86_400_000;
    const [byTicket, byEmail] = await Promise.all([this.store.findByTicket(key.ticketUrl, 50), this.store.findByEmail(key.email, 50)]);
    const seen = new Set<string>();
    return [...byTicket, ...byEmail]
      .filter((record) => {
        if (seen.has(record.id) || (record.status !== 'pending' && record.status !== 'generated') || Date.parse(record.createdAt) < since) return false;
        seen.add(record.id);
        return true;
      })
      .sort((a, b) => b.createdAt.localeCompare(a.createdAt));
  }

  /** Stores a refused (out of scope) request so the audit trail shows it. */
  async refuse(input: LicenseRequestInput, reason: string): Promise<LicenseRequestRecord> {
    const { record, outcome } = await this.store.createRequest(input, this.now());
    if (outcome !== 'created') return record;
    const refused = await this.store.updateRequest(record.id, { status: 'refused', reason }, this.now());
    await this.notifier.recordChanged(refused);
    return refused;
  }

  /** Stores the request as pending; `created` is false for a repeated delivery of the same submission. */
  async submit(input: LicenseRequestInput): Promise<{ record: LicenseRequestRecord; created: boolean }> {
    const { record, outcome } = await this.store.createRequest(input, this.now());
    const created = outcome === 'created';
    if (created) await this.notifier.recordChanged(record);
    return { record, created };
  }

  /** Calls the adapter for a pending request and records the outcome. One run per request at a time. */
  process(id: string): Promise<LicenseRequestRecord> {
    const running = this.inFlight.get(id);
    if (running) return running;
    const run = this.run(id).finally(() => this.inFlight.delete(id));
    this.inFlight.set(id, run);
    return run;
  }

  /** Retries a failed request; resolves undefined when it was not failed (e.g. a second click). */
  async retry(id: string): Promise<LicenseRequestRecord | undefined> {
    if (!(await this.store.claimRetry(id, this.now()))) return undefined;
    // Start over: following the failed attempt again would only read the same failure.
    const record = await this.store.updateRequest(id, { status: 'pending', reference: null, reason: null }, this.now());
    await this.notifier.recordChanged(record);
    return this.process(id);
  }

  /** After a restart: finish what was pending when the process stopped. */
  async resumePending(): Promise<number> {
    const pending = await this.store.listPending();
    for (const record of pending) {
      this.logger.info({ requestId: record.id }, 'resuming a pending license request');
      void this.process(record.id).catch((error: unknown) => this.logger.error({ requestId: record.id, error: (error as Error).message }, 'resume failed'));
    }
    return pending.length;
  }

  /** Waits for the requests being processed now (bounded by the caller). */
  async settle(): Promise<void> {
    await Promise.allSettled([...this.inFlight.values()]);
  }

  private async run(id: string): Promise<LicenseRequestRecord> {
    const record = await this.store.getRequest(id);
    if (!record) throw new Error(`unknown license request ${id}`);
    if (record.status !== 'pending') return record;

    let outcome: LicenseOutcome;
    try {
      outcome = record.reference
        ? await this.adapter.follow(toAdapterRequest(record), record.reference)
        : await this.adapter.request(toAdapterRequest(record));
    } catch (error) {
      // Read in the channel by people: say what failed, not which adapter (the log has that).
      this.logger.warn({ requestId: id, adapter: this.adapter.name, error: (error as Error).message }, 'license generation threw');
      outcome = { status: 'failed', reason: `License generation failed: ${(error as Error).message}` };
    }

    if (outcome.status === 'pending') {
      // Remember where to follow it before waiting, so a restart resumes instead of asking twice.
      const following = await this.store.updateRequest(id, { status: 'pending', reference: outcome.reference }, this.now());
      await this.notifier.recordChanged(following);
      try {
        outcome = await this.adapter.follow(toAdapterRequest(following), outcome.reference);
      } catch (error) {
        outcome = { status: 'failed', reason: `Following the request failed: ${(error as Error).message}`, reference: outcome.reference };
      }
    }
    return this.finish(id, outcome);
  }

  private async finish(id: string, outcome: GeneratedLicense | Exclude<LicenseOutcome, { status: 'pending' }>): Promise<LicenseRequestRecord> {
    const record = outcome.status === 'generated' ? await this.store.getRequest(id) : undefined;
    const issued = outcome.status === 'generated' ? outcome.issuedTo : undefined;
    // The Mechanizer says whom it licensed; a mismatch must be visible, not silently reported as asked.
    const mismatch =
      issued && record && (issued.email.toLowerCase() !== record.email.toLowerCase() || issued.userCount !== record.userCount)
        ? `The license was created for ${issued.email} (${issued.userCount} users), not ${record.email} (${record.userCount} users): check the request issue.`
        : null;
    const updated =
      outcome.status === 'generated'
        ? await this.store.updateRequest(
            id,
            { status: 'generated', reason: mismatch, reference: outcome.reference, licenseFile: outcome.licenseFile ?? null, trialExpiresOn: outcome.expiresOn },
            this.now(),
          )
        : await this.store.updateRequest(id, { status: 'failed', reason: limitReason(outcome.reason), reference: outcome.reference ?? null }, this.now());
    await this.notifier.recordChanged(updated);
    if (updated.status !== 'generated') return updated;
    try {
      await this.notifier.deliver(updated);
      return updated;
    } catch (error) {
      // The license exists: say where it is instead of pretending it reached the engineer.
      const message = (error as { data?: { error?: string } }).data?.error ?? (error as Error).message;
      this.logger.warn({ requestId: id, error: message }, 'license generated but the file could not be handed over in Slack');
      const noted = await this.store.updateRequest(id, { status: 'generated', reason: `Generated, but the file could not be sent in Slack (${message}).` }, this.now());
      await this.notifier.recordChanged(noted);
      return noted;
    }
  }
}
