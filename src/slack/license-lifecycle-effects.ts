import { DateTime } from 'luxon';
import { lateness, type LifecycleEvent } from '../policy/license-lifecycle';
import type { LifecycleRepository, RequestResolution } from '../store/lifecycle-types';
import type { LicenseRequestRecord, OutboxEntry, OutboxMessage } from '../store/types';
import type { LifecycleActor, LifecycleSlackEffects } from '../workflows/license-lifecycle';
import { lapseOf } from '../workflows/license-lifecycle';
import type { LifecycleRequest } from '../store/lifecycle-jobs';
import type { LifecycleFireContext } from '../workflows/lifecycle-scheduler';
import { licenseNoticeKey } from './messages/license-notice';
import type { LicenseNoticePublisher } from './license-notice-publisher';
import { buildLicenseReminder, licenseReminderKey, type ReminderInput } from './messages/license-reminder';
import { buildLapsedLine, buildNeedsLrLine, buildResolvedLine } from './messages/license-thread-lines';

/** The few Slack calls the follow-up makes besides the outbox. */
export interface LifecycleSlackCalls {
  /** The DM channel (D…) with a user: chat.update needs it, a user ID would not do. */
  openDm(userId: string): Promise<string>;
  /** Publishes the user's App Home dashboard. */
  refreshHome(userId: string): Promise<void>;
}

export interface LifecycleEffectsOptions {
  /** Durable posting (OutboxDispatcher): fixed keys make every effect safe to run again. */
  audit: { publish(message: OutboxMessage): Promise<void> };
  /** The channel notice's one writer (the follow-up state is part of it). */
  notice: Pick<LicenseNoticePublisher, 'publish'>;
  /** Reads an outbox entry (where the DM reminder went). */
  outbox: { get(key: string): Promise<OutboxEntry | undefined> };
  lifecycle: Pick<LifecycleRepository, 'listEvents'>;
  slack: LifecycleSlackCalls;
  licensingChannel: string;
  lrTeamUsergroup?: string;
  logger: { warn(obj: object, msg: string): void };
}

/** Outbox keys of the follow-up, one per message and request: a re-run updates, never posts again. */
export const lifecycleKeys = {
  reminder: (id: string) => licenseReminderKey({ id }),
  reminderDm: (id: string) => `${licenseReminderKey({ id })}:dm`,
  resolvedLine: (id: string) => `license-resolved:${id}`,
  needsLrLine: (id: string) => `license-needs-lr:${id}`,
  lapsedLine: (id: string) => `license-lapsed:${id}`,
};

const instant = (iso: string) => DateTime.fromISO(iso, { zone: 'utc' });

/**
 * The Slack side of the trial follow-up. Everything goes through the audit outbox with the keys
 * above: the reminder as a reply in the request's thread (under the notice `license:<id>`) and
 * as a DM to the engineer, one-line thread replies for resolved / needs L&R / lapsed, and the
 * notice itself updated with the follow-up state.
 */
export class SlackLifecycleEffects implements LifecycleSlackEffects {
  constructor(private readonly options: LifecycleEffectsOptions) {}

  private actorOf(resolution: RequestResolution, kind: 'resolved' | 'needsLr') {
    const at = kind === 'resolved' ? resolution.resolvedAt : resolution.needsLrAt;
    const by = kind === 'resolved' ? resolution.resolvedBySlackId : resolution.needsLrBySlackId;
    return at && by ? { bySlackId: by, at: instant(at) } : undefined;
  }

  /** The reminder as it should read now: both copies (thread + DM), built from the stored events. */
  private reminderInputs(
    request: Pick<LicenseRequestRecord, 'id' | 'ticketUrl' | 'email' | 'userCount' | 'requestedBySlackId'>,
    base: Omit<ReminderInput, 'request' | 'audience'>,
  ) {
    const lrUserGroupId = this.options.lrTeamUsergroup;
    return (['channel', 'requester'] as const).map((audience) =>
      buildLicenseReminder({ ...base, request, audience, lrUserGroupId }),
    );
  }

  private async publishReminders(
    request: LifecycleRequest | LicenseRequestRecord,
    base: Omit<ReminderInput, 'request' | 'audience'>,
    dmChannel: string,
  ): Promise<void> {
    const [inThread, toRequester] = this.reminderInputs(request, base);
    const { audit, licensingChannel } = this.options;
    await audit.publish({
      key: lifecycleKeys.reminder(request.id),
      channel: licensingChannel,
      threadOfKey: licenseNoticeKey(request),
      ...inThread,
    });
    await audit.publish({ key: lifecycleKeys.reminderDm(request.id), channel: dmChannel, ...toRequester });
  }

  /** Updates the reminder (buttons gone once resolved, "lapsed" once lapsed) if it was sent. */
  private async updateReminders(
    record: LicenseRequestRecord,
    resolution: RequestResolution,
    events?: LifecycleEvent[],
  ): Promise<void> {
    const sent = (events ?? (await this.options.lifecycle.listEvents(record.id))).find(
      (event) => event.type === 'reminder_sent',
    );
    const lapseAt = lapseOf(record);
    const dm = await this.options.outbox.get(lifecycleKeys.reminderDm(record.id));
    if (!sent || !lapseAt || !dm) return;
    const sentAt = instant(sent.at);
    const dueAt = sentAt.minus({ milliseconds: sent.lateByMs ?? 0 });
    await this.publishReminders(
      record,
      {
        lapseAt,
        dueAt,
        lateness: lateness(dueAt, sentAt, sent.lateByMs ? 0 : Number.POSITIVE_INFINITY),
        resolved: this.actorOf(resolution, 'resolved'),
        needsLr: this.actorOf(resolution, 'needsLr'),
        lapsed: Boolean(resolution.lapsedAt) && !resolution.resolvedAt,
      },
      dm.channel,
    );
  }

  async sendReminder(request: LifecycleRequest, context: LifecycleFireContext): Promise<void> {
    const dmChannel = await this.options.slack.openDm(request.requestedBySlackId);
    const events = await this.options.lifecycle.listEvents(request.id);
    const needsLr = events.find((event) => event.type === 'needs_lr');
    await this.publishReminders(
      request,
      {
        lapseAt: context.lapseAt,
        dueAt: context.dueAt,
        lateness: context.lateness,
        ...(needsLr?.bySlackId ? { needsLr: { bySlackId: needsLr.bySlackId, at: instant(needsLr.at) } } : {}),
      },
      dmChannel,
    );
  }

  async markLapsed(request: LifecycleRequest, context: LifecycleFireContext): Promise<void> {
    const { audit, licensingChannel, lrTeamUsergroup } = this.options;
    await audit.publish({
      key: lifecycleKeys.lapsedLine(request.id),
      channel: licensingChannel,
      threadOfKey: licenseNoticeKey(request),
      ...buildLapsedLine({ lapseAt: context.lapseAt, lateness: context.lateness, lrUserGroupId: lrTeamUsergroup }),
    });
    // The notice and the reminder are updated by requestChanged (called by the workflow after this).
  }

  async resolved(record: LicenseRequestRecord, resolution: RequestResolution): Promise<void> {
    const actor = this.actorOf(resolution, 'resolved');
    if (!actor) return;
    await this.options.audit.publish({
      key: lifecycleKeys.resolvedLine(record.id),
      channel: this.options.licensingChannel,
      threadOfKey: licenseNoticeKey(record),
      ...buildResolvedLine(actor),
    });
  }

  async needsLr(record: LicenseRequestRecord, _resolution: RequestResolution, actor: LifecycleActor): Promise<void> {
    const lapseAt = lapseOf(record);
    if (!lapseAt) return;
    await this.options.audit.publish({
      key: lifecycleKeys.needsLrLine(record.id),
      channel: this.options.licensingChannel,
      threadOfKey: licenseNoticeKey(record),
      ...buildNeedsLrLine({ ...actor, lapseAt, lrUserGroupId: this.options.lrTeamUsergroup }),
    });
  }

  refreshHome(slackUserId: string): Promise<void> {
    return this.options.slack.refreshHome(slackUserId);
  }

  async requestChanged(record: LicenseRequestRecord, resolution: RequestResolution): Promise<void> {
    // A change of the record itself was published by the license notifier; a follow-up state
    // (resolved, needs L&R, lapsed) changes the notice too.
    if (record.status === 'generated' && (resolution.resolvedAt || resolution.lapsedAt || resolution.needsLrAt)) {
      await this.options.notice.publish(record);
      await this.updateReminders(record, resolution);
    }
    await this.options.slack
      .refreshHome(record.requestedBySlackId)
      .catch((error: Error) =>
        this.options.logger.warn(
          { requestId: record.id, err: error.message },
          'could not refresh the App Home of the request owner',
        ),
      );
  }
}
