import type { LicenseRequestRecord } from '../../../src/store';

/**
 * Requests as schema version 3 stored them (one `reason`, one `reference`), in SQL both backends
 * accept, and the records migration 4 must turn them into.
 */
const T = '2025-03-01T10:00:00.000Z';
const row = (
  id: string,
  adapter: string,
  status: string,
  reason: string | null,
  reference: string | null,
  trial: string | null,
  delivery: string,
) =>
  `('${id}', 'key-${id}', 'https://t/${id}', 'jane@example.com', 250, 'U1', 'jdoe', '2025-03-02', 'in scope', '` +
  `${adapter}', '${status}', ` +
  (`${reason === null ? 'NULL' : `'${reason}'`}, ${reference === null ? 'NULL' : `'${reference}'`}, ` +
    `${trial === null ? 'NULL' : `'${trial}'`}, 0, '${delivery}', '${T}', '${T}')`);

export const LEGACY_REQUESTS_SQL =
  `INSERT INTO license_requests (id, idempotency_key, ticket_url, email, ` +
  `user_count, requested_by_slack_id,
  requested_by_username, license_expires_on, scope_summary, adapter, status, reason, reference, ` +
  `trial_expires_on, attempts,
  delivery_status, created_at, updated_at) VALUES
  ` +
  `${row('g1', 'gitlab-issue', 'generated', 'The license was created for john@example.com (25 users), not jane@example.com (250 users): check the request issue.', 'https://gitlab.example.com/g/p/-/issues/1', '2025-03-11', 'pending')}` +
  `,
  ${row('g2', 'local', 'generated', null, '/data/licenses/g2.gitlab-license', '2025-03-11', 'none')},
  ` +
  `${row('f1', 'gitlab-issue', 'failed', 'Mechanizer reported a failure', 'https://gitlab.example.com/g/p/-/issues/3', null, 'none')}` +
  `,
  ${row('r1', 'local', 'refused', 'Prospects are out of scope.', null, null, 'none')},
  ${row('p1', 'gitlab-issue', 'pending', null, 'https://gitlab.example.com/g/p/-/issues/2', null, 'none')}`;

const base = (id: string, adapter: 'local' | 'gitlab-issue') => ({
  id,
  idempotencyKey: `key-${id}`,
  ticketUrl: `https://t/${id}`,
  email: 'jane@example.com',
  userCount: 250,
  requestedBySlackId: 'U1',
  requestedByUsername: 'jdoe',
  licenseExpiresOn: '2025-03-02',
  // Migration 7: requests stored before the form asked were checked as paid licenses.
  licenseKind: 'paid' as const,
  scopeSummary: 'in scope',
  adapter,
  attempts: 0,
  createdAt: T,
  updatedAt: T,
});

export const MIGRATED_REQUESTS: LicenseRequestRecord[] = [
  {
    ...base('g1', 'gitlab-issue'),
    status: 'generated',
    trialExpiresOn: '2025-03-11',
    issueUrl: 'https://gitlab.example.com/g/p/-/issues/1',
    issuedToMismatch: { email: 'john@example.com', userCount: 25 },
    delivery: { status: 'pending', attempts: 0 },
  },
  {
    ...base('g2', 'local'),
    status: 'generated',
    trialExpiresOn: '2025-03-11',
    licensePath: '/data/licenses/g2.gitlab-license',
    delivery: { status: 'delivered', attempts: 0 },
  },
  {
    ...base('f1', 'gitlab-issue'),
    status: 'failed',
    failureReason: 'Mechanizer reported a failure',
    issueUrl: 'https://gitlab.example.com/g/p/-/issues/3',
  },
  { ...base('r1', 'local'), status: 'refused', refusalReason: 'Prospects are out of scope.' },
  { ...base('p1', 'gitlab-issue'), status: 'pending', issueUrl: 'https://gitlab.example.com/g/p/-/issues/2' },
];
