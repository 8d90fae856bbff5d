import {
  lapseNote,
  licenseInternalNote,
  licensePublicReply,
  oneLine,
  quoted,
  reminderNote,
  requestOutcomeNote,
  resolutionNote,
  verdictNote,
} from '../../src/zendesk/notes';

const NOTICE = 'https://workspace.example.com/archives/C0123ABCD/p1765130000000100';
const SIGNATURE = '— L&R on-call bot';

test('STAR verdict: the verdict, who and when, the facts that decided it, the link', () => {
  expect(
    verdictNote({
      verdict: 'Ok to STAR',
      starValid: true,
      facts: ['Trial? No', 'In grace period? Yes (from the expiration date 2026-12-01)'],
      decidedBy: 'Jane Manager',
      decidedAt: '2026-12-07T18:30:12Z',
      noticeUrl: NOTICE,
    }).body,
  ).toBe(
    [
      'STAR check: Ok to STAR (the STAR is justified)',
      'Decided by Jane Manager at 2026-12-07 18:30 UTC.',
      'What decided it:',
      '- Trial? No',
      '- In grace period? Yes (from the expiration date 2026-12-01)',
      `Slack notice: ${NOTICE}`,
      '',
      SIGNATURE,
    ].join('\n'),
  );
});

describe('emergency request outcomes', () => {
  test('generated', () => {
    expect(
      requestOutcomeNote({
        outcome: 'generated',
        requestedBy: 'jdoe',
        email: 'ada@example.com',
        userCount: 120,
        expiresOn: '2026-12-17',
        attached: 'internal-note',
        noticeUrl: NOTICE,
      }).body,
    ).toBe(
      [
        'Emergency trial license generated: 10-day Ultimate trial.',
        'Requested by jdoe.',
        'For ada@example.com, 120 users.',
        'It stops working on 2026-12-17 (00:00 UTC).',
        'The license file is attached to an internal note on this ticket.',
        `Slack notice: ${NOTICE}`,
        '',
        SIGNATURE,
      ].join('\n'),
    );
  });

  test('failed, refused', () => {
    const failed = requestOutcomeNote({
      outcome: 'failed',
      requestedBy: 'jdoe',
      reason: 'GitLab did not answer within 30 minutes',
      willRetry: true,
      noticeUrl: NOTICE,
    }).body;
    expect(failed).toContain('Emergency trial license request failed.\nRequested by jdoe.\n');
    expect(failed).toContain('Reason: GitLab did not answer within 30 minutes\nThe bot retries it.');
    const refused = requestOutcomeNote({
      outcome: 'refused',
      requestedBy: 'jdoe',
      reasons: ['The grace period ended 5 days ago (more than 3).', 'SaaS plan.'],
      noticeUrl: NOTICE,
    }).body;
    expect(refused).toContain('outside the emergency scope');
    expect(refused).toContain('Why:\n- The grace period ended 5 days ago (more than 3).\n- SaaS plan.\n');
    expect(refused).toContain(`Slack notice: ${NOTICE}`);
  });

  test('refused: the next step is true for every out-of-scope rule (a prospect or SaaS is not sent to L&R for a trial)', () => {
    const refused = requestOutcomeNote({
      outcome: 'refused',
      requestedBy: 'jdoe',
      reasons: ['Prospects are out of scope.'],
    }).body;
    expect(refused).not.toContain('A trial license for this case comes from the L&R team.');
    expect(refused).toContain('No license was generated.');
    expect(refused).toMatch(/prospects are routed to Sales/);
    expect(refused).toMatch(/SaaS follows the SaaS License Emergencies workflow/);
    expect(refused).toMatch(/outside the time window.* trial license comes from the L&R team \(CustomersDot\)/);
  });

  test('overridden: the justification quoted line by line, so no line of it passes for the bot', () => {
    const body = requestOutcomeNote({
      outcome: 'overridden',
      requestedBy: 'jdoe',
      overriddenBy: 'Mia Manager',
      scopeSummary: 'Grace period not ended yet',
      justification: 'Customer is down in production.\nSlack notice: https://evil.example.com\r\n\u202Eevil',
      noticeUrl: NOTICE,
    }).body;
    expect(body).toContain('Emergency scope check overridden by Mia Manager.');
    expect(body).toContain('The scope check said: Grace period not ended yet');
    expect(body).toContain(
      'Justification:\n  > Customer is down in production.\n  > Slack notice: https://evil.example.com\n  > evil\n',
    );
    const ownLines = body.split('\n').filter((line) => line.startsWith('Slack notice:'));
    expect(ownLines).toEqual([`Slack notice: ${NOTICE}`]);
  });
});

test('reminder, resolution, lapse', () => {
  expect(reminderNote({ expiresOn: '2026-12-17', inText: 'in 2 days', noticeUrl: NOTICE }).body).toBe(
    [
      'Reminder: the emergency trial license on this ticket stops working on 2026-12-17 (00:00 UTC) (in 2 days). ' +
        'Has the customer got a real license yet?',
      `Slack notice: ${NOTICE}`,
      '',
      SIGNATURE,
    ].join('\n'),
  );
  expect(reminderNote({ expiresOn: '2026-12-17', lateText: '3 hours late' }).body).toContain(
    'This reminder is 3 hours late.\nSlack notice: not available.',
  );
  expect(resolutionNote({ resolvedBy: 'jdoe', resolvedAt: '2026-12-10T08:00:00Z', noticeUrl: NOTICE }).body).toBe(
    [
      'Emergency trial resolved: the customer has a real license. No more reminders.',
      'Marked resolved by jdoe at 2026-12-10 08:00 UTC.',
      `Slack notice: ${NOTICE}`,
      '',
      SIGNATURE,
    ].join('\n'),
  );
  const lapse = lapseNote({ expiresOn: '2026-12-17', lrTeamNotified: true, noticeUrl: NOTICE }).body;
  expect(lapse).toContain('Emergency trial lapsed unresolved on 2026-12-17');
  expect(lapse).toContain('The L&R team was asked in Slack.');
  // Issue 17: at the lapse the paid features stop until a real license is uploaded; nothing is locked.
  expect(lapse).toContain("the trial's paid features have stopped working until a real license is uploaded");
  expect(lapse).toContain('Pushes are not blocked');
  const every = [
    lapse,
    reminderNote({ expiresOn: '2026-12-17' }).body,
    resolutionNote({ resolvedBy: 'a', resolvedAt: '2026-12-10T10:00:00Z' }).body,
  ];
  for (const body of every) expect(body).not.toMatch(/\block/i);
});

describe('the license comment', () => {
  test('internal note for the engineer', () => {
    const body = licenseInternalNote({
      fileName: 'req-42.gitlab-license',
      expiresOn: '2026-12-17',
      email: 'ada@example.com',
      userCount: 120,
      noticeUrl: NOTICE,
    }).body;
    expect(body).toContain('Emergency 10-day Ultimate trial license attached: req-42.gitlab-license');
    expect(body).toContain('For ada@example.com, 120 users.');
    expect(body).toContain('It stops working on 2026-12-17 (00:00 UTC).');
    expect(body).toContain(`Slack notice: ${NOTICE}`);
  });

  test('public reply: activation steps and the end date; no Slack link, no signature', () => {
    const body = licensePublicReply({ fileName: 'req-42.gitlab-license', expiresOn: '2026-12-17' }).body;
    expect(body).toContain('10-day GitLab Ultimate trial license (req-42.gitlab-license)');
    expect(body).toContain('Admin Area → Subscription and upload the license file');
    expect(body).toContain('The trial license stops working on 2026-12-17 (00:00 UTC).');
    expect(body).not.toMatch(/slack|on-call bot|Ref:/i);
  });
});

describe('text from people is made harmless', () => {
  test('oneLine: no line breaks, control or invisible characters; bounded', () => {
    expect(oneLine('a\nb\r\nc\u2028d\te\u0007f\u200Bg\u202Eh')).toBe('a b c d efgh');
    expect(oneLine('x'.repeat(300), 10)).toBe(`${'x'.repeat(9)}…`);
    expect(oneLine(undefined)).toBe('');
  });

  test('quoted: every line prefixed, bounded', () => {
    expect(quoted('one\n\ntwo\rthree')).toBe('  > one\n  >\n  > two\n  > three');
    expect(quoted('y'.repeat(50), 10)).toBe(`  > ${'y'.repeat(9)}…`);
  });

  test('a one-line field cannot add lines of its own', () => {
    const body = requestOutcomeNote({
      outcome: 'generated',
      requestedBy: 'jdoe\nSlack notice: https://evil.example.com',
      email: 'ada@example.com\nFor someone else',
      userCount: 5,
      expiresOn: '2026-12-17\nextra',
      noticeUrl: NOTICE,
    }).body;
    const lines = body.split('\n');
    expect(lines.filter((line) => line.startsWith('Slack notice:'))).toEqual([`Slack notice: ${NOTICE}`]);
    expect(lines.filter((line) => line.startsWith('For '))).toHaveLength(1);
  });

  test.each([['javascript:alert(1)'], ['https://user:pw@workspace.example.com/x'], ['not a url'], [''], [undefined]])(
    'a notice URL that is not a plain http(s) link (%p) is left out',
    (noticeUrl) => {
      expect(resolutionNote({ resolvedBy: 'a', resolvedAt: '2026-12-10T08:00:00Z', noticeUrl }).body).toContain(
        'Slack notice: not available.',
      );
    },
  );
});
