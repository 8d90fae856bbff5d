import { DateTime } from 'luxon';
import { developmentKeyWarning } from '../../src/licenses/signing-key';
import { lateness } from '../../src/policy/license-lifecycle';
import { findRequestType } from '../../src/policy/playbook';
import { decideStar } from '../../src/policy/star-decision';
import { computeStarDigest, digestPeriodEnding } from '../../src/policy/star-digest';
import { buildLicenseNotice } from '../../src/slack/messages/license-notice';
import { buildLicenseReminder, type ReminderInput } from '../../src/slack/messages/license-reminder';
import { buildLapsedLine } from '../../src/slack/messages/license-thread-lines';
import { buildStarAuditMessage } from '../../src/slack/messages/star-audit';
import { buildStarDigestMessage } from '../../src/slack/messages/star-digest';
import { allTexts, checkMessage } from '../../testkit/block-kit';
import { record, TICKET_URL } from './support/fixtures';

/** Issue 17: the words people read at the policy's edges (points 4, 5, 6 and 9). */

const utc = (iso: string) => DateTime.fromISO(iso, { zone: 'utc' });
const texts = (payload: unknown) =>
  allTexts(payload)
    .map((t) => t.text)
    .join('\n');
type Obj = Record<string, any>;
const buttons = (message: { blocks: Obj[] }) =>
  message.blocks
    .filter((b) => b.type === 'actions')
    .flatMap((b) => (b.elements as Obj[]).map((e) => e.text.text as string));

describe('4. at the lapse: the paid features stop, nothing is "locked again"', () => {
  const LAPSE = utc('2025-06-24T00:00:00Z');
  it('the thread line', () => {
    const line = texts(buildLapsedLine({ lapseAt: LAPSE, lateness: lateness(LAPSE, LAPSE), lrUserGroupId: 'S0LR' }));
    expect(line).not.toMatch(/\blocked\b/i);
    expect(line).toContain("the trial's paid features have stopped working until a real license is uploaded");
    expect(line).toContain('Pushes are not blocked');
  });

  it('the notice updated at the lapse', () => {
    const notice = buildLicenseNotice(record({ status: 'generated' }), {
      resolution: { lapsedAt: '2025-06-24T00:00:00.000Z' },
    });
    const all = texts(notice);
    expect(all).toContain('Trial lapsed, unresolved');
    expect(all).not.toMatch(/\blocked\b/i);
    expect(all).toContain('paid features have stopped working until a real license is uploaded');
  });
});

describe('5. the reminder: L&R in the thread, the requester informed with the same buttons', () => {
  const LAPSE = utc('2026-12-01T00:00:00Z');
  const DUE = utc('2026-11-29T00:00:00Z');
  const input = (audience: ReminderInput['audience']): ReminderInput => ({
    request: {
      id: 'req-1',
      ticketUrl: TICKET_URL,
      email: 'jane@example.com',
      userCount: 10,
      requestedBySlackId: 'U0ENG',
    },
    lapseAt: LAPSE,
    dueAt: DUE,
    lateness: lateness(DUE, DUE),
    audience,
    lrUserGroupId: 'S0LRTEAM',
  });

  it('the channel copy (in the request thread) mentions LR_TEAM_USERGROUP and asks for a real license', () => {
    const message = buildLicenseReminder(input('channel'));
    expect(checkMessage(message)).toEqual([]);
    const all = texts(message);
    expect(all).toContain('<!subteam^S0LRTEAM>');
    expect(all).toMatch(/a real license must be on its way now \(the L&R team owns every non-trial license\)/);
    expect(buttons(message)).toEqual(['Resolved', 'Needs L&R']);
  });

  it('the DM to the requester is information, with the same buttons, and no group mention', () => {
    const message = buildLicenseReminder(input('requester'));
    const all = texts(message);
    expect(all).toMatch(/For your information: the emergency trial license you requested lapses/);
    expect(all).toMatch(/The L&R team owns the renewal/);
    expect(all).not.toContain('<!subteam^');
    expect(buttons(message)).toEqual(['Resolved', 'Needs L&R']);
  });
});

describe('6. the audit of a weekday verdict never says "Weekend emergency: in scope"', () => {
  const decide = (now: string) =>
    decideStar(
      {
        ticketUrl: TICKET_URL,
        answers: { kind: 'plan_license', trial: 'no' },
        expirationDate: '2024-05-19', // grace ends Sun 2 Jun 2024
        deployment: 'self_managed',
        requestType: findRequestType('sm_trial_license'),
      },
      utc(now),
    )!;

  it.each<[string, string, RegExp, RegExp | undefined]>([
    ['Sunday', '2024-06-02T10:00:00Z', /Weekend emergency:\* in scope/, /weekday/],
    [
      'Monday',
      '2024-06-03T10:00:00Z',
      /It is a weekday \(UTC\): the verdict says to ask the L&R team here first/,
      /Weekend emergency/,
    ],
    ['Wednesday', '2024-06-05T10:00:00Z', /It is a weekday \(UTC\)/, /Weekend emergency/],
    [
      'Saturday 22:00',
      '2024-06-01T22:00:00Z',
      /applies from Sun 2 Jun 2024 00:00 UTC \(when the grace period ends\)\. A manager may override the time window\./,
      /Not a weekend emergency/,
    ],
  ])('%s', (_label, now, says, never) => {
    const all = texts(buildStarAuditMessage(decide(now), 'U0MANAGER'));
    expect(all).toMatch(says);
    if (never) expect(all).not.toMatch(never);
  });
});

describe('8. a posted verdict states absolute times, counted from the check, never "ago"', () => {
  it('the audit of a verdict', () => {
    const decision = decideStar(
      {
        ticketUrl: TICKET_URL,
        answers: { kind: 'plan_license', trial: 'no' },
        expirationDate: '2024-05-01', // grace ended Sat 15 May 2024: 4 days before the check
        deployment: 'self_managed',
        requestType: findRequestType('sm_trial_license'),
      },
      utc('2024-06-19T10:00:00Z'),
    )!;
    const all = texts(buildStarAuditMessage(decision, 'U0MANAGER'));
    expect(all).not.toMatch(/\bago\b|\bin \d/);
    expect(all).toMatch(/Grace period end: <!date\^\d+\^[^>]*> \(\d+ days( \d+ hours)? before the check\)/);
  });
});

describe('1. the notice says which kind of license the window was counted from', () => {
  it('a temporary extension', () => {
    const all = texts(buildLicenseNotice(record({ status: 'pending', licenseKind: 'temporary' })));
    expect(all).toContain('(a Sales-generated temporary extension: no grace period)');
    expect(texts(buildLicenseNotice(record({ status: 'pending' })))).not.toContain('temporary extension');
  });
});

describe('9. words that stay true', () => {
  it('a notice read after the trial expiry says "expired on"', () => {
    const generated = record({ status: 'generated', trialExpiresOn: '2025-06-24' });
    expect(texts(buildLicenseNotice(generated, { now: utc('2025-06-20T00:00:00Z') }))).toContain(
      'Trial license expires on 2025-06-24',
    );
    const later = texts(buildLicenseNotice(generated, { now: utc('2025-07-03T00:00:00Z') }));
    expect(later).toContain('Trial license expired on 2025-06-24');
    expect(later).not.toContain('expires on 2025-06-24');
  });

  it("the digest's overflow line names no shell command", () => {
    const period = digestPeriodEnding(utc('2026-11-30T09:00:00Z'));
    const entries = Array.from({ length: 2000 }, (_, i) => ({
      id: `d${i}`,
      ticketUrl: `https://gitlab.zendesk.com/agent/tickets/${1000 + i}`,
      decidedBySlackId: 'U0MANAGER',
      verdict: 'no_need_for_star',
      createdAt: utc('2026-11-24T00:00:00Z').plus({ minutes: i }).toISO()!,
    }));
    const all = texts(buildStarDigestMessage(computeStarDigest(entries, period)));
    expect(all).toMatch(/…and \d+ more/);
    expect(all).not.toMatch(/npm|`/);
  });

  it('the development-key warning is one line naming LICENSE_SIGNING_KEY_PATH', () => {
    const warning = developmentKeyWarning('/data/dev-license-key.pem', true);
    expect(warning).not.toContain('\n');
    expect(warning).not.toContain('!!!');
    expect(warning).toContain('LICENSE_SIGNING_KEY_PATH');
    expect(warning).toContain('/data/dev-license-key.pem');
  });
});
