import { buildGivenUpLine, buildLicenseNotice, deliveryLine } from '../../src/slack/messages/license-notice';
import { buildLicenseStatusMessage } from '../../src/slack/messages/license-status';
import { buildLicenseStatusView } from '../../src/slack/views/emergency-license-modal';
import { record } from './support/fixtures';

describe('a generated license with a Mechanizer mismatch and a failed delivery', () => {
  const done = record({
    status: 'generated',
    issuedToMismatch: { email: 'john@example.com', userCount: 25 },
    delivery: { status: 'pending', attempts: 1, error: 'user_not_found', nextAt: '2025-06-14T12:05:00.000Z' },
  });

  it.each([
    ['the channel notice', () => buildLicenseNotice(done).blocks],
    ['/license-status', () => buildLicenseStatusMessage('jane@example.com', [done]).blocks],
    ['the status view', () => buildLicenseStatusView(done, 'C0LICENSING').blocks],
  ])('keeps both facts visible in %s', (_where, blocks) => {
    const text = JSON.stringify(blocks());
    expect(text).toContain('The license was created for john@example.com (25 users), not jane@example.com (250 users)');
    expect(text).toMatch(/not delivered yet/i);
    expect(text).toContain('user_not_found');
  });
});

describe("a hand-over given up after 12 attempts: the line in the notice's thread", () => {
  const delivery = { status: 'failed' as const, attempts: 12, error: 'internal_error' };
  const givenUp = record({ status: 'generated', requestedBySlackId: 'U0REQUESTER', delivery });
  if (givenUp.status !== 'generated') throw new Error('fixture not generated');

  it("the first delivery: the notice's words, mentioning the requester", () => {
    const { text, blocks } = buildGivenUpLine(givenUp);
    expect(text).toBe(`:x: ${deliveryLine(givenUp)}`);
    expect(text).toContain('*Not delivered* to <@U0REQUESTER>: gave up after 12 attempts (internal_error)');
    // The notice says the same.
    expect(JSON.stringify(buildLicenseNotice(givenUp).blocks)).toContain(deliveryLine(givenUp));
    expect(blocks).toHaveLength(1);
  });

  it('a copy: the same words, mentioning whoever asked for it', () => {
    const { text } = buildGivenUpLine(givenUp, { toSlackId: 'U0ASKER', delivery });
    expect(text).toBe(':x: A copy of this license: ' + deliveryLine({ ...givenUp, requestedBySlackId: 'U0ASKER' }));
    expect(text).not.toContain('U0REQUESTER');
  });
});
