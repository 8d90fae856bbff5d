import { DateTime } from 'luxon';
import type { EmergencyRequest, RawEmergencyForm } from '../../policy/emergency-request';
import {
  LICENSE_KIND_OPTIONS,
  LICENSE_KIND_QUESTION,
  MAX_USER_COUNT,
  OVERRIDE_JUSTIFICATION,
  SCREENSHOTS,
  type ScreenshotId,
} from '../../policy/emergency-request';
import type { ScopeDecision } from '../../policy/emergency-scope';
import { DEPLOYMENT_LABELS, type Deployment } from '../../policy/playbook';
import { describeExpiryFacts, expiryWords, LICENSE_KINDS } from '../../policy/time';
import { TRIAL_DAYS } from '../../licenses/types';
import type { LicenseRequestRecord } from '../../store/types';
import type { EmergencyFormMetadata } from '../forms/emergency-form';
import { isPlainUrl, mismatchWarning, RETRY_LICENSE_ACTION } from '../messages/license-notice';
import { readerDateOfIso } from '../messages/reader-date';
import { escapeMrkdwn, link, mentionChannel, mentionUser } from '../mrkdwn';
import { ticketLookupBlocks, type TicketLookup } from '../zendesk-ticket';
import {
  actions,
  type KnownBlock,
  button,
  checkboxes,
  context,
  datePicker,
  emailInput,
  input,
  modal,
  preformatted,
  radioButtons,
  section,
  textInput,
  type ModalView,
} from './blocks';
import {
  EMERGENCY_BLOCKS as B,
  EMERGENCY_CALLBACKS,
  emergencyAction as a,
  JUSTIFICATION_ACTION,
  JUSTIFICATION_BLOCK,
} from './emergency-license-ids';
import { TICKET_MAX_LENGTH } from './star-check-modal';

const TITLE = 'Emergency license';
const yesNo = (yes: string, no: string) => [
  { value: 'yes', label: yes },
  { value: 'no', label: no },
];

function requestSummary(request: EmergencyRequest): string {
  return [
    `*Ticket:* ${link(request.ticketUrl)}`,
    `*Customer:* ${DEPLOYMENT_LABELS[request.deployment]}, ${request.paidPlan ? 'paid plan' : 'no paid plan'}` +
      `${request.prospect ? ', prospect' : ''}`,
    `*License expiration date:* ${request.expirationDate} (${LICENSE_KIND_OPTIONS[request.licenseKind].label})`,
    `*Trial license:* ${TRIAL_DAYS}-day Ultimate, ${request.userCount.toLocaleString('en-US')} users, for ` +
      `${escapeMrkdwn(request.email)}`,
    `*Requested by (GitLab):* ${escapeMrkdwn(request.username)}`,
  ].join('\n');
}

/**
 * The form of the weekend emergency license workflow, prefilled with what is already known. With a
 * Zendesk lookup, what the ticket says is shown below the ticket field (the questions stay the same).
 */
export function buildEmergencyLicenseModal(
  prefill: RawEmergencyForm,
  metadata: { channelId?: string } = {},
  lookup?: TicketLookup,
): ModalView {
  const blocks: KnownBlock[] = [
    context(
      `Weekend emergency: a *${TRIAL_DAYS}-day Ultimate trial license* for a *Self-Managed* customer with a ` +
        `*paid plan* whose grace period (14 days after expiration) ended within the last 3 days (calendar ` +
        `days, UTC). It applies even if the customer already had a Sales-generated temporary extension: such a ` +
        `trial-type license has no grace period, so the window counts from its expiration date. On a weekday ` +
        `(UTC) ask the L&R team in the licensing channel first. Nothing is generated until every check passes.`,
    ),
    input(
      {
        blockId: B.ticket,
        // No host: the Zendesk host is configured (ZENDESK_BASE_URL), and a wrong entry's error shows it.
        label: 'Zendesk ticket (URL or number)',
      },
      textInput(a('ticket'), { initial: prefill.ticket, maxLength: TICKET_MAX_LENGTH, placeholder: 'e.g. 123456' }),
    ),
    ...ticketLookupBlocks(lookup),
    input(
      {
        blockId: B.deployment,
        label: 'Where does the customer run GitLab?',
        hint: 'SaaS (GitLab.com) emergencies follow the SaaS workflow instead.',
      },
      radioButtons(
        a('deployment'),
        (Object.keys(DEPLOYMENT_LABELS) as Deployment[]).map((d) => ({ value: d, label: DEPLOYMENT_LABELS[d] })),
        prefill.deployment,
      ),
    ),
    input(
      {
        blockId: B.paid_plan,
        label: 'Does the organization have a paid plan?',
        hint:
          'Answer for the organization, not for the license on the instance: a sales-assisted trial or a ' +
          'temporary extension often bridges the renewal of a paying customer.',
      },
      radioButtons(a('paid_plan'), yesNo('Yes, a paid subscription', 'No (free or no subscription)'), prefill.paidPlan),
    ),
    input(
      { blockId: B.prospect, label: 'Is the requester a prospect (not yet a customer)?' },
      radioButtons(a('prospect'), yesNo('Yes, a prospect', 'No, an existing customer'), prefill.prospect),
    ),
    input(
      {
        blockId: B.expiration_date,
        label: 'License expiration date',
        hint:
          'As shown on the License (Subscription) screenshot: the license now on the instance, even if it ' +
          'was a Sales-generated temporary extension (the workflow still applies).',
      },
      datePicker(a('expiration_date'), prefill.expirationDate, 'Pick the expiration date'),
    ),
    input(
      {
        blockId: B.license_kind,
        label: LICENSE_KIND_QUESTION,
        hint:
          'The License (Subscription) page shows it. A paid license keeps working for a 14-day grace period ' +
          'after its expiration date; a temporary extension or temporary license from Sales is a trial-type ' +
          'license with none, so its expiration date is when the paid features stopped.',
      },
      radioButtons(
        a('license_kind'),
        LICENSE_KINDS.map((kind) => ({ value: kind, ...LICENSE_KIND_OPTIONS[kind] })),
        prefill.licenseKind,
      ),
    ),
    input(
      {
        blockId: B.screenshots,
        label: 'Screenshots attached to the ticket',
        hint: 'Both are required before a license is generated: ask the customer for any that is missing.',
      },
      checkboxes(
        a('screenshots'),
        (Object.keys(SCREENSHOTS) as ScreenshotId[]).map((id) => ({ value: id, label: SCREENSHOTS[id] })),
        prefill.screenshots,
      ),
    ),
    input(
      {
        blockId: B.user_count,
        label: 'Maximum users (License / Subscription page)',
        hint:
          `The “Maximum users” figure on the License (Subscription) page screenshot, as shown. GitLab ` +
          `refuses to activate a license whose user count is below the instance's maximum users in the ` +
          `current license term (it allows about 10% over), so the current-user count is not enough. A whole ` +
          `number from 1 to ${MAX_USER_COUNT.toLocaleString('en-US')}.`,
      },
      textInput(a('user_count'), { initial: prefill.userCount, maxLength: 9, placeholder: 'e.g. 250' }),
    ),
    input(
      {
        blockId: B.email,
        label: 'Email of the person who opened the ticket',
        hint:
          lookup?.kind === 'facts' && prefill.email
            ? "The license is for this address. Filled in from the ticket's requester: check it."
            : 'The license is for this address.',
      },
      emailInput(a('email'), prefill.email),
    ),
    input(
      { blockId: B.username, label: 'Your GitLab username', hint: 'Remembered for your next request.' },
      textInput(a('username'), { initial: prefill.username, maxLength: 255, placeholder: 'e.g. jdoe' }),
    ),
  ];
  return modal({
    callbackId: EMERGENCY_CALLBACKS.form,
    title: TITLE,
    submit: 'Generate license',
    close: 'Cancel',
    blocks,
    privateMetadata: JSON.stringify(metadata),
  });
}

/** Out of scope: which rule failed, what to do instead, and (for managers) the override. */
export function buildOutOfScopeView(
  request: EmergencyRequest,
  scope: ScopeDecision,
  opts: { canOverride: boolean; overrideBlockedReason?: string; timeZone: string; channelId?: string },
): ModalView {
  const blocks: KnownBlock[] = [
    section(
      ':no_entry: *Out of scope: no license was generated.* This refusal goes to the licensing channel.',
      'refusal',
    ),
    ...scope.failures.map((failure, i) =>
      section(`*${escapeMrkdwn(failure.reason)}*\nWhat to do instead: ${escapeMrkdwn(failure.whatToDo)}`, `rule_${i}`),
    ),
    context(...describeExpiryFacts(scope.facts, opts.timeZone).map((f) => `:calendar: ${f.text}`)),
    section(requestSummary(request), 'summary'),
  ];
  if (opts.canOverride) {
    blocks.push(
      input(
        {
          blockId: JUSTIFICATION_BLOCK,
          label: 'Manager override: why must this customer get a license anyway?',
          hint: 'Only if you are sure. The override and this justification are flagged in the licensing channel.',
        },
        textInput(JUSTIFICATION_ACTION, {
          maxLength: OVERRIDE_JUSTIFICATION.max,
          minLength: OVERRIDE_JUSTIFICATION.min,
          multiline: true,
        }),
      ),
    );
  } else if (opts.overrideBlockedReason) {
    blocks.push(context(`Override: ${opts.overrideBlockedReason}`));
  }
  // Only a hint travels with the modal: the request's facts stay on the server (open_requests).
  const metadata: EmergencyFormMetadata = { channelId: opts.channelId };
  return modal({
    callbackId: opts.canOverride ? EMERGENCY_CALLBACKS.override : EMERGENCY_CALLBACKS.refused,
    title: 'Out of scope',
    ...(opts.canOverride ? { submit: 'Override and generate' } : {}),
    close: 'Close',
    blocks,
    privateMetadata: JSON.stringify(metadata),
  });
}

/** A recent license exists for the same ticket, email and user count: ask before a second one. */
export function buildReissueConfirmView(
  request: EmergencyRequest,
  existing: LicenseRequestRecord[],
  metadata: EmergencyFormMetadata,
): ModalView {
  const lines = existing
    .slice(0, 5)
    .map(
      (r) =>
        `• ${r.status} on ${readerDateOfIso(r.createdAt)} by ${mentionUser(r.requestedBySlackId)}: ` +
        `${link(r.ticketUrl)}, ${r.userCount.toLocaleString('en-US')} users, ${escapeMrkdwn(r.email)}` +
        `${r.status === 'generated' ? `, ${expiryWords(r.trialExpiresOn, DateTime.utc())}` : ''}`,
    );
  return modal({
    callbackId: EMERGENCY_CALLBACKS.reissue,
    title: 'Already requested',
    submit: 'Re-issue anyway',
    close: 'Cancel',
    blocks: [
      section(
        `:warning: *A license for this ticket or this email was already requested in the last ${TRIAL_DAYS} ` +
          `days.* If the customer says the email never arrived, use \`/license-status\` to get that license ` +
          `again instead.`,
        'duplicate',
      ),
      section(lines.join('\n'), 'existing'),
      section(requestSummary(request), 'summary'),
      context(
        'Submit only if a second license is really needed: it is flagged as a re-issue in the licensing channel.',
      ),
    ],
    privateMetadata: JSON.stringify(metadata),
  });
}

/** What the engineer sees while and after the adapter runs. */
export function buildLicenseStatusView(
  record: LicenseRequestRecord,
  licensingChannel: string,
  licenseWarning?: string,
): ModalView {
  // "expires on" before the trial's expiry date, "expired on" from then on.
  const expiry = record.status === 'generated' ? expiryWords(record.trialExpiresOn, DateTime.utc()) : '';
  const summary =
    `*Ticket:* ${link(record.ticketUrl)}\n*Trial license:* ${TRIAL_DAYS}-day Ultimate, ` +
    `${record.userCount.toLocaleString('en-US')} users, for ${escapeMrkdwn(record.email)}`;
  const blocks: KnownBlock[] = [];
  if (record.status === 'pending') {
    blocks.push(
      section(
        record.issueUrl
          ? `:hourglass_flowing_sand: *Request sent.* The license is being generated: ` +
              `${isPlainUrl(record.issueUrl) ? link(record.issueUrl) : escapeMrkdwn(record.issueUrl)}. You will ` +
              `get a DM when it is ready.`
          : ':hourglass_flowing_sand: *Generating the trial license…* You will get it in a DM.',
        'status',
      ),
    );
  } else if (
    record.status === 'generated' &&
    record.delivery.status !== 'delivered' &&
    (record.delivery.error || record.delivery.status === 'failed')
  ) {
    // Delivery in Slack failed (it is retried): the license itself is the answer, so show it here.
    const retrying = record.delivery.status === 'pending' ? ' The bot keeps trying to send it.' : '';
    const mismatch = mismatchWarning(record);
    blocks.push(
      section(
        `:white_check_mark: *License generated, not delivered yet* (${expiry}). ` +
          `:warning: The file could not be sent in Slack (` +
          `${escapeMrkdwn(record.delivery.error ?? 'unknown error')}).${retrying}` +
          `${mismatch ? ` ${escapeMrkdwn(mismatch)}` : ''}`,
        'status',
      ),
    );
    if (record.licenseFile && record.licenseFile.length <= 2900) {
      blocks.push(
        section(
          'Save this as `license.gitlab-license`, attach it to the ticket and reply to the customer:',
          'license_hint',
        ),
      );
      blocks.push(preformatted(record.licenseFile, 'license_file'));
    } else if (record.issueUrl) {
      blocks.push(section(`The license copy is in ${link(record.issueUrl)}.`, 'license_hint'));
    }
  } else if (record.status === 'generated' && record.delivery.status === 'pending') {
    const mismatch = mismatchWarning(record);
    blocks.push(
      section(
        `:white_check_mark: *License generated, not delivered yet* (${expiry}). It is on ` +
          `its way to your DMs.${mismatch ? ` :warning: ${escapeMrkdwn(mismatch)}` : ''}`,
        'status',
      ),
    );
  } else if (record.status === 'generated' && record.issuedToMismatch) {
    blocks.push(
      section(
        `:white_check_mark: *License generated* (${expiry}). :warning: ` +
          `${escapeMrkdwn(mismatchWarning(record) ?? '')}`,
        'status',
      ),
    );
  } else if (record.status === 'generated') {
    blocks.push(
      section(
        `:white_check_mark: *License generated* (${expiry}). ` +
          `${record.licenseFile ? 'The `.gitlab-license` file is in your DMs' : 'Where to find it is in your DMs'}` +
          `: attach it to the ticket and reply to the customer.`,
        'status',
      ),
    );
  } else if (record.status === 'failed') {
    blocks.push(
      section(`:x: *The license could not be generated.* Reason: ${escapeMrkdwn(record.failureReason)}`, 'status'),
      actions('license_actions', button('Retry', RETRY_LICENSE_ACTION, record.id, 'primary')),
    );
  } else {
    blocks.push(section(`:no_entry: *Refused.* ${escapeMrkdwn(record.refusalReason)}`, 'status'));
  }
  if (licenseWarning && record.status === 'generated')
    blocks.push(section(`:warning: *${escapeMrkdwn(licenseWarning)}*`, 'license_warning'));
  blocks.push(
    section(summary, 'summary'),
    context(`The notice goes to ${mentionChannel(licensingChannel)} · request ${record.id}`),
  );
  return modal({ callbackId: EMERGENCY_CALLBACKS.status, title: TITLE, close: 'Close', blocks });
}

/** Shown instead of the form to someone who may not request licenses. */
export function buildNotAllowedView(reason: string): ModalView {
  return modal({
    callbackId: EMERGENCY_CALLBACKS.refused,
    title: TITLE,
    close: 'Close',
    blocks: [section(`:no_entry: ${reason}`, 'not_allowed')],
  });
}
