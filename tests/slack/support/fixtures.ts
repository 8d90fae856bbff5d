import { DateTime } from 'luxon';
import type { EmergencyRequest } from '../../../src/policy/emergency-request';
import { checkEmergencyScope, type ScopeDecision } from '../../../src/policy/emergency-scope';
import { REQUEST_TYPES, type Deployment, type RequestType } from '../../../src/policy/playbook';
import { decideStar, type StarDecision } from '../../../src/policy/star-decision';
import { QUESTIONS, START_QUESTION, type ChartAnswers, type QuestionId } from '../../../src/policy/star-flowchart';
import type {
  GeneratedLicenseRequest,
  LicenseRequestRecord,
  LicenseRequestStatus,
  PendingLicenseRequest,
} from '../../../src/store/types';

/** Saturday 14 June 2025, 12:00 UTC: a weekend, as emergencies are. */
export const NOW = DateTime.fromISO('2025-06-14T12:00:00.000Z', { zone: 'utc' });

export const TICKET_URL = 'https://gitlab.zendesk.com/agent/tickets/123456';
export const ENGINEER = 'UENGINEER1';
export const LICENSING_CHANNEL = 'C0LICENSING';

export const STATUSES: LicenseRequestStatus[] = ['pending', 'generated', 'failed', 'refused'];
export const TIME_ZONES = ['UTC', 'America/Los_Angeles', 'Pacific/Chatham', 'Not/AZone'];

/** Expiration dates relative to NOW that put the customer in each phase. */
export const EXPIRATION_DATES = {
  expiresInMoreThan24h: '2025-07-01',
  expiresWithin24h: '2025-06-15',
  graceMoreThan24h: '2025-06-10',
  graceWithin24h: '2025-06-01',
  graceEndedWithinWindow: '2025-05-30',
  graceEndedLongAgo: '2025-04-01',
} as const;

export const long = (length: number, unit = 'x'): string =>
  unit.repeat(Math.ceil(length / unit.length)).slice(0, length);

/** A syntactically plausible email of exactly `length` characters. */
export const longEmail = (length: number): string => `${long(length - '@example.com'.length, 'a')}@example.com`;

/**
 * Loose overrides for {@link record}: any field of any status, plus the two words tests like to
 * vary across statuses. `reason` becomes the failure or refusal reason (or, for a generated
 * license, the email of an "issued to someone else" warning); `reference` the issue URL.
 */
export type RecordOverrides = Partial<
  Omit<PendingLicenseRequest, 'status'> & Omit<GeneratedLicenseRequest, 'status'>
> & {
  status?: LicenseRequestStatus;
  reason?: string;
  reference?: string;
};

export function record(overrides: RecordOverrides = {}): LicenseRequestRecord {
  const {
    status = 'pending',
    reason,
    reference,
    trialExpiresOn,
    licenseFile,
    licensePath,
    issuedToMismatch,
    delivery,
    issueUrl,
    ...base
  } = overrides;
  const common = {
    id: '0f8fad5b-d9cb-469f-a165-70867728950e',
    ticketUrl: TICKET_URL,
    email: 'jane@example.com',
    userCount: 250,
    requestedBySlackId: ENGINEER,
    requestedByUsername: 'jdoe',
    licenseExpiresOn: EXPIRATION_DATES.graceEndedWithinWindow,
    scopeSummary: 'In scope: grace period ended 1 day ago',
    adapter: 'local' as const,
    idempotencyKey: 'V123:submit',
    attempts: 0,
    createdAt: '2025-06-14T12:00:00.000Z',
    updatedAt: '2025-06-14T12:00:00.000Z',
    ...base,
  };
  const url = reference ?? issueUrl;
  const link = url !== undefined ? { issueUrl: url } : {};
  switch (status) {
    case 'pending':
      return { ...common, status, ...link };
    case 'failed':
      return { ...common, status, failureReason: reason ?? 'unknown', ...link };
    case 'refused':
      return { ...common, status, refusalReason: reason ?? '' };
    case 'generated': {
      const mismatch = issuedToMismatch ?? (reason !== undefined ? { email: reason, userCount: 1 } : undefined);
      return {
        ...common,
        status,
        trialExpiresOn: trialExpiresOn ?? '2025-06-24',
        ...(licenseFile !== undefined ? { licenseFile } : {}),
        ...(licensePath !== undefined ? { licensePath } : {}),
        ...(mismatch ? { issuedToMismatch: mismatch } : {}),
        ...link,
        delivery: delivery ?? { status: 'delivered', attempts: 1 },
      };
    }
  }
}

export function emergencyRequest(overrides: Partial<EmergencyRequest> = {}): EmergencyRequest {
  return {
    ticketUrl: TICKET_URL,
    deployment: 'self_managed',
    paidPlan: true,
    prospect: false,
    expirationDate: EXPIRATION_DATES.graceEndedWithinWindow,
    licenseKind: 'paid',
    userCount: 250,
    email: 'jane@example.com',
    username: 'jdoe',
    ...overrides,
  };
}

/** Every combination of the scope rules: deployment x paid plan x prospect x expiry phase. */
export function allScopeCombinations(): { request: EmergencyRequest; scope: ScopeDecision; label: string }[] {
  const out: { request: EmergencyRequest; scope: ScopeDecision; label: string }[] = [];
  const dates = [
    EXPIRATION_DATES.expiresInMoreThan24h,
    EXPIRATION_DATES.graceMoreThan24h,
    EXPIRATION_DATES.graceEndedWithinWindow,
    EXPIRATION_DATES.graceEndedLongAgo,
  ];
  for (const deployment of ['self_managed', 'saas'] as Deployment[]) {
    for (const paidPlan of [true, false]) {
      for (const prospect of [true, false]) {
        for (const expirationDate of dates) {
          const request = emergencyRequest({ deployment, paidPlan, prospect, expirationDate });
          const scope = checkEmergencyScope(request, NOW);
          out.push({
            request,
            scope,
            label:
              `${deployment}/${paidPlan ? 'paid' : 'free'}/${prospect ? 'prospect' : 'customer'}/` +
              `${expirationDate} -> [${scope.failures.map((f) => f.rule).join(',')}]`,
          });
        }
      }
    }
  }
  return out;
}

/**
 * Every answer set the chart can produce, walking it from the start: each prefix (incomplete,
 * the modal is still asking) and each complete path (a verdict).
 */
export function allChartAnswerSets(): { answers: ChartAnswers; complete: boolean }[] {
  const out: { answers: ChartAnswers; complete: boolean }[] = [];
  const walk = (question: QuestionId, answers: ChartAnswers): void => {
    out.push({ answers, complete: false });
    for (const option of QUESTIONS[question].options) {
      const next = { ...answers, [question]: option.value };
      if ('verdict' in option.next) out.push({ answers: next, complete: true });
      else walk(option.next.question, next);
    }
  };
  walk(START_QUESTION, {});
  return out;
}

/** Deployment / request type variants, including a request type of the other deployment. */
export function requestTypeVariants(): { deployment?: Deployment; requestType?: RequestType }[] {
  return [
    {},
    { deployment: 'self_managed' },
    { deployment: 'saas' },
    ...REQUEST_TYPES.map((requestType) => ({ deployment: requestType.deployment, requestType })),
    { deployment: 'saas', requestType: REQUEST_TYPES.find((t) => t.deployment === 'self_managed') },
    { requestType: REQUEST_TYPES[0] },
  ];
}

/** Every decision the chart can reach, with and without an expiration date and each request type. */
export function allDecisions(): StarDecision[] {
  const decisions: StarDecision[] = [];
  const dates: (string | undefined)[] = [undefined, ...Object.values(EXPIRATION_DATES)];
  for (const { answers, complete } of allChartAnswerSets()) {
    if (!complete) continue;
    for (const expirationDate of dates) {
      for (const variant of requestTypeVariants()) {
        const decision = decideStar({ ticketUrl: TICKET_URL, answers, expirationDate, ...variant }, NOW);
        if (decision) decisions.push(decision);
      }
    }
  }
  return decisions;
}
