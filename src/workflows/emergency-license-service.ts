import type { DateTime } from 'luxon';
import { z } from 'zod';
import {
  type EmergencyField,
  type EmergencyRequest,
  NOT_OVERRIDABLE_REASON,
  type RawEmergencyForm,
  scopeCanBeOverridden,
  summarizeScope,
  validateEmergencyForm,
  validateJustification,
} from '../policy/emergency-request';
import type { ScopeDecision } from '../policy/emergency-scope';
import { computeExpiryFacts, formatRelative, graceEndedWithinEmergencyWindow, type LicenseKind } from '../policy/time';
import { parseTicketReference } from '../policy/ticket';
import type { LicenseAdapterName } from '../licenses/types';
import type { LifecycleEvent } from '../policy/license-lifecycle';
import type { LifecycleRepository } from '../store/lifecycle-types';
import type { TicketWrite, TicketWriteRepository } from '../store/ticket-write-types';
import type {
  LicenseRequestInput,
  LicenseRequestRecord,
  LicenseRequestRepository,
  OpenRequestRepository,
  UserPreferenceRepository,
} from '../store/types';
import type { EmergencyLicenseWorkflow } from './emergency-license';
import { type Capability, firstRefusal, type Permissions } from './permissions';
import { licenseWriteKey } from './ticket-notes';

/** Who submitted which modal step; the view ID makes the idempotency key and keys the open request. */
export interface Submitter {
  slackUserId: string;
  viewId: string;
}

/** Replace the modal with this reason: nothing is stored or generated. */
export type Refused = { kind: 'refused'; reason: string };

/**
 * A request was stored (or found stored: a redelivery of the same submission). Show `record` in
 * the ack, then call `finish()`: it resolves the processed record when this submission started
 * the request, or undefined when another delivery of it is handling it.
 */
export type Started = {
  kind: 'started';
  record: LicenseRequestRecord;
  finish: () => Promise<LicenseRequestRecord | undefined>;
};

/** Pending or generated requests for the same ticket or email exist: ask before a second license. */
export type NeedsConfirmation = {
  kind: 'needs-confirmation';
  request: EmergencyRequest;
  duplicates: LicenseRequestRecord[];
  channelId?: string;
};

export type StartResult = Started | NeedsConfirmation;

export type FormResult =
  | Refused
  | { kind: 'errors'; errors: Partial<Record<EmergencyField, string>> }
  /** Out of scope: show why; `finish()` (after the ack) records the refusal for the audit trail. */
  | {
      kind: 'out-of-scope';
      request: EmergencyRequest;
      scope: ScopeDecision;
      canOverride: boolean;
      overrideBlockedReason?: string;
      finish: () => Promise<void>;
    }
  | StartResult;

export type JustifiedResult = Refused | { kind: 'errors'; errors: { justification: string } } | StartResult;

export type RetryResult =
  | Refused
  /** The customer has left the emergency window since the request: start a new one instead. */
  | { kind: 'outside-window'; problem: string }
  /** Not failed (any more): a second click or a retry already running started nothing twice. */
  | { kind: 'not-failed' }
  | { kind: 'retried'; record: LicenseRequestRecord };

export type LookupResult =
  | {
      kind: 'records';
      records: LicenseRequestRecord[];
      events: ReadonlyMap<string, LifecycleEvent[]>;
      /** Each shown request's license write on its Zendesk ticket, by request ID (none without Zendesk). */
      writes: ReadonlyMap<string, TicketWrite>;
      /** The ticket looked up (its URL), when the query was a ticket rather than an email. */
      ticketUrl?: string;
    }
  | { kind: 'bad-ticket'; error: string };

/** /license-status shows the follow-up history of this many requests (the message shows 10). */
const STATUS_EVENTS_SHOWN = 10;

export interface EmergencyLicenseServiceDeps {
  requests: LicenseRequestRepository;
  openRequests: OpenRequestRepository;
  preferences: UserPreferenceRepository;
  events: Pick<LifecycleRepository, 'listEvents'>;
  workflow: EmergencyLicenseWorkflow;
  /** The Zendesk ticket writes; absent without Zendesk credentials (nothing is written then). */
  ticketWrites?: Pick<TicketWriteRepository, 'get'>;
  permissions: Permissions;
  zendeskBaseUrl: string;
  /** Which adapter a new request records (the configured one). */
  adapter: LicenseAdapterName;
  now: () => DateTime;
}

export const STATUS_LOOKUP_LIMIT = 25;

/** The validated request as kept between modal steps (open_requests, stored as JSON: read back through zod). */
const keptFacts = z.object({
  ticketUrl: z.string().optional(),
  deployment: z.string().optional(),
  paidPlan: z.boolean().optional(),
  prospect: z.boolean().optional(),
  expirationDate: z.string().optional(),
  licenseKind: z.string().optional(),
  userCount: z.number().optional(),
  email: z.string().optional(),
  username: z.string().optional(),
});

const yesNo = (value: boolean | undefined) => (value === true ? 'yes' : value === false ? 'no' : undefined);

/**
 * The weekend emergency license, from the form to a started request: validation, the scope and
 * window re-checks, who may do what, idempotency keys, the facts kept between modal steps and
 * the engineer's remembered username. Listeners read Slack payloads, call one method and render
 * the result; the adapter run itself is the {@link EmergencyLicenseWorkflow}'s.
 */
export class EmergencyLicenseService {
  constructor(private readonly deps: EmergencyLicenseServiceDeps) {}

  private get nowDate(): Date {
    return this.deps.now().toJSDate();
  }

  /** Prefill shared by every entry point: the ticket if known, and the engineer's remembered username. */
  async prefill(slackUserId: string, ticketText: string | undefined, expirationDate?: string) {
    const text = (ticketText ?? '').trim();
    const ticket = text ? parseTicketReference(text, this.deps.zendeskBaseUrl) : undefined;
    const { gitlabUsername } = await this.deps.preferences.getPreferences(slackUserId);
    return { ticket: ticket?.ok ? ticket.url : text || undefined, username: gitlabUsername, expirationDate };
  }

  /** `/license-status <ticket or email>`: the requests for a customer email or a ticket. */
  async lookup(query: string): Promise<LookupResult> {
    let records: LicenseRequestRecord[];
    let ticketUrl: string | undefined;
    if (z.email().safeParse(query).success) {
      records = await this.deps.requests.findByEmail(query.toLowerCase(), STATUS_LOOKUP_LIMIT);
    } else {
      const ticket = parseTicketReference(query, this.deps.zendeskBaseUrl);
      if (!ticket.ok) return { kind: 'bad-ticket', error: ticket.error };
      ticketUrl = ticket.url;
      records = await this.deps.requests.findByTicket(ticket.url, STATUS_LOOKUP_LIMIT);
    }
    // The follow-up history and ticket write of the requests shown (indexed reads, at most STATUS_EVENTS_SHOWN each).
    const shown = records.slice(0, STATUS_EVENTS_SHOWN);
    const [events, writes] = await Promise.all([
      Promise.all(shown.map(async (r) => [r.id, await this.deps.events.listEvents(r.id)] as const)),
      this.licenseWrites(shown),
    ]);
    return { kind: 'records', records, events: new Map(events), writes, ...(ticketUrl ? { ticketUrl } : {}) };
  }

  private async licenseWrites(records: LicenseRequestRecord[]): Promise<ReadonlyMap<string, TicketWrite>> {
    const repository = this.deps.ticketWrites;
    if (!repository) return new Map();
    const found = await Promise.all(
      records.map(async (r) => [r.id, await repository.get(licenseWriteKey(r.id))] as const),
    );
    return new Map(found.filter((entry): entry is readonly [string, TicketWrite] => entry[1] !== undefined));
  }

  /** The form was submitted: validate, check scope, then request the license (or say why not). */
  async submitForm(by: Submitter, form: RawEmergencyForm, channelId?: string): Promise<FormResult> {
    const refusal = await firstRefusal(this.deps.permissions, by.slackUserId, ['request_license']);
    if (refusal) return { kind: 'refused', reason: refusal };
    const result = validateEmergencyForm(form, this.deps.zendeskBaseUrl, this.deps.now());
    if (!result.ok) return { kind: 'errors', errors: result.errors };
    const { request, scope } = result;
    if (scope.inScope) return this.start(by, { request, scope, stage: 'submit', channelId });

    const overridable = scopeCanBeOverridden(scope);
    const manager = overridable ? await this.deps.permissions.check(by.slackUserId, 'override_scope') : undefined;
    if (manager?.allowed) {
      // What the override may go on with stays on the server, keyed by this view.
      await this.deps.openRequests.saveOpenRequest(
        { viewId: by.viewId, slackUserId: by.slackUserId, stage: 'override', facts: { ...request }, channelId },
        this.nowDate,
      );
    }
    return {
      kind: 'out-of-scope',
      request,
      scope,
      canOverride: Boolean(manager?.allowed),
      overrideBlockedReason: !overridable
        ? NOT_OVERRIDABLE_REASON
        : manager && !manager.allowed
          ? manager.reason
          : undefined,
      finish: async () => {
        await this.rememberUsername(by.slackUserId, request.username);
        await this.deps.workflow.refuse(
          this.toRequestInput(request, scope, { slackUserId: by.slackUserId, idempotencyKey: `${by.viewId}:refused` }),
          // Stored and shown again later: the absolute wording (SPEC time rules).
          scope.failures.map((f) => f.recorded).join(' '),
        );
      },
    };
  }

  /** A manager overrides the scope check with a written justification. */
  async override(by: Submitter, justificationText: string | undefined): Promise<JustifiedResult> {
    const refusal = await firstRefusal(this.deps.permissions, by.slackUserId, ['request_license', 'override_scope']);
    if (refusal) return { kind: 'refused', reason: refusal };
    const justification = validateJustification(justificationText);
    if (!justification.ok) return { kind: 'errors', errors: { justification: justification.error } };
    // The facts come from the server (the refusal this view shows), never from the submission.
    const open = await this.openRequest(by, 'override');
    const checked = this.revalidate(open?.facts);
    if (!checked || (!checked.scope.inScope && !scopeCanBeOverridden(checked.scope))) {
      return {
        kind: 'refused',
        reason: 'This request can no longer be overridden. Start again with /emergency-license.',
      };
    }
    return this.start(by, {
      ...checked,
      stage: 'override',
      justification: justification.text,
      channelId: open?.channelId,
    });
  }

  /** The engineer confirmed that a second license for the same ticket or email is needed. */
  async confirmReissue(by: Submitter): Promise<Refused | StartResult> {
    // Only a view the bot answered with this confirmation (for this user) can be confirmed; the
    // request and any override justification are the ones the server kept for it.
    const open = await this.openRequest(by, 'reissue');
    const capabilities: Capability[] = open?.justification
      ? ['request_license', 'override_scope']
      : ['request_license'];
    const refusal = await firstRefusal(this.deps.permissions, by.slackUserId, capabilities);
    if (refusal) return { kind: 'refused', reason: refusal };
    const checked = this.revalidate(open?.facts);
    // Out of scope only goes on with a manager's justification, and only where an override is possible at all.
    if (
      !open ||
      !checked ||
      (!checked.scope.inScope && (!open.justification || !scopeCanBeOverridden(checked.scope)))
    ) {
      return {
        kind: 'refused',
        reason:
          'This request is no longer valid (it may have fallen out of scope, or it was never opened here). ' +
          'Start again with /emergency-license.',
      };
    }
    return this.start(by, {
      ...checked,
      stage: 'reissue',
      justification: open.justification,
      channelId: open.channelId,
    });
  }

  /** "Retry" on a failed request, from the channel notice or the engineer's status modal. */
  async retry(slackUserId: string, requestId: string): Promise<RetryResult> {
    const refusal = await firstRefusal(this.deps.permissions, slackUserId, ['request_license']);
    if (refusal) return { kind: 'refused', reason: refusal };
    const failed = await this.deps.requests.getRequest(requestId);
    const problem = failed
      ? retryWindowProblem(
          failed.licenseExpiresOn,
          Boolean(failed.overrideJustification),
          this.deps.now(),
          failed.licenseKind ?? 'paid',
        )
      : undefined;
    if (problem) return { kind: 'outside-window', problem };
    const record = await this.deps.workflow.retry(requestId);
    return record ? { kind: 'retried', record } : { kind: 'not-failed' };
  }

  /**
   * Someone on the team asks for a copy of a generated license (never a new one): it is stored and
   * handed over in the background (see EmergencyLicenseWorkflow.requestCopy), so `queued` means on
   * its way, not arrived. `clickKey` names the click (a redelivered click queues nothing more).
   */
  async sendCopy(
    slackUserId: string,
    requestId: string,
    clickKey: string,
  ): Promise<Refused | { kind: 'queued' } | { kind: 'not-generated' }> {
    const refusal = await firstRefusal(this.deps.permissions, slackUserId, ['request_license']);
    if (refusal) return { kind: 'refused', reason: refusal };
    const result = await this.deps.workflow.requestCopy(requestId, slackUserId, clickKey);
    return result.kind === 'queued' ? { kind: 'queued' } : result;
  }

  /**
   * The common end of every path that may generate a license: ask before a duplicate, or store the
   * request; the adapter runs only in `finish()`, after the caller acknowledged.
   */
  private async start(
    by: Submitter,
    args: {
      request: EmergencyRequest;
      scope: ScopeDecision;
      stage: 'submit' | 'override' | 'reissue';
      justification?: string;
      channelId?: string;
    },
  ): Promise<StartResult> {
    const { request, scope } = args;
    const reissueConfirmed = args.stage === 'reissue';
    const input = this.toRequestInput(request, scope, {
      slackUserId: by.slackUserId,
      idempotencyKey: `${by.viewId}:${args.stage}`,
      justification: args.justification,
      note: reissueConfirmed ? '(Re-issue confirmed by the requester.)' : undefined,
    });
    // A confirmed re-issue skips the duplicate check; every other path checks and inserts in one
    // atomic step, so of simultaneous requests for one ticket or email only one makes a license.
    const result = reissueConfirmed
      ? await this.deps.workflow
          .submit(input)
          .then(({ record, created }) => ({ outcome: created ? ('created' as const) : ('existing' as const), record }))
      : await this.deps.workflow.request(input);
    if (result.outcome === 'duplicates') {
      // The facts the confirmation may go on with stay here, keyed by this view, not in the modal.
      await this.deps.openRequests.saveOpenRequest(
        {
          viewId: by.viewId,
          slackUserId: by.slackUserId,
          stage: 'reissue',
          facts: { ...request },
          justification: args.justification,
          channelId: args.channelId,
        },
        this.nowDate,
      );
      return { kind: 'needs-confirmation', request, duplicates: result.duplicates, channelId: args.channelId };
    }
    const { record } = result;
    return {
      kind: 'started',
      record,
      finish: async () => {
        await this.rememberUsername(by.slackUserId, request.username);
        // A repeated delivery of the same submission finds the record already there: the first one is handling it.
        return result.outcome === 'created' ? this.deps.workflow.process(record.id) : undefined;
      },
    };
  }

  private rememberUsername(slackUserId: string, gitlabUsername: string): Promise<void> {
    return this.deps.preferences.savePreferences(slackUserId, { gitlabUsername }, this.nowDate);
  }

  /**
   * The open request a confirmation/override view may continue: kept by the server for this view,
   * for this user, at this step. Anything else (a view the bot never answered this way, another
   * user's view) is not open.
   */
  private async openRequest(by: Submitter, stage: 'override' | 'reissue') {
    const open = await this.deps.openRequests.getOpenRequest(by.viewId);
    if (!open || open.stage !== stage || open.slackUserId !== by.slackUserId) return undefined;
    return open;
  }

  /**
   * Re-checks the facts the server kept for an open request with the same rules as the form, as if
   * they had just been typed in (the form only continues when both screenshots were confirmed).
   */
  private revalidate(stored: Record<string, unknown> | undefined) {
    const parsed = stored ? keptFacts.safeParse(stored) : undefined;
    if (!parsed?.success) return undefined;
    const facts = parsed.data;
    const result = validateEmergencyForm(
      {
        ticket: facts.ticketUrl,
        deployment: facts.deployment,
        paidPlan: yesNo(facts.paidPlan),
        prospect: yesNo(facts.prospect),
        expirationDate: facts.expirationDate,
        // Facts kept before the form asked about the license on the instance were checked as paid.
        licenseKind: facts.licenseKind ?? 'paid',
        screenshots: ['dashboard', 'license_page'],
        userCount: facts.userCount === undefined ? undefined : String(facts.userCount),
        email: facts.email,
        username: facts.username,
      },
      this.deps.zendeskBaseUrl,
      this.deps.now(),
    );
    return result.ok ? { request: result.request, scope: result.scope } : undefined;
  }

  private toRequestInput(
    request: EmergencyRequest,
    scope: ScopeDecision,
    opts: { slackUserId: string; idempotencyKey: string; justification?: string; note?: string },
  ): LicenseRequestInput {
    return {
      ticketUrl: request.ticketUrl,
      email: request.email,
      userCount: request.userCount,
      requestedBySlackId: opts.slackUserId,
      requestedByUsername: request.username,
      licenseExpiresOn: request.expirationDate,
      licenseKind: request.licenseKind,
      overrideJustification: opts.justification,
      scopeSummary: `${summarizeScope(scope)}${opts.note ? ` ${opts.note}` : ''}`,
      adapter: this.deps.adapter,
      idempotencyKey: opts.idempotencyKey,
    };
  }
}

/**
 * A retry happens later than the request: the customer may have left the emergency window since
 * (requests that a manager overrode keep their override). Undefined when the retry may go on.
 */
export function retryWindowProblem(
  licenseExpiresOn: string,
  overridden: boolean,
  now: DateTime,
  licenseKind: LicenseKind = 'paid',
): string | undefined {
  if (overridden) return undefined;
  // Only Self-Managed requests reach the license adapter: SaaS is never in scope nor overridable.
  const facts = computeExpiryFacts(licenseExpiresOn, now, 'self_managed', licenseKind);
  if (graceEndedWithinEmergencyWindow(facts, now)) return undefined;
  const opensAt = facts.windowOpensAt ?? facts.expiresAt;
  const ms = opensAt.toMillis() - now.toMillis();
  const past = ms <= 0;
  const [what, rule] =
    licenseKind === 'temporary'
      ? [
          `the temporary extension (no grace period) ${past ? 'expired' : 'expires'}`,
          'a trial-type license that expired within the last 3 days, UTC',
        ]
      : [`the grace period ${past ? 'ended' : 'ends'}`, 'grace period ended within the last 3 days, UTC'];
  return `${what} ${formatRelative(ms)} (${opensAt.toISODate()}), outside this workflow's window (${rule}).`;
}
