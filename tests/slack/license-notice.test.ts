import { buildLicenseNotice } from '../../src/slack/messages/license-notice';
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
