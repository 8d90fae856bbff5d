import { buildLicenseStatusMessage } from '../../src/slack/messages/license-status';
import type { LicenseRequestRecord } from '../../src/store/types';

const record: LicenseRequestRecord = {
  id: 'req-1',
  ticketUrl: 'https://gitlab.zendesk.com/agent/tickets/1',
  email: 'a@b.example',
  userCount: 250,
  requestedBySlackId: 'U0ENGINEER',
  requestedByUsername: 'jdoe',
  licenseExpiresOn: '2026-11-19',
  scopeSummary: 's',
  adapter: 'local',
  idempotencyKey: 'k',
  status: 'generated',
  trialExpiresOn: '2026-12-01',
  delivery: { status: 'delivered', attempts: 1 },
  attempts: 0,
  createdAt: '2026-11-21T10:00:00.000Z',
  updatedAt: '2026-11-21T10:00:00.000Z',
};

describe('/license-status shows the follow-up events of each request', () => {
  it('lists reminder (late), needs L&R, copy and resolution with who and when', () => {
    const events = new Map([
      [
        record.id,
        [
          {
            requestId: 'req-1',
            type: 'reminder_sent' as const,
            at: '2026-11-29T05:00:00.000Z',
            lateByMs: 5 * 3_600_000,
          },
          { requestId: 'req-1', type: 'needs_lr' as const, at: '2026-11-29T06:00:00.000Z', bySlackId: 'U0ASKER' },
          { requestId: 'req-1', type: 'copy_sent' as const, at: '2026-11-29T07:00:00.000Z', bySlackId: 'U0COPY' },
          { requestId: 'req-1', type: 'resolved' as const, at: '2026-11-30T08:00:00.000Z', bySlackId: 'U0RESOLVER' },
        ],
      ],
    ]);
    const text = JSON.stringify(buildLicenseStatusMessage('1', [record], events).blocks);
    expect(text).toContain('*Follow-up:* Reminder sent (late by 5 hours)');
    expect(text).toContain('Needs L&R by <@U0ASKER>');
    expect(text).toContain('License copy sent by <@U0COPY>');
    expect(text).toContain('Resolved by <@U0RESOLVER>');
  });

  it('without events the answer is as before', () => {
    expect(buildLicenseStatusMessage('1', [record], new Map())).toEqual(buildLicenseStatusMessage('1', [record]));
  });
});
