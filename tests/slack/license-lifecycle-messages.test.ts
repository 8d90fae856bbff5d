import { DateTime } from 'luxon';
import { lateness } from '../../src/policy/license-lifecycle';
import { computeStarDigest, digestPeriodEnding, type StarDecisionEntry } from '../../src/policy/star-digest';
import {
  LICENSE_NEEDS_LR_ACTION,
  LICENSE_NEEDS_LR_PATTERN,
  LICENSE_RESOLVED_ACTION,
  LICENSE_RESOLVED_PATTERN,
  rowActionId,
} from '../../src/slack/messages/license-lifecycle-ids';
import {
  buildLicenseReminder,
  licenseReminderKey,
  type ReminderInput,
} from '../../src/slack/messages/license-reminder';
import { buildLapsedLine, buildNeedsLrLine, buildResolvedLine } from '../../src/slack/messages/license-thread-lines';
import { buildStarDigestMessage } from '../../src/slack/messages/star-digest';
import { mentionUserGroup } from '../../src/slack/mrkdwn';
import { allTexts, checkMessage, mrkdwnTexts, unbalancedAngles } from '../../testkit/block-kit';
import { long, longEmail, TICKET_URL } from './support/fixtures';

const utc = (iso: string) => DateTime.fromISO(iso, { zone: 'utc' });
const LAPSE = utc('2026-12-01T00:00:00Z');
const DUE = utc('2026-11-29T00:00:00Z');
const REQUEST = {
  id: 'req-0001',
  ticketUrl: TICKET_URL,
  email: 'jane@example.com',
  userCount: 1250,
  requestedBySlackId: 'U0ENGINEER',
};
const HOSTILE = '<!channel> @here <https://evil.example|x> &amp;';

const reminder = (over: Partial<ReminderInput> = {}): ReminderInput => ({
  request: REQUEST,
  lapseAt: LAPSE,
  dueAt: DUE,
  lateness: lateness(DUE, DUE),
  audience: 'channel',
  ...over,
});

type Obj = Record<string, any>;
const texts = (payload: unknown) =>
  allTexts(payload)
    .map((t) => t.text)
    .join('\n');
const buttons = (message: { blocks: Obj[] }) =>
  message.blocks.filter((b) => b.type === 'actions').flatMap((b) => b.elements as Obj[]);
const broken = (payload: unknown) => mrkdwnTexts(payload).filter(({ text }) => unbalancedAngles(text));

describe('buildLicenseReminder', () => {
  const epoch = LAPSE.toSeconds();

  test("shows ticket, email, user count, the lapse in each reader's zone and both buttons", () => {
    const message = buildLicenseReminder(reminder());
    expect(checkMessage(message)).toEqual([]);
    const all = texts(message);
    expect(all).toContain(`<${TICKET_URL}>`);
    expect(all).toContain('jane@example.com');
    expect(all).toContain('1,250');
    expect(all).toContain(`<!date^${epoch}^{date_short_pretty} {time}|Tue 1 Dec 2026 00:00 UTC>`);
    expect(all).toContain(`<!date^${epoch}^{ago}|`);
    expect(all).not.toMatch(/late/i);
    expect(buttons(message).map((b) => [b.text.text, b.action_id, b.value])).toEqual([
      ['Resolved', 'license_resolved', 'req-0001'],
      ['Needs L&R', 'license_needs_lr', 'req-0001'],
    ]);
  });

  test('a late reminder says by how much and when it was due', () => {
    const message = buildLicenseReminder(reminder({ lateness: lateness(DUE, utc('2026-11-29T09:00:00Z')) }));
    expect(checkMessage(message)).toEqual([]);
    expect(texts(message)).toContain('late by 9 hours');
    expect(texts(message)).toContain(`<!date^${DUE.toSeconds()}^`);
    expect(message.text).toContain('late by 9 hours');
  });

  test('the DM to the engineer says it is their license', () => {
    expect(texts(buildLicenseReminder(reminder({ audience: 'requester' })))).toContain('you requested');
  });

  test('after "Needs L&R" only "Resolved" stays, with who asked', () => {
    const message = buildLicenseReminder(
      reminder({ needsLr: { bySlackId: 'U0ASKER', at: utc('2026-11-29T08:00:00Z') } }),
    );
    expect(checkMessage(message)).toEqual([]);
    expect(buttons(message).map((b) => b.action_id)).toEqual([LICENSE_RESOLVED_ACTION]);
    expect(texts(message)).toContain('<@U0ASKER>');
  });

  test('once resolved: "Resolved", who and when, no buttons', () => {
    const message = buildLicenseReminder(
      reminder({ resolved: { bySlackId: 'U0RESOLVER', at: utc('2026-11-29T10:00:00Z') } }),
    );
    expect(checkMessage(message)).toEqual([]);
    expect(buttons(message)).toEqual([]);
    expect(texts(message)).toContain('*Resolved*');
    expect(texts(message)).toContain('<@U0RESOLVER>');
    expect(message.text).toContain('resolved');
  });

  test('once lapsed: "Trial lapsed, unresolved", buttons kept (a late resolution is still recorded)', () => {
    const message = buildLicenseReminder(reminder({ lapsed: true }));
    expect(texts(message)).toContain('Trial lapsed, unresolved');
    expect(buttons(message).map((b) => b.action_id)).toEqual([LICENSE_RESOLVED_ACTION, LICENSE_NEEDS_LR_ACTION]);
  });

  test('hostile and oversized inputs stay inert and within the limits', () => {
    const message = buildLicenseReminder(
      reminder({
        request: {
          ...REQUEST,
          id: long(3000),
          email: `${HOSTILE}${longEmail(400)}`,
          userCount: 2_000_000_000,
          requestedBySlackId: HOSTILE,
        },
        needsLr: { bySlackId: HOSTILE, at: DUE },
        lateness: lateness(DUE, utc('2027-06-01T00:00:00Z')),
      }),
    );
    expect(checkMessage(message)).toEqual([]);
    expect(broken(message)).toEqual([]);
    expect(texts(message)).not.toContain('<!channel>');
    expect(texts(message)).not.toContain('<https://evil');
  });

  test('has a stable outbox key per request', () => {
    expect(licenseReminderKey(REQUEST)).toBe('license-reminder:req-0001');
  });
});

describe('thread lines', () => {
  const at = utc('2026-11-29T10:00:00Z');

  test.each<[string, ReturnType<typeof buildResolvedLine>, string[], string[]]>([
    [
      'resolved',
      buildResolvedLine({ bySlackId: 'U0RESOLVER', at }),
      ['*Resolved*', '<@U0RESOLVER>', `<!date^${at.toSeconds()}^`],
      ['subteam'],
    ],
    [
      'needs L&R with the group',
      buildNeedsLrLine({ bySlackId: 'U0ASKER', at, lapseAt: LAPSE, lrUserGroupId: 'S0LRTEAM' }),
      ['<!subteam^S0LRTEAM>', '*Needs L&R*', '<@U0ASKER>', `<!date^${LAPSE.toSeconds()}^`],
      [],
    ],
    [
      'needs L&R without a group',
      buildNeedsLrLine({ bySlackId: 'U0ASKER', at, lapseAt: LAPSE }),
      ['*Needs L&R*'],
      ['subteam'],
    ],
    [
      'lapsed with the group',
      buildLapsedLine({ lapseAt: LAPSE, lateness: lateness(LAPSE, LAPSE), lrUserGroupId: 'S0LRTEAM' }),
      ['<!subteam^S0LRTEAM>', 'Trial lapsed, unresolved'],
      ['late by'],
    ],
    [
      'lapsed, noticed late',
      buildLapsedLine({ lapseAt: LAPSE, lateness: lateness(LAPSE, utc('2026-12-01T05:00:00Z')) }),
      ['Trial lapsed, unresolved', 'late by 5 hours'],
      ['subteam'],
    ],
    [
      'a group ID that is not one stays inert',
      buildNeedsLrLine({ bySlackId: 'U0ASKER', at, lapseAt: LAPSE, lrUserGroupId: '!channel>' }),
      ['!channel&gt;'],
      ['<!channel>', 'subteam'],
    ],
  ])('%s', (_label, message, present, absent) => {
    expect(checkMessage(message)).toEqual([]);
    expect(broken(message)).toEqual([]);
    const all = texts(message);
    for (const text of present) expect(all).toContain(text);
    for (const text of absent) expect(all).not.toContain(text);
  });

  test.each<[string, string]>([
    ['S0LRTEAM', '<!subteam^S0LRTEAM>'],
    ['s0lrteam', 's0lrteam'],
    ['<!here>', '&lt;!here&gt;'],
  ])('mentionUserGroup(%j)', (id, expected) => {
    expect(mentionUserGroup(id)).toBe(expected);
  });
});

describe('action IDs', () => {
  test.each<[string, boolean, boolean]>([
    ['license_resolved', true, false],
    ['license_needs_lr', false, true],
    [rowActionId(LICENSE_RESOLVED_ACTION, 3), true, false],
    [rowActionId(LICENSE_NEEDS_LR_ACTION, 12), false, true],
    ['license_resolved:req-1', false, false],
    ['license_resolved_x', false, false],
    ['retry_license', false, false],
  ])('%s', (id, resolved, needsLr) => {
    expect(LICENSE_RESOLVED_PATTERN.test(id)).toBe(resolved);
    expect(LICENSE_NEEDS_LR_PATTERN.test(id)).toBe(needsLr);
  });
});

describe('buildStarDigestMessage', () => {
  const period = digestPeriodEnding(utc('2026-11-30T09:00:00Z'));
  const entry = (n: number, verdict: string, by = 'U0MANAGER'): StarDecisionEntry => ({
    id: `d${n}`,
    ticketUrl: `https://gitlab.zendesk.com/agent/tickets/${1000 + n}`,
    decidedBySlackId: by,
    verdict,
    createdAt: utc('2026-11-24T00:00:00Z').plus({ minutes: n }).toISO()!,
  });

  test('a seeded week: counts by outcome and each ticket to label with its link and decider', () => {
    const digest = computeStarDigest(
      [
        entry(1, 'no_need_for_star', 'U0ALICE'),
        entry(2, 'ok_to_star'),
        entry(3, 'no_need_for_star', 'U0BOB'),
        entry(4, 'deflect_with_docs'),
      ],
      period,
    );
    const message = buildStarDigestMessage(digest);
    expect(checkMessage(message)).toEqual([]);
    const all = texts(message);
    expect(all).toContain('Weekly STAR digest');
    expect(all).toContain('*Ok to STAR*: 1');
    expect(all).toContain('*No need for STAR*: 2');
    expect(all).toContain('*Not yet: Sales must intervene first*: 0');
    expect(all).toContain('*Deflect with the docs (no STAR)*: 1');
    expect(all).toContain('To label: 2 "No need for STAR" tickets');
    expect(all).toContain('• <https://gitlab.zendesk.com/agent/tickets/1001>: decided by <@U0ALICE>');
    expect(all).toContain('• <https://gitlab.zendesk.com/agent/tickets/1003>: decided by <@U0BOB>');
    expect(all).toContain(`<!date^${period.start.toSeconds()}^`);
    expect(all).toContain(`<!date^${period.end.toSeconds()}^`);
    expect(message.text).toBe('Weekly STAR digest: 4 checks, 2 "No need for STAR" ticket(s) to label');
  });

  test('an empty week says there is nothing to label', () => {
    const message = buildStarDigestMessage(computeStarDigest([], period));
    expect(checkMessage(message)).toEqual([]);
    expect(texts(message)).toContain('No "No need for STAR" tickets to label');
  });

  test('a huge week stays within the limits, cuts no link and says how many more there are', () => {
    const entries = Array.from({ length: 2000 }, (_, i) =>
      entry(i, i % 7 === 0 ? 'retired' : 'no_need_for_star', HOSTILE),
    );
    const digest = computeStarDigest(entries, period);
    const message = buildStarDigestMessage(digest);
    expect(checkMessage(message)).toEqual([]);
    expect(broken(message)).toEqual([]);
    const listed = (texts(message).match(/^• /gm) ?? []).length;
    const more = /…and (\d+) more/.exec(texts(message));
    expect(more).not.toBeNull();
    expect(listed + Number(more?.[1])).toBe(digest.toLabel.length);
    expect(texts(message)).toContain('*retired* (no longer in the chart)');
    expect(texts(message)).not.toContain('<!channel>');
  });
});
