import { checkView, mrkdwnTexts } from '../../testkit/block-kit';

/**
 * Block Kit problems, except asterisks in plain_text: there they are the customer's own text from
 * the ticket, shown literally on purpose (inert), not markup the bot meant as bold.
 */
const limitProblems = (view: Parameters<typeof checkView>[0]) =>
  checkView(view).filter((problem) => !problem.includes('mrkdwn bold markup in plain_text'));
import { buildEmergencyLicenseModal } from '../../src/slack/views/emergency-license-modal';
import { buildStarCheckModal } from '../../src/slack/views/star-check-modal';
import {
  keptTicketBlocks,
  requesterEmail,
  ticketLookupBlocks,
  type TicketLookup,
} from '../../src/slack/zendesk-ticket';
import type { TicketFacts } from '../../src/zendesk';
import { DateTime } from 'luxon';

/** The longest facts readTicketFacts can return (its cuts: subject 500, names 255, file names 255). */
function worstFacts(): TicketFacts {
  const hostile = '<!channel> <https://evil.example|x> *bold* :fire: \u202Eevil';
  return {
    ticketId: 123456,
    ticketUrl: 'https://gitlab.zendesk.com/agent/tickets/123456',
    subject: `${hostile}${'S'.repeat(500)}`.slice(0, 500),
    status: 'closed',
    solvedOrClosed: true,
    requester: { id: 1, name: 'N'.repeat(255), email: `${'e'.repeat(60)}@example.com` },
    organization: { id: 2, name: `${hostile}${'O'.repeat(255)}`.slice(0, 255) },
    images: {
      count: 300,
      complete: true,
      files: Array.from({ length: 300 }, (_, i) => ({
        name: `${'f'.repeat(250)}${i}.png`,
        inline: false,
        public: true,
      })),
    },
    notes: Array.from({ length: 8 }, (_, i) => `Note ${i}: the requester's details not read.`),
  };
}

test('the longest facts keep the emergency form and the STAR check within Block Kit limits', () => {
  const lookup: TicketLookup = { kind: 'facts', facts: worstFacts() };
  const form = buildEmergencyLicenseModal({ ticket: '123456', email: requesterEmail(lookup) }, {}, lookup);
  expect(limitProblems(form)).toEqual([]);
  const star = buildStarCheckModal({ ticket: '123456', answers: {} }, () => DateTime.utc(), 'UTC', undefined, [
    ...ticketLookupBlocks(lookup, { brief: true }),
  ]);
  expect(limitProblems(star)).toEqual([]);
  const text = JSON.stringify(form.blocks);
  expect(text).toContain('… and 290 more');
  expect(text).toContain('.png, ');
  expect(text).not.toContain('\u202E');
  for (const { text: mrkdwn } of mrkdwnTexts(form)) expect(mrkdwn).not.toMatch(/<!channel>|<https:\/\/evil|\*bold\*/);
  expect(text).toContain('The ticket is closed.');
});

test('every failure is one line; the reading line is not kept when the STAR check grows', () => {
  const failed = ticketLookupBlocks({ kind: 'unavailable', reason: 'Zendesk <!here> is unavailable right now.' });
  expect(failed).toHaveLength(1);
  expect(JSON.stringify(failed)).not.toContain('<!here>');
  const reading = ticketLookupBlocks({ kind: 'reading' });
  expect(keptTicketBlocks({ blocks: [...reading, ...failed] })).toEqual(failed);
  expect(ticketLookupBlocks(undefined)).toEqual([]);
});

test('only an address the email field takes is prefilled', () => {
  const facts = (email?: string): TicketLookup => ({
    kind: 'facts',
    facts: { ...worstFacts(), requester: { id: 1, email } },
  });
  expect(requesterEmail(facts('ada@acme.example'))).toBe('ada@acme.example');
  expect(requesterEmail(facts('not an email <@U1>'))).toBeUndefined();
  expect(requesterEmail(facts(undefined))).toBeUndefined();
  expect(requesterEmail({ kind: 'unavailable', reason: 'x' })).toBeUndefined();
});
