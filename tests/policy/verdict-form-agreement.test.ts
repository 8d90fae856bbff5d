import { DateTime } from 'luxon';
import { validateEmergencyForm } from '../../src/policy/emergency-request';
import { findRequestType } from '../../src/policy/playbook';
import { decideStar } from '../../src/policy/star-decision';
import type { ChartAnswers } from '../../src/policy/star-flowchart';
import { type LicenseKind } from '../../src/policy/time';
import { verdictGuidance } from '../../src/policy/verdict-guidance';

/**
 * The verdict and the form read the same facts the same way (SPEC: "Never send a manager into a
 * form that will refuse the same facts"), at the instants where "today" changes: 00:00 UTC at the
 * start and past the end of the window, seen from the engineer's zone, on days when that zone
 * changes its clocks, and around a leap day. E is today's UTC date whatever zone `now` is held in.
 */

const ZONES = ['UTC', 'America/New_York', 'Europe/London', 'Pacific/Kiritimati', 'Pacific/Pago_Pago'];
const utc = (iso: string) => DateTime.fromISO(iso, { zone: 'utc' });

const FORM = {
  ticket: '123',
  deployment: 'self_managed',
  paidPlan: 'yes',
  prospect: 'no',
  screenshots: ['dashboard', 'license_page'],
  userCount: '250',
  email: 'admin@customer.example',
  username: 'jdoe',
};

const ANSWERS: Record<LicenseKind, ChartAnswers> = {
  paid: { kind: 'plan_license', trial: 'no' },
  temporary: { kind: 'plan_license', trial: 'yes', salesAssisted: 'yes' },
};

/** [what, D, kind, instant (UTC), in scope per the SPEC formula]. */
const CASES: Array<[string, string, LicenseKind, string, boolean]> = [
  // US clocks spring forward on Sun 10 Mar 2024: G = D + 14 = 10 Mar.
  ['paid, 1 ms before G (US DST day)', '2024-02-25', 'paid', '2024-03-09T23:59:59.999Z', false],
  ['paid, at G (US DST day)', '2024-02-25', 'paid', '2024-03-10T00:00:00.000Z', true],
  ['paid, last instant of G + 3', '2024-02-25', 'paid', '2024-03-13T23:59:59.999Z', true],
  ['paid, G + 4', '2024-02-25', 'paid', '2024-03-14T00:00:00.000Z', false],
  // UK clocks spring forward on Sun 31 Mar 2024.
  ['paid, at G (UK DST day)', '2024-03-17', 'paid', '2024-03-31T00:00:00.000Z', true],
  // G is a leap day.
  ['paid, G = 29 Feb', '2024-02-15', 'paid', '2024-02-29T12:00:00.000Z', true],
  ['paid, 1 Mar is G + 1', '2024-02-15', 'paid', '2024-03-01T00:00:00.000Z', true],
  ['paid, 4 Mar is G + 4', '2024-02-15', 'paid', '2024-03-04T00:00:00.000Z', false],
  // A temporary extension expiring on a leap day: G = D.
  ['temporary, 1 ms before D = 29 Feb', '2024-02-29', 'temporary', '2024-02-28T23:59:59.999Z', false],
  ['temporary, at D = 29 Feb', '2024-02-29', 'temporary', '2024-02-29T00:00:00.000Z', true],
  ['temporary, last instant of D + 3', '2024-02-29', 'temporary', '2024-03-03T23:59:59.999Z', true],
  ['temporary, D + 4', '2024-02-29', 'temporary', '2024-03-04T00:00:00.000Z', false],
];

describe.each(ZONES)('now held in %s', (zone) => {
  test.each(CASES)('%s', (_what, expirationDate, licenseKind, instant, inScope) => {
    const now = utc(instant).setZone(zone);
    const form = validateEmergencyForm({ ...FORM, expirationDate, licenseKind }, 'https://gitlab.zendesk.com', now);
    if (!form.ok) throw new Error(JSON.stringify(form.errors));
    expect(form.scope.inScope).toBe(inScope);

    const decision = decideStar(
      {
        ticketUrl: 'https://gitlab.zendesk.com/agent/tickets/123',
        answers: ANSWERS[licenseKind],
        expirationDate,
        deployment: 'self_managed',
        requestType: findRequestType('sm_trial_license'),
      },
      now,
    );
    if (!decision) throw new Error('the chart needs an answer');
    const { emergency } = verdictGuidance(decision);
    if (inScope) {
      // In scope is always a valid STAR, and the verdict offers the form that will accept it.
      expect(decision.verdict.id).toBe('ok_to_star');
      expect(emergency).toMatchObject({ kind: 'offer', scope: 'in_scope', licenseKind });
    } else {
      // Out of the window, the verdict never presents the form as in scope.
      expect(emergency).not.toMatchObject({ scope: 'in_scope' });
    }
  });
});
