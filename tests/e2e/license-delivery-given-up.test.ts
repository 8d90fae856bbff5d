/**
 * A first hand-over given up after 12 failed attempts must reach the engineer who asked: an edit of
 * the channel notice notifies nobody. Through the real bot against the fake Slack and the fake
 * Zendesk: Slack cannot open the requester's DM, ever; the notice is edited to "Not delivered", and
 * one line in its thread mentions the requester in the notice's words (once, whatever the passes
 * after it); /license-status says the same and offers a copy; the ticket's notes are written once;
 * a copy that then arrives, and a re-issue (a new request), add no second such line.
 */
import { SIGNING_SECRET } from '../../testkit/bot-under-test';
import {
  acceptedChannelPosts,
  messageText,
  postsForTicket,
  requestLicense,
  sendMeTheLicenseClick,
  sleep,
  submitView,
  ticketUrl,
} from '../../testkit/bot-steps';
import { eventually } from '../../testkit/eventually';
import type { RecordedCall } from '../../testkit/fake-slack';
import type { FakeZendesk } from '../../testkit/fake-zendesk';
import { postInteraction } from '../../testkit/signed-request';
import type { LicenseRequestRecord } from '../../src/store';
import { useBotWithZendesk } from '../zendesk/support/zendesk-under-test';

const report = (line: string) => process.stdout.write(`[license-delivery-given-up] ${line}\n`);
const REQUESTER = 'U0GIVENUP';
const GAVE_UP =
  /\*Not delivered\* to <@U0GIVENUP>: gave up after 12 attempts \(internal_error\); use \/license-status to send a copy\./;

/** The bot's notes on a ticket carrying this idempotency mark. */
const notesWith = (zd: FakeZendesk, ticket: number, key: string) =>
  zd.updates
    .filter((u) => u.ticketId === ticket)
    .filter((u) => u.comment.body.split('\n').some((line) => line === `Ref: lr-bot/${key}`));

describe('the first hand-over of a license, given up after 12 failed attempts', () => {
  const { t, zd } = useBotWithZendesk({
    env: () => ({ OUTBOX_POLL_INTERVAL_MS: '50', OUTBOX_MIN_BACKOFF_MS: '50', OUTBOX_MAX_BACKOFF_MS: '200' }),
  });

  const opensFor = () => t.fake.callsTo('conversations.open').filter((c) => c.args.users === REQUESTER);
  /** Replies under the notice that mention the requester and say the license was not delivered to them. */
  const givenUpLines = (notice: RecordedCall) =>
    acceptedChannelPosts(t.fake).filter(
      (c) => c.args.thread_ts === notice.response.ts && GAVE_UP.test(messageText(c)) && !/A copy/.test(messageText(c)),
    );
  let ticket: number;
  const requests = () => t.bot.services.store.requests.findByTicket(ticketUrl(ticket), 10);

  it('edits the notice, says it once in its thread to the requester, and nothing more afterwards', async () => {
    ticket = zd.addTicket({}).id;
    t.fake.fail('conversations.open', { error: 'internal_error', times: Infinity });
    let record: LicenseRequestRecord;
    try {
      await requestLicense(t, ticket, { email: `admin${ticket}@customer.example` }, REQUESTER);
      record = await eventually(
        async () => {
          const [found] = await requests();
          expect(found?.status === 'generated' ? found.delivery.status : undefined).toBe('failed');
          return found;
        },
        { timeoutMs: 20_000, intervalMs: 50 },
      );
      expect(opensFor()).toHaveLength(12);
      expect(opensFor().every((c) => c.response.ok === false)).toBe(true);

      const notice = postsForTicket(t.fake, ticket).find((c) => !c.args.thread_ts);
      if (!notice) throw new Error('no notice for the ticket');
      // The notice is edited in place...
      await eventually(
        () =>
          expect(
            t.fake
              .callsTo('chat.update')
              .filter((c) => c.args.ts === notice.response.ts && GAVE_UP.test(messageText(c))).length,
          ).toBeGreaterThanOrEqual(1),
        { timeoutMs: 5000, intervalMs: 50 },
      );
      // ...and its thread says it to the requester, who is notified by the mention.
      const [line] = await eventually(
        () => {
          const lines = givenUpLines(notice);
          expect(lines).toHaveLength(1);
          return lines;
        },
        { timeoutMs: 5000, intervalMs: 50 },
      );
      expect(String(line.args.text)).toContain(`<@${REQUESTER}>`);
      expect(messageText(line)).toMatch(GAVE_UP);

      await sleep(600); // many runner and outbox passes: no 13th attempt, no second line
      expect(opensFor()).toHaveLength(12);
      expect(givenUpLines(notice)).toHaveLength(1);
      expect(t.logs.filter((l) => l.includes('license delivery given up'))).toHaveLength(1);

      // /license-status says where the license is, and offers a copy.
      const status = await t.command('/license-status', String(ticket), REQUESTER);
      // It is the place to get a copy: it points at its own button, once, not back at /license-status.
      const statusText = String(status.body);
      expect(statusText).toMatch(
        /gave up after 12 attempts \(internal_error\); use \*Send me the license file\* to get a copy in a DM\./,
      );
      expect(statusText).not.toContain('/license-status to send a copy');
      expect(statusText.match(/to get a copy in a DM/g)).toHaveLength(1);
      expect(statusText).not.toMatch(/\\n Use/);
      expect(status.body).toContain('Send me the license file');

      // The ticket's notes and its license file, each written once.
      const notes = await eventually(
        () => {
          const generated = notesWith(zd, ticket, `req-${record.id}-generated`);
          const license = notesWith(zd, ticket, `req-${record.id}-license`);
          expect([generated.length, license.length]).toEqual([1, 1]);
          return zd.updates.filter((u) => u.ticketId === ticket);
        },
        { timeoutMs: 8000, intervalMs: 50 },
      );
      report(
        `conversations.open fails every time → ${opensFor().length} attempts, 1 line in the thread, ` +
          `${notes.length} ticket updates`,
      );
    } finally {
      t.fake.clearFaults();
    }

    // A copy that arrives afterwards is said as a copy: no second give-up line.
    const notice = postsForTicket(t.fake, ticket).find((c) => !c.args.thread_ts)!;
    const res = await postInteraction(
      t.baseUrl,
      SIGNING_SECRET,
      sendMeTheLicenseClick(t.fake, record.id, REQUESTER, 'given-up-copy'),
    );
    expect(res.status).toBe(200);
    await eventually(
      () =>
        expect(
          acceptedChannelPosts(t.fake).filter(
            (c) => c.args.thread_ts === notice.response.ts && /copy of this license was sent/.test(messageText(c)),
          ),
        ).toHaveLength(1),
      { timeoutMs: 5000, intervalMs: 50 },
    );

    // A re-issue is a new request with its own notice: delivered, and no give-up line anywhere.
    const { ack } = await requestLicense(t, ticket, { email: `admin${ticket}@customer.example` }, REQUESTER);
    expect(ack.view?.callback_id).toBe('emergency_license_reissue');
    await submitView(t, ack.view!, {}, REQUESTER);
    const reissued = await eventually(
      async () => {
        const found = (await requests()).find((r) => r.id !== record.id);
        expect(found?.status === 'generated' ? found.delivery.status : undefined).toBe('delivered');
        return found!;
      },
      { timeoutMs: 8000, intervalMs: 50 },
    );
    // The new notice may reach Slack after the DM; then a moment for anything that should not come.
    await eventually(() => expect(postsForTicket(t.fake, ticket).filter((c) => !c.args.thread_ts)).toHaveLength(2));
    await sleep(300);
    const notices = postsForTicket(t.fake, ticket).filter((c) => !c.args.thread_ts);
    expect(notices).toHaveLength(2);
    expect(notices.map((n) => givenUpLines(n).length)).toEqual([1, 0]);
    expect(
      acceptedChannelPosts(t.fake).filter(
        (c) => String(c.args.text).includes(`<@${REQUESTER}>`) && /gave up/.test(messageText(c)),
      ),
    ).toHaveLength(1);
    report(`re-issued as ${reissued.id}: delivered, no give-up line`);
  });
});
