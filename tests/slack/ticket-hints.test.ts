import { DateTime } from 'luxon';
import { buildEmergencyLicenseModal } from '../../src/slack/views/emergency-license-modal';
import { buildStarCheckModal } from '../../src/slack/views/star-check-modal';

/**
 * The Zendesk host is configured (ZENDESK_BASE_URL): the forms' ticket field must not name one, or a
 * bot set up for another Zendesk would show a wrong example. A wrong entry's error shows the
 * configured host instead (tests/policy/ticket.test.ts).
 */
describe('the ticket field of each form says URL or number, and names no Zendesk host', () => {
  const ticketFieldText = (view: { blocks: unknown[] }) => {
    const block = view.blocks.find((b) => (b as { block_id?: string }).block_id === 'ticket');
    expect(block).toBeDefined();
    return JSON.stringify(block);
  };

  it.each([
    ['/star-check', ticketFieldText(buildStarCheckModal({ answers: {} }, () => DateTime.utc()))],
    ['the emergency license form', ticketFieldText(buildEmergencyLicenseModal({}))],
  ])('%s', (_form, field) => {
    expect(field).toMatch(/Zendesk ticket \(URL or number\)/);
    expect(field).not.toMatch(/zendesk\.com|https?:\/\//i);
  });
});
