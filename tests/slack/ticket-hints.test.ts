import { DateTime } from 'luxon';
import { buildEmergencyLicenseModal } from '../../src/slack/views/emergency-license-modal';
import { buildStarCheckModal } from '../../src/slack/views/star-check-modal';

/**
 * The Zendesk host is configured (ZENDESK_BASE_URL): the forms' ticket hints must not name one, or a
 * bot set up for another Zendesk would show a wrong example. A wrong entry's error shows the
 * configured host instead (tests/policy/ticket.test.ts).
 */
describe('ticket field hints name no Zendesk host', () => {
  const hintOf = (view: { blocks: unknown[] }, blockId: string) => {
    const block = view.blocks.find((b) => (b as { block_id?: string }).block_id === blockId) as
      { hint?: { text: string } } | undefined;
    return block?.hint?.text ?? '';
  };

  it.each([
    [
      '/star-check',
      hintOf(
        buildStarCheckModal({ answers: {} }, () => DateTime.utc()),
        'ticket',
      ),
    ],
    ['the emergency license form', hintOf(buildEmergencyLicenseModal({}), 'ticket')],
  ])('%s says link or number, without a host', (_form, hint) => {
    expect(hint).toMatch(/link, or just its number/);
    expect(hint).not.toMatch(/zendesk\.com|https?:\/\//i);
  });
});
