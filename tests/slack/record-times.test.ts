/**
 * When a license request was made is shown one way everywhere: in each reader's own time zone
 * (Slack's date token), with the UTC time as the text where Slack cannot render it.
 */
import { DateTime } from 'luxon';
import { formatInstant } from '../../src/policy/time';
import { buildLicenseNotice } from '../../src/slack/messages/license-notice';
import { buildLicenseStatusMessage } from '../../src/slack/messages/license-status';
import { readerDate, readerDateOfIso } from '../../src/slack/messages/reader-date';
import { buildReissueConfirmView } from '../../src/slack/views/emergency-license-modal';
import { allTexts } from '../../testkit/block-kit';
import { emergencyRequest, record } from './support/fixtures';

const CREATED = '2025-06-05T10:07:00.000Z';
const instant = DateTime.fromISO(CREATED, { zone: 'utc' });
const shown = `<!date^${instant.toSeconds()}^{date_short_pretty} {time}|Thu 5 Jun 2025 10:07 UTC>`;
const texts = (payload: unknown) =>
  allTexts(payload)
    .map((t) => t.text)
    .join('\n');

describe('record timestamps', () => {
  it('are reader dates with the UTC time as the fallback text', () => {
    expect(formatInstant(instant)).toBe('Thu 5 Jun 2025 10:07 UTC');
    expect(readerDateOfIso(CREATED)).toBe(shown);
    expect(readerDateOfIso(CREATED)).toBe(readerDate(instant));
  });

  it('that are not timestamps are shown as escaped text', () => {
    expect(readerDateOfIso('<!channel> soon')).toBe('&lt;!channel&gt; soon');
  });

  it('read the same in the channel notice, the /license-status answer and the re-issue confirmation', () => {
    const r = record({ createdAt: CREATED, status: 'generated', trialExpiresOn: '2025-06-15' });
    expect(texts(buildLicenseNotice(r))).toContain(`started ${shown}`);
    expect(texts(buildLicenseStatusMessage('jane@example.com', [r]))).toContain(`*generated* · ${shown} · by`);
    expect(texts(buildReissueConfirmView(emergencyRequest(), [r], {}))).toContain(`• generated on ${shown} by`);
    for (const payload of [
      buildLicenseNotice(r),
      buildLicenseStatusMessage('x', [r]),
      buildReissueConfirmView(emergencyRequest(), [r], {}),
    ]) {
      expect(texts(payload)).not.toContain('2025-06-05 10:07');
    }
  });
});
