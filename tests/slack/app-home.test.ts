import { DateTime } from 'luxon';
import { LICENSE_NEEDS_LR_PATTERN, LICENSE_RESOLVED_PATTERN } from '../../src/slack/messages/license-lifecycle-ids';
import { buildAppHome, OPEN_STAR_CHECK_ACTION } from '../../src/slack/views/app-home';
import {
  DASHBOARD_CAPS,
  type AppHomeDashboard,
  type DashboardLicense,
  type DashboardRequest,
  type DashboardStarCheck,
} from '../../src/workflows/app-home-dashboard';
import { allTexts, checkView, mrkdwnTexts, unbalancedAngles, unknownControlSequences } from '../../testkit/block-kit';
import { LICENSING_CHANNEL, long, longEmail, record } from './support/fixtures';

type Obj = Record<string, any>;
const NOW = DateTime.fromISO('2026-11-29T12:00:00Z', { zone: 'utc' });
const HOSTILE = '<!channel> @here <https://evil.example|x>';
const texts = (view: unknown) =>
  allTexts(view)
    .map((t) => t.text)
    .join('\n');
const elements = (view: { blocks: Obj[] }) =>
  view.blocks.filter((b) => b.type === 'actions').flatMap((b) => b.elements as Obj[]);

const license = (n: number, over: Partial<DashboardLicense> = {}): DashboardLicense => ({
  id: `req-${n}`,
  ticketUrl: `https://gitlab.zendesk.com/agent/tickets/${500 + n}`,
  email: `customer${n}@example.com`,
  userCount: 100 + n,
  requestedBySlackId: 'U0ENGINEER',
  status: 'generated',
  trialExpiresOn: '2026-12-01',
  ...over,
});
const request = (n: number, over: Partial<DashboardRequest> = {}): DashboardRequest => ({
  ...record({ id: `own-${n}`, createdAt: '2026-11-21T10:00:00.000Z' }),
  ...over,
});
const check = (n: number, verdict = 'no_need_for_star'): DashboardStarCheck => ({
  id: `c${n}`,
  ticketUrl: `https://gitlab.zendesk.com/agent/tickets/${900 + n}`,
  verdict,
  createdAt: '2026-11-28T09:00:00.000Z',
});
const dashboard = (over: Partial<AppHomeDashboard> = {}): AppHomeDashboard => ({
  now: NOW,
  openLicenses: [],
  recentRequests: [],
  recentStarChecks: [],
  ...over,
});

describe('buildAppHome dashboard', () => {
  test('the one-argument call is the empty dashboard: commands, the emergency button and what to do', () => {
    const view = buildAppHome(LICENSING_CHANNEL);
    expect(checkView(view)).toEqual([]);
    expect(texts(view)).toContain('/star-check');
    expect(texts(view)).toContain('Nothing open, and no requests or STAR checks of yours yet');
    expect(elements(view).map((e) => e.action_id)).toEqual(['open_emergency_license']);
    expect(buildAppHome(LICENSING_CHANNEL, dashboard())).toEqual(view);
  });

  test('writes no "<…>" that Slack would read as a link (e.g. a usage placeholder): it is &lt; &gt;', () => {
    const view = buildAppHome(LICENSING_CHANNEL, dashboard({ starCheckButton: true }));
    const links = mrkdwnTexts(view).flatMap(({ path, text }) =>
      unknownControlSequences(text).map((token) => `${path}: ${token}`),
    );
    expect(links).toEqual([]);
    expect(texts(view)).toContain('/license-status &lt;ticket or email&gt;');
  });

  test("open licenses show the time left, the lapse in each reader's zone and per-request buttons", () => {
    const view = buildAppHome(
      LICENSING_CHANNEL,
      dashboard({
        openLicenses: [license(1), license(2, { trialExpiresOn: '2026-11-30', needsLrBySlackId: 'U0ASKER' })],
      }),
    );
    expect(checkView(view)).toEqual([]);
    const all = texts(view);
    expect(all).toContain('*1 day 12 hours left*');
    expect(all).toContain('*12 hours left*');
    expect(all).toContain(
      `<!date^${DateTime.fromISO('2026-12-01T00:00:00Z').toSeconds()}^{date_short_pretty} {time}|Tue 1 Dec 2026 ` +
        `00:00 UTC>`,
    );
    expect(all).toContain('L&R asked for help by <@U0ASKER>');
    expect(all).not.toContain('Nothing open');
    // soonest lapse first; after "Needs L&R" only "Resolved" remains
    expect(elements(view).map((e) => [e.action_id, e.value])).toEqual([
      ['open_emergency_license', '{}'],
      ['license_resolved:0', 'req-2'],
      ['license_resolved:1', 'req-1'],
      ['license_needs_lr:1', 'req-1'],
    ]);
    const ids = elements(view).map((e) => e.action_id as string);
    expect(ids.filter((id) => LICENSE_RESOLVED_PATTERN.test(id))).toHaveLength(2);
    expect(ids.filter((id) => LICENSE_NEEDS_LR_PATTERN.test(id))).toHaveLength(1);
  });

  test.each<[string, Partial<DashboardLicense>]>([
    ['resolved', { resolvedAt: '2026-11-28T00:00:00Z' }],
    ['refused', { status: 'refused' }],
    ['failed', { status: 'failed' }],
    ['pending', { status: 'pending', trialExpiresOn: undefined }],
  ])('a %s request is never listed as open', (_label, over) => {
    const view = buildAppHome(LICENSING_CHANNEL, dashboard({ openLicenses: [license(1, over)] }));
    expect(elements(view).map((e) => e.action_id)).toEqual(['open_emergency_license']);
    expect(texts(view)).toContain('Nothing open');
  });

  test('own requests and STAR checks, with their state and verdict', () => {
    const view = buildAppHome(
      LICENSING_CHANNEL,
      dashboard({
        recentRequests: [
          request(1, { status: 'generated', trialExpiresOn: '2026-12-01', resolvedAt: '2026-11-28T00:00:00Z' }),
          request(2, { status: 'refused' }),
        ],
        recentStarChecks: [check(1), check(2, 'ok_to_star'), check(3, 'retired')],
        starCheckButton: true,
      }),
    );
    expect(checkView(view)).toEqual([]);
    const all = texts(view);
    expect(all).toContain('Your recent license requests');
    expect(all).toContain(':white_check_mark: Resolved · <https://gitlab.zendesk.com/agent/tickets/123456>');
    expect(all).toContain(':no_entry: Refused');
    expect(all).toContain(':no_entry_sign: No need for STAR · <https://gitlab.zendesk.com/agent/tickets/901>');
    expect(all).toContain('Ok to STAR');
    expect(all).toContain(':grey_question: retired');
    expect(elements(view).map((e) => e.action_id)).toEqual(['open_emergency_license', OPEN_STAR_CHECK_ACTION]);
  });

  test('a full dashboard with hostile, oversized data stays within every limit', () => {
    const many = Array.from({ length: 60 }, (_, i) =>
      license(i, {
        id: `${long(300)}-${i}`,
        email: `${HOSTILE}${longEmail(300)}`,
        requestedBySlackId: HOSTILE,
        needsLrBySlackId: i % 2 ? HOSTILE : undefined,
        userCount: 2_000_000_000,
      }),
    );
    const view = buildAppHome(
      '<!channel>',
      dashboard({
        openLicenses: [...many, many[0]],
        recentRequests: Array.from({ length: 40 }, (_, i) => request(i, { email: `${HOSTILE}${longEmail(300)}` })),
        recentStarChecks: Array.from({ length: 40 }, (_, i) => check(i, i % 3 ? HOSTILE : 'ok_to_star')),
        starCheckButton: true,
      }),
    );
    expect(checkView(view)).toEqual([]);
    expect(mrkdwnTexts(view).filter(({ text }) => unbalancedAngles(text))).toEqual([]);
    expect(texts(view)).not.toContain('<!channel>');
    expect(texts(view)).toContain(`…and ${60 - DASHBOARD_CAPS.openLicenses} more.`);
  });
});
