import { DateTime } from 'luxon';
import { trialLapseAt, type LifecycleEvent } from '../policy/license-lifecycle';
import type { LifecycleRepository, RequestResolution } from '../store/lifecycle-types';
import type { LicenseRequestRecord, LicenseRequestRepository } from '../store/types';
import type { LicenseNotifier } from './emergency-license';
import type { LifecycleRequest } from '../store/lifecycle-jobs';
import {
  LifecycleScheduler,
  type LifecycleEffects,
  type LifecycleFireContext,
  type LifecycleSchedulerLogger,
} from './lifecycle-scheduler';
import type { JobKind } from '../shared/job-runner';

/** Someone pressed a follow-up button. */
export interface LifecycleActor {
  bySlackId: string;
  at: DateTime;
}

/**
 * Slack side of the follow-up (src/slack/license-lifecycle-effects.ts). Every method must be
 * idempotent by request (fixed outbox keys): a re-run after a crash updates, never posts twice.
 */
export interface LifecycleSlackEffects extends LifecycleEffects {
  resolved(record: LicenseRequestRecord, resolution: RequestResolution): Promise<void>;
  needsLr(record: LicenseRequestRecord, resolution: RequestResolution, actor: LifecycleActor): Promise<void>;
  /** The record or its follow-up changed: keep the notice's follow-up line, refresh the owner's App Home. */
  requestChanged(record: LicenseRequestRecord, resolution: RequestResolution): Promise<void>;
  /** Publishes a user's App Home dashboard. */
  refreshHome(slackUserId: string): Promise<void>;
}

export type ButtonOutcome =
  /** This click did it. */
  | { outcome: 'done'; record: LicenseRequestRecord }
  /** Someone did it before (the first one counts): nothing new recorded. */
  | { outcome: 'already'; record: LicenseRequestRecord; resolution: RequestResolution }
  /** Not a generated trial (unknown, pending, failed, refused): nothing to follow up. */
  | { outcome: 'not_open'; record?: LicenseRequestRecord };

export interface LicenseLifecycleOptions {
  store: { requests: LicenseRequestRepository; lifecycle: LifecycleRepository };
  effects: LifecycleSlackEffects;
  clock: () => Date;
  /** This replica's name in leases. */
  owner: string;
  leadHours: number;
  logger: LifecycleSchedulerLogger & { error(obj: object, msg: string): void };
  /** How often the job runner looks for due jobs (a pass also runs right after a trial is tracked). */
  everyMs?: number;
  leaseMs?: number;
}

/** Trials that lapsed longer ago than this are no longer listed as open (App Home, start-up sweep). */
export const OPEN_TRIAL_HORIZON_DAYS = 14;

/**
 * The follow-up of generated trials (issue 12): tracks a request when it becomes generated,
 * runs the reminder and lapse jobs (LifecycleScheduler over the store's leased jobs), and handles
 * the Resolved / Needs L&R buttons. Events go on the request's record; Slack effects are injected.
 */
export class LicenseLifecycle implements JobKind {
  readonly name = 'lifecycle jobs';
  readonly everyMs: number;
  readonly scheduler: LifecycleScheduler;
  private running?: Promise<unknown>;
  private stopped = false;

  constructor(private readonly options: LicenseLifecycleOptions) {
    const { store, effects } = options;
    // The scheduler fires the Slack effect, then the event is recorded (once per request): a
    // crash in between re-runs the effect (same outbox keys: an update) and records it then.
    const recording: LifecycleEffects = {
      sendReminder: async (request, context) => {
        await effects.sendReminder(request, context);
        await store.lifecycle.recordEvent(this.firedEvent(request, 'reminder_sent', context));
      },
      markLapsed: async (request, context) => {
        await store.lifecycle.recordEvent(this.firedEvent(request, 'lapsed', context));
        await effects.markLapsed(request, context);
        await this.changed(request.id);
      },
    };
    this.scheduler = new LifecycleScheduler({
      jobs: store.lifecycle,
      requests: this,
      effects: recording,
      clock: options.clock,
      owner: options.owner,
      leadHours: options.leadHours,
      leaseMs: options.leaseMs,
      everyMs: options.everyMs,
      logger: options.logger,
    });
    this.everyMs = this.scheduler.everyMs;
  }

  private firedEvent(
    request: LifecycleRequest,
    type: 'reminder_sent' | 'lapsed',
    context: LifecycleFireContext,
  ): LifecycleEvent {
    return {
      requestId: request.id,
      type,
      at: context.now.toISO()!,
      ...(context.lateness.late ? { lateByMs: context.lateness.byMs } : {}),
    };
  }

  private now(): DateTime {
    return DateTime.fromJSDate(this.options.clock(), { zone: 'utc' });
  }

  /** The request as it is now, with its resolution: read at fire time by the scheduler. */
  async getLifecycleRequest(requestId: string): Promise<LifecycleRequest | undefined> {
    const record = await this.options.store.requests.getRequest(requestId);
    if (!record) return undefined;
    const { resolvedAt } = await this.options.store.lifecycle.resolution(requestId);
    return { ...record, ...(resolvedAt ? { resolvedAt } : {}) };
  }

  /**
   * A request changed (the workflow's notifier calls this after the notice): a generated trial
   * gets its reminder and lapse jobs (idempotent), the owner's App Home is refreshed.
   */
  async recordChanged(record: LicenseRequestRecord): Promise<void> {
    const resolution = await this.options.store.lifecycle.resolution(record.id);
    if (record.status === 'generated' && !resolution.resolvedAt) {
      const tracked = await this.scheduler.track({ ...record });
      // kick() logs its own failures; the record change does not wait for the pass.
      if (tracked) void this.kick();
    }
    await this.options.effects
      .requestChanged(record, resolution)
      .catch((error: Error) =>
        this.options.logger.warn(
          { requestId: record.id, err: error.message },
          'follow-up refresh after a change failed',
        ),
      );
  }

  private async changed(requestId: string): Promise<void> {
    const record = await this.options.store.requests.getRequest(requestId);
    if (record)
      await this.options.effects
        .requestChanged(record, await this.options.store.lifecycle.resolution(requestId))
        .catch(() => undefined);
  }

  /** "Resolved": the first click records who and when; jobs that fire later find it and skip. */
  async resolve(requestId: string, bySlackId: string): Promise<ButtonOutcome> {
    const record = await this.options.store.requests.getRequest(requestId);
    if (!record || record.status !== 'generated') return { outcome: 'not_open', record };
    const { recorded } = await this.options.store.lifecycle.recordEvent({
      requestId,
      type: 'resolved',
      at: this.now().toISO()!,
      bySlackId,
    });
    const resolution = await this.options.store.lifecycle.resolution(requestId);
    // Also on a repeated click: the effects are idempotent, and this repairs a crash after the record.
    await this.options.effects.resolved(record, resolution);
    await this.changed(requestId);
    return recorded ? { outcome: 'done', record } : { outcome: 'already', record, resolution };
  }

  /** "Needs L&R": mentions the L&R group in the thread once; the request stays open. */
  async needsLr(requestId: string, bySlackId: string): Promise<ButtonOutcome> {
    const record = await this.options.store.requests.getRequest(requestId);
    if (!record || record.status !== 'generated') return { outcome: 'not_open', record };
    const before = await this.options.store.lifecycle.resolution(requestId);
    if (before.resolvedAt) return { outcome: 'already', record, resolution: before };
    const { recorded, event } = await this.options.store.lifecycle.recordEvent({
      requestId,
      type: 'needs_lr',
      at: this.now().toISO()!,
      bySlackId,
    });
    const resolution = await this.options.store.lifecycle.resolution(requestId);
    await this.options.effects.needsLr(record, resolution, {
      bySlackId: event.bySlackId ?? bySlackId,
      at: DateTime.fromISO(event.at, { zone: 'utc' }),
    });
    await this.changed(requestId);
    return recorded ? { outcome: 'done', record } : { outcome: 'already', record, resolution };
  }

  refreshHome(slackUserId: string): Promise<void> {
    return this.options.effects.refreshHome(slackUserId);
  }

  /** A copy of the license was fetched (e.g. /license-status): an event on the record. */
  async copySent(requestId: string, toSlackId: string): Promise<void> {
    await this.options.store.lifecycle.recordEvent({
      requestId,
      type: 'copy_sent',
      at: this.now().toISO()!,
      bySlackId: toSlackId,
    });
  }

  /**
   * After a restart: makes sure every open trial has its jobs (a crash between "generated" and
   * tracking would otherwise lose them; scheduling is idempotent). The job runner then polls.
   */
  async trackOpenTrials(): Promise<number> {
    this.stopped = false;
    const since = this.now().minus({ days: OPEN_TRIAL_HORIZON_DAYS }).toISODate()!;
    const ids = await this.options.store.lifecycle.openTrialIds(since, 1000);
    let tracked = 0;
    for (const id of ids) {
      const request = await this.getLifecycleRequest(id);
      if (request && (await this.scheduler.track(request))) tracked++;
    }
    return tracked;
  }

  /** The job runner's pass (see JobKind): the scheduler's claim, fire, complete or reschedule. */
  pass(): Promise<unknown> {
    return this.kick();
  }

  /** Runs one pass now unless one is running (leases keep overlapping passes of replicas apart). */
  kick(): Promise<unknown> {
    if (this.stopped) return Promise.resolve();
    this.running ??= this.scheduler
      .runOnce()
      .catch((error: Error) => this.options.logger.error({ err: error.message }, 'lifecycle pass failed; will retry'))
      .finally(() => {
        this.running = undefined;
      });
    return this.running;
  }

  /** No further pass; waits for the pass in progress (the caller bounds the wait). */
  async stop(): Promise<void> {
    this.stopped = true;
    await this.running;
  }
}

/** When the trial of a generated record lapses (for messages); undefined without a trial date. */
export function lapseOf(record: LicenseRequestRecord): DateTime | undefined {
  try {
    return record.status === 'generated' ? trialLapseAt(record.trialExpiresOn) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The workflow's notifier with the follow-up attached: after the notice, a generated request is
 * tracked and its owner's App Home refreshed; a fetched copy becomes an event. Follow-up errors
 * are logged, never thrown into the license workflow.
 */
export function withLifecycle(
  notifier: LicenseNotifier,
  lifecycle: LicenseLifecycle,
  logger: { warn(obj: object, msg: string): void },
): LicenseNotifier {
  return {
    recordChanged: async (record) => {
      await notifier.recordChanged(record);
      await lifecycle
        .recordChanged(record)
        .catch((error: Error) =>
          logger.warn(
            { requestId: record.id, err: error.message },
            'could not track the trial follow-up; the start-up sweep will',
          ),
        );
    },
    deliver: (record, options) => notifier.deliver(record, options),
    handOverGivenUp: (record, copy) => notifier.handOverGivenUp?.(record, copy) ?? Promise.resolve(),
    copySent: async (record, toSlackId, copyId) => {
      await notifier.copySent?.(record, toSlackId, copyId);
      await lifecycle
        .copySent(record.id, toSlackId)
        .catch((error: Error) =>
          logger.warn({ requestId: record.id, err: error.message }, 'could not record the copy event'),
        );
    },
  };
}
