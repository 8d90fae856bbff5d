import { QUESTIONS, VERDICTS, type QuestionId } from '../../src/policy/star-flowchart';
import { buildLicenseNotice } from '../../src/slack/messages/license-notice';
import { buildLicenseStatusMessage, buildLicenseStatusTicketMessage } from '../../src/slack/messages/license-status';
import { buildStarAuditMessage } from '../../src/slack/messages/star-audit';
import { buildAppHome } from '../../src/slack/views/app-home';
import {
  buildEmergencyLicenseModal,
  buildLicenseStatusView,
  buildNotAllowedView,
  buildOutOfScopeView,
  buildReissueConfirmView,
} from '../../src/slack/views/emergency-license-modal';
import { LIMITS } from '../../src/slack/views/blocks';
import { STAR_BLOCKS } from '../../src/slack/views/star-check-ids';
import { buildStarCheckModal } from '../../src/slack/views/star-check-modal';
import { buildStarVerdictView } from '../../src/slack/views/star-verdict';
import type { LicenseRequestRecord } from '../../src/store/types';
import { checkMessage, checkView, mrkdwnTexts, unbalancedAngles } from '../../testkit/block-kit';
import {
  allChartAnswerSets,
  allDecisions,
  allScopeCombinations,
  emergencyRequest,
  ENGINEER,
  EXPIRATION_DATES,
  LICENSING_CHANNEL,
  long,
  longEmail,
  NOW,
  record,
  requestTypeVariants,
  STATUSES,
  TIME_ZONES,
} from './support/fixtures';

/** Collects problems of many payloads so one failure lists every case at once. */
function problemsOf(cases: { label: string; problems: string[] }[]): string[] {
  return cases.flatMap(({ label, problems }) => problems.map((p) => `${label} :: ${p}`));
}

/** mrkdwn strings whose `<...>` sequences are not closed (a link or mention cut in half). */
function brokenControlSequences(payload: unknown): string[] {
  return mrkdwnTexts(payload)
    .filter(({ text }) => unbalancedAngles(text))
    .map(({ path, text }) => `${path}: unbalanced <...> in "${text.slice(0, 60)}…${text.slice(-60)}"`);
}

const HOSTILE =
  '<!channel> <!here> @everyone <https://evil.example|gitlab.zendesk.com> <@U123> &amp; "quoted" \\back\\slash';

// ---------------------------------------------------------------------------------------------
// The checker itself: a vacuous checker would make every test below pass.

describe('the Block Kit checker', () => {
  it('accepts a minimal valid modal and message', () => {
    expect(checkView({ type: 'modal', title: { type: 'plain_text', text: 'Hi' }, blocks: [] })).toEqual([]);
    expect(checkMessage({ text: 'hi', blocks: [{ type: 'section', text: { type: 'mrkdwn', text: 'hi' } }] })).toEqual(
      [],
    );
  });

  /** One character (or item) over a limit. */
  const over = (max: number) => long(max + 1);
  const items = <T>(max: number, item: (i: number) => T) => Array.from({ length: max + 1 }, (_, i) => item(i));
  /** "is N characters (max M)" for one over the limit M. */
  const tooLong = (max: number) => `is ${max + 1} characters \\(max ${max}\\)`;
  const re = (source: string) => new RegExp(source, 'm');

  it('reports every documented limit it enforces', () => {
    const t = (text: string) => ({ type: 'plain_text', text });
    const option = (value: string, text = value) => ({ text: t(text), value });
    const bad = {
      type: 'modal',
      title: t(over(LIMITS.viewTitle)),
      submit: t(over(LIMITS.viewButton)),
      close: t(over(LIMITS.viewButton)),
      private_metadata: over(LIMITS.privateMetadata),
      callback_id: over(LIMITS.callbackId),
      blocks: [
        { type: 'header', text: t(over(LIMITS.headerText)) },
        { type: 'header', text: { type: 'mrkdwn', text: 'x' } },
        { type: 'section', block_id: 'dup', text: { type: 'mrkdwn', text: over(LIMITS.sectionText) } },
        { type: 'section', block_id: 'dup', text: { type: 'mrkdwn', text: '' } },
        { type: 'section', block_id: over(LIMITS.blockId), text: { type: 'mrkdwn', text: 'x', emoji: true } },
        { type: 'context', elements: items(LIMITS.contextElements, () => ({ type: 'mrkdwn', text: 'x' })) },
        {
          type: 'actions',
          elements: [
            { type: 'button', action_id: 'a', text: t(over(LIMITS.buttonText)), value: over(LIMITS.buttonValue) },
            { type: 'button', action_id: 'a', text: t('ok'), value: 'v' },
            { type: 'button', action_id: over(LIMITS.actionId), text: t('ok'), value: 'v' },
          ],
        },
        { type: 'input', block_id: 'i1', element: { type: 'plain_text_input', action_id: 'in1' } },
        {
          type: 'input',
          block_id: 'i2',
          label: t(over(LIMITS.inputLabel)),
          element: { type: 'plain_text_input', action_id: 'in2', max_length: 5, min_length: 6, initial_value: long(6) },
        },
        {
          type: 'input',
          block_id: 'i3',
          label: t('r'),
          element: {
            type: 'radio_buttons',
            action_id: 'r',
            options: items(LIMITS.radioOptions, (i) => option(`v${i}`)),
          },
        },
        {
          type: 'input',
          block_id: 'i4',
          label: t('c'),
          element: {
            type: 'checkboxes',
            action_id: 'c',
            options: items(LIMITS.checkboxOptions, (i) => option(`v${i}`)),
          },
        },
        {
          type: 'input',
          block_id: 'i5',
          label: t('s'),
          element: {
            type: 'static_select',
            action_id: 's',
            options: [
              ...items(LIMITS.selectOptions, (i) => option(`v${i}`)),
              option(over(LIMITS.optionValue), over(LIMITS.optionText)),
            ],
            initial_option: option('nope'),
          },
        },
        {
          type: 'input',
          block_id: 'i6',
          label: t('d'),
          element: { type: 'datepicker', action_id: 'd', initial_date: '14/06/2025' },
        },
        { type: 'input', block_id: 'i7', label: t('x'), element: { type: 'file_input', action_id: 'f' } },
        { type: 'table' },
      ],
    };
    const problems = checkView(bad).join('\n');
    for (const expected of [
      re(`^title\\.text: text ${tooLong(LIMITS.viewTitle)}`),
      re(`^submit\\.text: text ${tooLong(LIMITS.viewButton)}`),
      re(`^close\\.text: text ${tooLong(LIMITS.viewButton)}`),
      re(`^private_metadata: private_metadata ${tooLong(LIMITS.privateMetadata)}`),
      re(`^callback_id: callback_id ${tooLong(LIMITS.callbackId)}`),
      re(`blocks\\[0\\]\\.text\\.text: text ${tooLong(LIMITS.headerText)}`),
      /blocks\[1\]\.text: must be a plain_text object/,
      re(`blocks\\[2\\]\\.text\\.text: text ${tooLong(LIMITS.sectionText)}`),
      /blocks\[3\]\.block_id: block_id "dup" also used/,
      /blocks\[3\]\.text\.text: text is empty/,
      re(`blocks\\[4\\]\\.block_id: block_id ${tooLong(LIMITS.blockId)}`),
      /blocks\[4\]\.text: "emoji" is only allowed on plain_text/,
      re(`blocks\\[5\\]\\.elements: ${LIMITS.contextElements + 1} elements \\(max ${LIMITS.contextElements}\\)`),
      re(`blocks\\[6\\]\\.elements\\[0\\]\\.text\\.text: text ${tooLong(LIMITS.buttonText)}`),
      re(`blocks\\[6\\]\\.elements\\[0\\]\\.value: button value ${tooLong(LIMITS.buttonValue)}`),
      /blocks\[6\]\.elements\[1\]\.action_id: action_id "a" repeated within its block/,
      re(`blocks\\[6\\]\\.elements\\[2\\]\\.action_id: action_id ${tooLong(LIMITS.actionId)}`),
      /blocks\[7\]\.label: missing text object/,
      /blocks\[7\]\.element: plain_text_input has no max_length/,
      re(`blocks\\[8\\]\\.label\\.text: text ${tooLong(LIMITS.inputLabel)}`),
      /blocks\[8\]\.element\.min_length: min_length 6 > max_length 5/,
      /blocks\[8\]\.element\.initial_value: initial_value is 6 characters \(max 5\)/,
      re(`blocks\\[9\\]\\.element\\.options: ${LIMITS.radioOptions + 1} options \\(max ${LIMITS.radioOptions}\\)`),
      re(
        `blocks\\[10\\]\\.element\\.options: ${LIMITS.checkboxOptions + 1} options \\(max ${LIMITS.checkboxOptions}\\)`,
      ),
      re(`blocks\\[11\\]\\.element\\.options: ${LIMITS.selectOptions + 2} options \\(max ${LIMITS.selectOptions}\\)`),
      re(
        `blocks\\[11\\]\\.element\\.options\\[${LIMITS.selectOptions + 1}\\]\\.text\\.text: text ` +
          `${tooLong(LIMITS.optionText)}`,
      ),
      re(
        `blocks\\[11\\]\\.element\\.options\\[${LIMITS.selectOptions + 1}\\]\\.value: option value ` +
          `${tooLong(LIMITS.optionValue)}`,
      ),
      /blocks\[11\]\.element\.initial_option: initial option is not one of the options/,
      /blocks\[12\]\.element\.initial_date: initial_date "14\/06\/2025" is not YYYY-MM-DD/,
      /blocks\[13\]\.element: element type "file_input" not allowed/,
      /blocks\[14\]: block type "table" not known/,
    ]) {
      expect(problems).toMatch(expected);
    }
  });

  it('accepts a rich_text block of preformatted text and reports one Slack would not render', () => {
    const view = (elements: unknown) => ({
      type: 'modal',
      title: { type: 'plain_text', text: 'x' },
      blocks: [{ type: 'rich_text', elements }],
    });
    const text = (value: string) => ({ type: 'text', text: value });
    expect(checkView(view([{ type: 'rich_text_preformatted', elements: [text('line 1\nline 2')] }]))).toEqual([]);
    expect(
      checkView(
        view([{ type: 'rich_text_list', style: 'bullet', elements: [{ type: 'rich_text_section', elements: [] }] }]),
      ),
    ).toEqual([]);
    expect(checkView(view([]))).toEqual(['blocks[0].elements: rich_text needs at least one element']);
    expect(checkView(view([{ type: 'section', elements: [text('x')] }]))).toEqual([
      'blocks[0].elements[0]: "section" not allowed in a rich_text block',
    ]);
    expect(checkView(view([{ type: 'rich_text_preformatted', elements: [{ type: 'mrkdwn', text: 'x' }] }]))).toEqual([
      'blocks[0].elements[0].elements[0]: not a rich text element',
    ]);
    expect(
      checkView(
        view([{ type: 'rich_text_list', style: 'dash', elements: [{ type: 'rich_text_quote', elements: [] }] }]),
      ),
    ).toEqual([
      'blocks[0].elements[0].style: a list is "bullet" or "ordered"',
      'blocks[0].elements[0].elements[0]: "rich_text_quote" not allowed in a rich_text_list',
    ]);
  });

  it('reports duplicate action_ids across blocks of a view, too many blocks, and inputs without submit', () => {
    const t = (text: string) => ({ type: 'plain_text', text });
    const view = {
      type: 'modal',
      title: t('x'),
      blocks: [
        { type: 'actions', elements: [{ type: 'button', action_id: 'same', text: t('a') }] },
        { type: 'actions', elements: [{ type: 'button', action_id: 'same', text: t('b') }] },
        { type: 'input', label: t('l'), element: { type: 'email_text_input', action_id: 'e' } },
        ...Array.from({ length: LIMITS.viewBlocks - 2 }, () => ({ type: 'divider' })),
      ],
    };
    const problems = checkView(view).join('\n');
    expect(problems).toMatch(/action_id "same" also used at blocks\[0\]/);
    expect(problems).toMatch(re(`^blocks: ${LIMITS.viewBlocks + 1} blocks \\(max ${LIMITS.viewBlocks}\\)`));
    expect(problems).toMatch(/^submit: a modal with input blocks needs a submit button/m);
    const message = { text: 'x', blocks: items(LIMITS.messageBlocks, () => ({ type: 'divider' })) };
    expect(checkMessage(message).join('\n')).toMatch(
      re(`blocks: ${LIMITS.messageBlocks + 1} blocks \\(max ${LIMITS.messageBlocks}\\)`),
    );
    expect(checkMessage({ blocks: [], text: '' }).join('\n')).toMatch(/fallback text missing/);
    expect(
      checkMessage({
        text: 'x',
        blocks: [{ type: 'input', label: t('l'), element: { type: 'email_text_input' } }],
      }).join('\n'),
    ).toMatch(/not allowed in messages/);
  });
});

// ---------------------------------------------------------------------------------------------
// /star-check

describe('buildStarCheckModal', () => {
  const dates: (string | undefined)[] = [undefined, ...Object.values(EXPIRATION_DATES)];
  const extras: { ticket?: string; notice?: string; timeZone: string; channelId?: string }[] = [
    { timeZone: 'UTC' },
    {
      ticket: long(5000, 'https://gitlab.zendesk.com/agent/tickets/1 '),
      notice: long(5000, HOSTILE),
      timeZone: 'Pacific/Chatham',
      channelId: 'C0123ABCD',
    },
    {
      ticket: '123456',
      notice: 'Answer the new question(s) below to reach a verdict.',
      timeZone: 'Not/AZone',
      channelId: 'D0123ABCD',
    },
  ];

  it('respects every limit for every answer combination, date, deployment and request type', () => {
    const cases: { label: string; problems: string[] }[] = [];
    for (const { answers } of allChartAnswerSets()) {
      for (const expirationDate of dates) {
        // Deployment and request type are only shown (and read) for plan/license tickets.
        for (const variant of answers.kind === 'plan_license'
          ? requestTypeVariants()
          : [{}, requestTypeVariants()[3]]) {
          for (const extra of extras) {
            const state = {
              answers,
              expirationDate,
              deployment: variant.deployment,
              requestType: variant.requestType?.id,
              ticket: extra.ticket,
              channelId: extra.channelId,
            };
            const view = buildStarCheckModal(state, () => NOW, extra.timeZone, extra.notice);
            cases.push({
              label:
                `answers=${JSON.stringify(answers)} date=${expirationDate} ${variant.deployment}/` +
                `${variant.requestType?.id}`,
              problems: [...checkView(view), ...brokenControlSequences(view)],
            });
          }
        }
      }
    }
    expect(cases.length).toBeGreaterThan(1000);
    expect(problemsOf(cases)).toEqual([]);
  });

  it('shows every chart question on some path (so every question block is covered above)', () => {
    const seen = new Set<string>();
    for (const { answers } of allChartAnswerSets()) {
      const view = buildStarCheckModal({ answers }, () => NOW);
      for (const block of view.blocks) if (typeof block.block_id === 'string') seen.add(block.block_id);
    }
    for (const id of Object.keys(QUESTIONS) as QuestionId[]) expect(seen).toContain(STAR_BLOCKS.question(id));
    expect(seen).toContain(STAR_BLOCKS.deployment);
    expect(seen).toContain(STAR_BLOCKS.requestType);
    expect(seen).toContain(STAR_BLOCKS.expirationDate);
  });
});

describe('buildStarVerdictView and buildStarAuditMessage', () => {
  const decisions = allDecisions();

  it('cover every verdict', () => {
    expect(new Set(decisions.map((d) => d.verdict.id))).toEqual(new Set(Object.keys(VERDICTS)));
    expect(new Set(decisions.map((d) => d.requestType?.id)).size).toBeGreaterThanOrEqual(8);
  });

  it('the verdict view respects every limit for every verdict x request type x expiry x time zone', () => {
    const cases = decisions.flatMap((decision) =>
      TIME_ZONES.map((timeZone) => {
        const view = buildStarVerdictView(decision, { timeZone, licensingChannel: LICENSING_CHANNEL });
        return {
          label: `${decision.verdict.id}/${decision.requestType?.id}/${decision.expiry?.expirationDate}/${timeZone}`,
          problems: [...checkView(view), ...brokenControlSequences(view)],
        };
      }),
    );
    expect(problemsOf(cases)).toEqual([]);
  });

  it('the audit message respects every message limit', () => {
    const cases = decisions.flatMap((decision) =>
      [ENGINEER, long(500, HOSTILE)].map((decidedBy) => {
        const message = buildStarAuditMessage(decision, decidedBy);
        return {
          label:
            `${decision.verdict.id}/${decision.requestType?.id}/${decision.expiry?.expirationDate}/` +
            `${decidedBy.length}`,
          problems: [...checkMessage(message), ...brokenControlSequences(message)],
        };
      }),
    );
    expect(problemsOf(cases)).toEqual([]);
  });
});

// ---------------------------------------------------------------------------------------------
// Emergency license modals

describe('buildEmergencyLicenseModal', () => {
  it('empty', () => {
    expect(checkView(buildEmergencyLicenseModal({}))).toEqual([]);
    expect(checkView(buildEmergencyLicenseModal({}, { channelId: 'C0123ABCD' }))).toEqual([]);
  });

  it('fully prefilled with maximum-length (and longer) inputs', () => {
    const prefills = [
      {
        ticket: long(200, '9'),
        deployment: 'self_managed',
        paidPlan: 'yes',
        licenseKind: 'paid',
        prospect: 'no',
        expirationDate: EXPIRATION_DATES.graceEndedWithinWindow,
        screenshots: ['dashboard', 'license_page'],
        userCount: '1000000',
        email: longEmail(254),
        username: long(255, 'u'),
      },
      {
        ticket: long(10_000, HOSTILE),
        deployment: 'saas',
        paidPlan: 'no',
        prospect: 'yes',
        expirationDate: '2025-02-28',
        screenshots: ['dashboard', 'license_page', 'not_a_screenshot'],
        userCount: long(100, '9'),
        email: longEmail(254),
        username: long(10_000, 'u'),
      },
      // Values that are not among the options must not become an initial_option Slack rejects.
      { deployment: 'moon', paidPlan: 'maybe', prospect: '', screenshots: ['nope'] },
    ];
    const cases = prefills.map((prefill, i) => ({
      label: `prefill ${i}`,
      problems: checkView(buildEmergencyLicenseModal(prefill, { channelId: 'C0123ABCD' })),
    }));
    expect(problemsOf(cases)).toEqual([]);
  });
});

describe('buildOutOfScopeView', () => {
  const combos = allScopeCombinations();

  it('covers every scope rule', () => {
    expect(new Set(combos.flatMap((c) => c.scope.failures.map((f) => f.rule)))).toEqual(
      new Set(['saas', 'no_paid_plan', 'prospect', 'grace_not_ended', 'grace_ended_too_long_ago']),
    );
  });

  it('respects every limit for all failure combinations, with and without the override', () => {
    const blocked = [
      undefined,
      'not possible for SaaS: a Self-Managed license does nothing on GitLab.com.',
      `Only members of ${Array.from({ length: 5 }, (_, i) => `<!subteam^S0${i}ABCDEF>`).join(', ')} may ` +
        `override the emergency scope check.`,
    ];
    const cases: { label: string; problems: string[] }[] = [];
    for (const { request, scope, label } of combos) {
      for (const canOverride of [true, false]) {
        for (const overrideBlockedReason of blocked) {
          for (const timeZone of TIME_ZONES) {
            for (const big of [false, true]) {
              const req = big
                ? { ...request, email: longEmail(254), username: long(255, 'u'), userCount: 1_000_000 }
                : request;
              const view = buildOutOfScopeView(req, scope, {
                canOverride,
                overrideBlockedReason,
                timeZone,
                channelId: 'C0123ABCD',
              });
              cases.push({
                label:
                  `${label} override=${canOverride} blocked=${Boolean(overrideBlockedReason)} ${timeZone} ` +
                  `big=${big}`,
                problems: [...checkView(view), ...brokenControlSequences(view)],
              });
            }
          }
        }
      }
    }
    expect(problemsOf(cases)).toEqual([]);
  });
});

describe('buildReissueConfirmView', () => {
  const duplicates = (n: number): LicenseRequestRecord[] =>
    Array.from({ length: n }, (_, i) =>
      record({
        id: `id-${i}`,
        status: i % 2 ? 'generated' : 'pending',
        trialExpiresOn: i % 2 ? '2025-06-24' : undefined,
        createdAt: `2025-06-${String(5 + (i % 9)).padStart(2, '0')}T10:00:00.000Z`,
      }),
    );

  it('respects every limit with 1, 5 and many duplicates, for the largest request a form can produce', () => {
    // The justification no longer travels in the metadata: it stays on the server (open_requests).
    const request = emergencyRequest({ email: longEmail(254), username: long(255, 'u'), userCount: 1_000_000 });
    const cases: { label: string; problems: string[] }[] = [];
    for (const n of [1, 5, 6, 50]) {
      const view = buildReissueConfirmView(request, duplicates(n), { channelId: 'C0123ABCD' });
      cases.push({ label: `${n} duplicates`, problems: [...checkView(view), ...brokenControlSequences(view)] });
    }
    expect(problemsOf(cases)).toEqual([]);
  });
});

describe('buildLicenseStatusView', () => {
  it('respects every limit for every status, reference and a long reason', () => {
    const cases: { label: string; problems: string[] }[] = [];
    for (const status of STATUSES) {
      for (const reference of [
        undefined,
        'https://gitlab.example.com/licensing/requests/-/issues/42',
        '/data/licenses/abc.gitlab-license',
      ]) {
        for (const reason of [undefined, '', 'Could not create the GitLab issue: HTTP 500', long(10_000, HOSTILE)]) {
          for (const licenseFile of [undefined, long(4000, 'L')]) {
            const r = record({
              status,
              reference,
              reason,
              licenseFile,
              trialExpiresOn: status === 'generated' ? '2025-06-24' : undefined,
              email: longEmail(254),
              userCount: 1_000_000,
            });
            const view = buildLicenseStatusView(r, LICENSING_CHANNEL);
            cases.push({ label: `${status} ref=${reference} reason=${reason?.length}`, problems: checkView(view) });
          }
        }
      }
    }
    expect(problemsOf(cases)).toEqual([]);
  });
});

describe('buildLicenseStatusView when the DM failed', () => {
  it('shows the license file to copy in a view Slack accepts, up to the longest file it shows', () => {
    const cases = [1, 1800, 2900].flatMap((length) =>
      (['pending', 'failed'] as const).map((deliveryStatus) => {
        const view = buildLicenseStatusView(
          record({
            status: 'generated',
            licenseFile: long(length, 'L'),
            delivery: { status: deliveryStatus, attempts: 3, error: 'cannot_dm_bot' },
          }),
          LICENSING_CHANNEL,
        );
        expect(JSON.stringify(view)).toContain(long(length, 'L'));
        return { label: `${deliveryStatus} file=${length}`, problems: checkView(view) };
      }),
    );
    expect(problemsOf(cases)).toEqual([]);
  });
});

describe('buildNotAllowedView', () => {
  it('respects every limit for the authorization reasons and a long reason', () => {
    const reasons = [
      'Nobody may request emergency licenses yet: an admin must list the allowed Slack user groups in ' +
        'LICENSE_REQUESTER_USERGROUPS (or set AUTHORIZATION_MODE=open in a trial workspace).',
      'Only members of <!subteam^S0123ABCD>, <!subteam^S0456EFGH> may request emergency licenses. Ask your ' +
        'manager to add you to that user group.',
      'This request can no longer be overridden. Start again with /emergency-license.',
      long(10_000, 'reason '),
    ];
    expect(
      problemsOf(
        reasons.map((reason, i) => ({ label: `reason ${i}`, problems: checkView(buildNotAllowedView(reason)) })),
      ),
    ).toEqual([]);
  });
});

// ---------------------------------------------------------------------------------------------
// Messages

describe('buildLicenseNotice', () => {
  it('respects every message limit for every status, override, long emails and retries', () => {
    const cases: { label: string; problems: string[] }[] = [];
    for (const status of STATUSES) {
      for (const overrideJustification of [
        undefined,
        long(1000, 'Customer production is down and the renewal is stuck. '),
      ]) {
        for (const email of ['jane@example.com', longEmail(254)]) {
          for (const reference of [
            undefined,
            'https://gitlab.example.com/licensing/requests/-/issues/42',
            '/data/licenses/x.gitlab-license',
          ]) {
            for (const attempts of [0, 3]) {
              const r = record({
                status,
                overrideJustification,
                email,
                reference,
                attempts,
                requestedByUsername: long(255, 'u'),
                reason: status === 'failed' || status === 'refused' ? long(500, 'Reason text. ') : undefined,
                trialExpiresOn: status === 'generated' ? '2025-06-24' : undefined,
                userCount: 1_000_000,
                scopeSummary:
                  'Out of scope (no_paid_plan, prospect, grace_ended_too_long_ago): grace period ended 2 months ' +
                  '3 days ago (Re-issue confirmed by the requester.)',
              });
              const message = buildLicenseNotice(r);
              cases.push({
                label:
                  `${status} override=${Boolean(overrideJustification)} email=${email.length} ref=` +
                  `${reference} attempts=${attempts}`,
                problems: [...checkMessage(message), ...brokenControlSequences(message)],
              });
            }
          }
        }
      }
    }
    expect(problemsOf(cases)).toEqual([]);
  });

  it('stays within the limits with an unbounded failure reason (e.g. an adapter error message)', () => {
    for (const reference of [
      '/data/licenses/x.gitlab-license',
      'https://gitlab.example.com/licensing/requests/-/issues/42',
    ]) {
      const r = record({
        status: 'failed',
        reason: long(20_000, 'The local license adapter failed: ENOSPC '),
        reference,
      });
      expect(checkMessage(buildLicenseNotice(r))).toEqual([]);
    }
  });
});

describe('buildLicenseStatusMessage', () => {
  const records = (n: number): LicenseRequestRecord[] =>
    Array.from({ length: n }, (_, i) =>
      record({
        id: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
        status: STATUSES[i % STATUSES.length],
        licenseFile: i % 8 === 1 ? 'LICENSE' : undefined,
        reference: i % 8 === 5 ? 'https://gitlab.example.com/licensing/requests/-/issues/7' : undefined,
        reason:
          STATUSES[i % STATUSES.length] === 'failed' || STATUSES[i % STATUSES.length] === 'refused'
            ? long(400, 'Reason. ')
            : undefined,
        trialExpiresOn: STATUSES[i % STATUSES.length] === 'generated' ? '2025-06-24' : undefined,
        email: longEmail(254),
        userCount: 1_000_000,
      }),
    );

  it.each([0, 1, 30])('respects every message limit with %i records', (n) => {
    for (const query of ['jane@example.com', 'https://gitlab.zendesk.com/agent/tickets/123456', long(4000, HOSTILE)]) {
      const message = buildLicenseStatusMessage(query, records(n));
      expect(checkMessage(message)).toEqual([]);
      expect(brokenControlSequences(message)).toEqual([]);
    }
  });

  it('with 30 records shows the newest 10 and says how many are hidden', () => {
    const message = buildLicenseStatusMessage('jane@example.com', records(30));
    expect(message.blocks.length).toBeLessThanOrEqual(LIMITS.messageBlocks);
    expect(JSON.stringify(message.blocks)).toContain('20 older requests not shown');
  });
});

describe('buildLicenseStatusTicketMessage', () => {
  it('respects every message limit with long ticket facts and 30 licenses for other emails', () => {
    const generated = Array.from({ length: 30 }, (_, i) =>
      record({ id: `g-${i}`, status: 'generated', email: `${i}${longEmail(250)}` }),
    );
    const facts = {
      ticketId: 123456,
      ticketUrl: 'https://gitlab.zendesk.com/agent/tickets/123456',
      subject: long(500, 'Subject '),
      status: 'closed',
      solvedOrClosed: true,
      requester: { id: 1, email: longEmail(320) },
      organization: { id: 2, name: long(255, 'Org ') },
      notes: [],
    };
    const message = buildLicenseStatusTicketMessage({ kind: 'facts', facts }, generated);
    expect(checkMessage(message)).toEqual([]);
    expect(brokenControlSequences(message)).toEqual([]);
    const unread = buildLicenseStatusTicketMessage({ kind: 'unavailable', reason: long(4000, HOSTILE) }, generated);
    expect(checkMessage(unread)).toEqual([]);
    expect(brokenControlSequences(unread)).toEqual([]);
  });
});

describe('buildAppHome', () => {
  it('respects every limit', () => {
    expect(checkView(buildAppHome(LICENSING_CHANNEL))).toEqual([]);
    expect(checkView(buildAppHome('not-a-channel-id <!channel>'))).toEqual([]);
  });
});
