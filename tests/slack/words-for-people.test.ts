/**
 * Issue 8, point 12: what people read (verdicts, forms, channel notices) has no internal rule
 * names, adapter names or shell commands, and never says "expired" of a date in the future.
 */
import { checkEmergencyScope } from '../../src/policy/emergency-scope';
import { summarizeScope } from '../../src/policy/emergency-request';
import { buildLicenseNotice } from '../../src/slack/messages/license-notice';
import { buildStarAuditMessage } from '../../src/slack/messages/star-audit';
import { buildEmergencyLicenseModal, buildOutOfScopeView } from '../../src/slack/views/emergency-license-modal';
import { buildStarVerdictView } from '../../src/slack/views/star-verdict';
import {
  allDecisions,
  allScopeCombinations,
  emergencyRequest,
  ENGINEER,
  LICENSING_CHANNEL,
  NOW,
  record,
  STATUSES,
} from './support/fixtures';

const INTERNAL =
  /\b(saas|no_paid_plan|prospect|grace_not_ended|grace_ended_too_long_ago)\b(?=[,)])|_too_long_|no_paid_plan|gitlab-issue|adapter|npm run|`[a-z-]+ [a-z-]+`/;
const text = (value: unknown) => JSON.stringify(value);

describe('no internal names or commands', () => {
  test.each(STATUSES)('license notice (%s)', (status) => {
    const scope = checkEmergencyScope(
      { deployment: 'self_managed', paidPlan: false, prospect: true, expirationDate: '2025-04-01' },
      NOW,
    );
    const notice = buildLicenseNotice(record({ status, scopeSummary: summarizeScope(scope), adapter: 'gitlab-issue' }));
    expect(text(notice)).not.toMatch(INTERNAL);
  });

  test('every verdict and its audit message', () => {
    for (const decision of allDecisions()) {
      expect(
        text(buildStarVerdictView(decision, { timeZone: 'UTC', licensingChannel: LICENSING_CHANNEL })),
      ).not.toMatch(INTERNAL);
      expect(text(buildStarAuditMessage(decision, ENGINEER))).not.toMatch(INTERNAL);
    }
  });

  test('every out-of-scope view', () => {
    for (const { request, scope } of allScopeCombinations()) {
      expect(text(buildOutOfScopeView(request, scope, { canOverride: false, timeZone: 'UTC' }))).not.toMatch(INTERNAL);
    }
  });
});

describe('"expired" is never said of a future date', () => {
  test('an out-of-scope request whose license expires next month', () => {
    const request = emergencyRequest({ expirationDate: '2025-07-20' });
    const scope = checkEmergencyScope(request, NOW);
    const shown = text(buildOutOfScopeView(request, scope, { canOverride: true, timeZone: 'UTC' }));
    expect(shown).not.toMatch(/(?<!not )expired(?! yet)/i); // "has not expired yet" is right
    expect(shown).toContain('License expiration date:* 2025-07-20');
  });

  test('the notice of a request for a license that had not expired', () => {
    expect(text(buildLicenseNotice(record({ licenseExpiresOn: '2025-07-20', status: 'refused' })))).not.toMatch(
      /expired/i,
    );
  });
});

describe('the emergency form', () => {
  const form = text(buildEmergencyLicenseModal({}));
  test('asks for the Maximum users figure of the License (Subscription) page and says why', () => {
    expect(form).toContain('Maximum users (License / Subscription page)');
    expect(form).toMatch(/refuses to activate a license whose user count is below the instance's maximum users/);
    expect(form).not.toMatch(/User count \(from the Dashboard/);
  });

  test('says the workflow applies even after a Sales-generated temporary extension', () => {
    expect(form).toMatch(/applies even if the customer already had a Sales-generated temporary extension/);
  });
});
