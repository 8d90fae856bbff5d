import type { DateTime } from 'luxon';
import { lifecycleEligibility, msUntilLapse, trialLapseAt } from '../../policy/license-lifecycle';
import { VERDICTS, type VerdictId } from '../../policy/star-flowchart';
import { formatRelative } from '../../policy/time';
import type { LicenseRequestRecord } from '../../store/types';
import {
  DASHBOARD_CAPS,
  type AppHomeDashboard,
  type DashboardLicense,
  type DashboardRequest,
  type DashboardStarCheck,
} from '../../workflows/app-home-dashboard';
import { LICENSE_NEEDS_LR_ACTION, LICENSE_RESOLVED_ACTION, rowActionId } from '../messages/license-lifecycle-ids';
import { readerDate, readerDateOfIso } from '../messages/reader-date';
import { COMMANDS } from '../surface';
import { escapeMrkdwn, link, mentionChannel, mentionUser } from '../mrkdwn';
import { actions, type KnownBlock, button, context, divider, header, section, type HomeView } from './blocks';
import { OPEN_EMERGENCY_LICENSE_ACTION } from './star-check-ids';

/** Opens the /star-check modal from App Home (a button cannot run a slash command). */
export const OPEN_STAR_CHECK_ACTION = 'open_star_check';

const STATUS_EMOJI: Record<LicenseRequestRecord['status'], string> = {
  pending: ':hourglass_flowing_sand: Pending',
  generated: ':white_check_mark: Generated',
  failed: ':x: Failed',
  refused: ':no_entry: Refused',
};

function openLicenseBlocks(license: DashboardLicense, row: number, now: DateTime): KnownBlock[] {
  const expiresOn = license.trialExpiresOn as string;
  const left = msUntilLapse(expiresOn, now);
  const timeLeft = left > 0 ? `*${formatRelative(left).replace(/^in /, '')} left*` : `*lapsed ${formatRelative(left)}*`;
  const lines = [
    `:alarm_clock: ${link(license.ticketUrl)}: ${timeLeft} (${left > 0 ? 'lapses' : 'lapsed'} ` +
      `${readerDate(trialLapseAt(expiresOn))})`,
    `${escapeMrkdwn(license.email)} · ${license.userCount.toLocaleString('en-US')} users · requested by ` +
      `${mentionUser(license.requestedBySlackId)}`,
  ];
  if (license.needsLrBySlackId) lines.push(`:sos: L&R asked for help by ${mentionUser(license.needsLrBySlackId)}`);
  const buttons = [button('Resolved', rowActionId(LICENSE_RESOLVED_ACTION, row), license.id, 'primary')];
  if (!license.needsLrBySlackId)
    buttons.push(button('Needs L&R', rowActionId(LICENSE_NEEDS_LR_ACTION, row), license.id));
  return [section(lines.join('\n')), actions(`open_license:${row}`, ...buttons)];
}

function requestBlock(request: DashboardRequest): KnownBlock {
  const state =
    request.status === 'generated' && request.resolvedAt ? ':white_check_mark: Resolved' : STATUS_EMOJI[request.status];
  return section(
    `${state} · ${link(request.ticketUrl)} · ${request.userCount.toLocaleString('en-US')} users, ` +
      `${escapeMrkdwn(request.email)} · ${readerDateOfIso(request.createdAt)}`,
  );
}

function starCheckBlock(check: DashboardStarCheck): KnownBlock {
  const verdict = Object.prototype.hasOwnProperty.call(VERDICTS, check.verdict)
    ? VERDICTS[check.verdict as VerdictId]
    : undefined;
  const label = verdict
    ? `${verdict.emoji} ${escapeMrkdwn(verdict.headline)}`
    : `:grey_question: ${escapeMrkdwn(check.verdict)}`;
  return section(`${label} · ${link(check.ticketUrl)} · ${readerDateOfIso(check.createdAt)}`);
}

function more(shown: number, total: number): KnownBlock[] {
  return total > shown ? [context(`…and ${total - shown} more.`)] : [];
}

/**
 * The App Home tab: a dashboard for the person who opens it. Open trials come first because they
 * have a deadline; then the viewer's own history; the flows can be started from the top. Without
 * data (or with nothing in it) it is the empty dashboard, which says how to start.
 */
export function buildAppHome(licensingChannel: string, dashboard?: AppHomeDashboard): HomeView {
  const startButtons = [button('Weekend emergency license', OPEN_EMERGENCY_LICENSE_ACTION, '{}', 'primary')];
  if (dashboard?.starCheckButton) startButtons.push(button('STAR check', OPEN_STAR_CHECK_ACTION, '{}'));
  const blocks: KnownBlock[] = [
    header('L&R on-call'),
    section(
      [
        `*${COMMANDS.starCheck} [ticket]*: walk the STAR validity flowchart for a starred plan/license ticket ` +
          `and get a verdict with the playbook's next steps.`,
        `*${COMMANDS.emergencyLicense} [ticket]*: weekend emergency: a 10-day Ultimate trial license for a ` +
          `Self-Managed customer whose grace period ended within the last 3 days.`,
        // `<…>` would be a link to Slack: the placeholder's angle brackets are escaped.
        `*${COMMANDS.licenseStatus} &lt;ticket or email&gt;*: what happened to a license request, and a copy ` +
          `of the license.`,
      ].join('\n'),
    ),
    actions('home_actions', ...startButtons),
  ];

  // Once per request (block IDs must be unique in a view), and only generated, unresolved trials.
  const open = [...new Map((dashboard?.openLicenses ?? []).map((license) => [license.id, license])).values()].filter(
    (license) => lifecycleEligibility(license).eligible,
  );
  const requests = dashboard?.recentRequests ?? [];
  const checks = dashboard?.recentStarChecks ?? [];

  if (dashboard && open.length > 0) {
    blocks.push(
      divider(),
      section(
        '*Open emergency licenses*: generated trials nobody has marked resolved yet. Press *Resolved* once the ' +
          'customer has a real license.',
      ),
    );
    const sorted = [...open].sort((a, b) => (a.trialExpiresOn as string).localeCompare(b.trialExpiresOn as string));
    sorted
      .slice(0, DASHBOARD_CAPS.openLicenses)
      .forEach((license, row) => blocks.push(...openLicenseBlocks(license, row, dashboard.now)));
    blocks.push(...more(DASHBOARD_CAPS.openLicenses, sorted.length));
  }
  if (requests.length > 0) {
    blocks.push(divider(), section('*Your recent license requests*'));
    requests.slice(0, DASHBOARD_CAPS.recentRequests).forEach((request) => blocks.push(requestBlock(request)));
  }
  if (checks.length > 0) {
    blocks.push(divider(), section('*Your recent STAR checks*'));
    checks.slice(0, DASHBOARD_CAPS.recentStarChecks).forEach((check) => blocks.push(starCheckBlock(check)));
  }
  if (open.length === 0 && requests.length === 0 && checks.length === 0) {
    blocks.push(
      divider(),
      section(
        `:sparkles: *Nothing open, and no requests or STAR checks of yours yet.* Type \`${COMMANDS.starCheck}\` ` +
          `with a ticket link when a starred L&R ticket comes in, or press *Weekend emergency license* when a ` +
          `Self-Managed customer is locked out on a weekend.`,
        'home_empty',
      ),
    );
  }
  blocks.push(
    divider(),
    context(
      `Every verdict and every license request is posted to ${mentionChannel(licensingChannel)} with its ticket.`,
    ),
  );
  return { type: 'home', blocks };
}

/**
 * App Home for someone who may not see requests (SPEC "Who sees what"): what the bot is and how to
 * get access; no request, no customer data, no buttons. `reason` is the authorizer's own text
 * (which groups to join), never user input.
 */
export function buildAppHomeWithoutAccess(licensingChannel: string, reason: string): HomeView {
  const blocks: KnownBlock[] = [
    header('L&R on-call'),
    section(
      'The *L&R on-call bot* helps GitLab Support on-call engineers with Licensing & Renewals emergencies: ' +
        `*${COMMANDS.starCheck}* walks a Support Manager through the STAR validity flowchart, and ` +
        `*${COMMANDS.emergencyLicense}* produces a weekend emergency trial license for a Self-Managed customer.`,
    ),
    divider(),
    section(`:lock: *How to get access.* ${reason}`, 'home_no_access'),
    context(`Verdicts and license requests are posted to ${mentionChannel(licensingChannel)}.`),
  ];
  return { type: 'home', blocks };
}
