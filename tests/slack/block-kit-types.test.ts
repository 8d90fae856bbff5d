/**
 * The builders' results go to Slack as they are: each assignment below is to the type of the Web
 * API or `ack()` argument it is sent as, so `npm run typecheck` fails if a builder's type drifts
 * from Slack's (a cast at the call site was the old way to hide that). At run time the same values
 * are checked against Block Kit's limits.
 */
import type { RespondArguments, ViewResponseAction } from '@slack/bolt';
import {
  WebClient,
  type ChatPostMessageArguments,
  type ChatUpdateArguments,
  type ViewsOpenArguments,
  type ViewsPublishArguments,
  type ViewsUpdateArguments,
} from '@slack/web-api';
import { buildLicenseNotice } from '../../src/slack/messages/license-notice';
import { buildLicenseStatusMessage } from '../../src/slack/messages/license-status';
import { buildStarAuditMessage } from '../../src/slack/messages/star-audit';
import { SlackAuditSender, storedBlocks, SUPERSEDES_NOTE } from '../../src/slack/slack-audit-sender';
import { buildAppHome } from '../../src/slack/views/app-home';
import {
  buildEmergencyLicenseModal,
  buildLicenseStatusView,
  buildNotAllowedView,
} from '../../src/slack/views/emergency-license-modal';
import { buildStarCheckModal } from '../../src/slack/views/star-check-modal';
import { buildStarVerdictView } from '../../src/slack/views/star-verdict';
import type { OutboxEntry } from '../../src/store/types';
import { checkMessage, checkView } from '../../testkit/block-kit';
import { allDecisions, LICENSING_CHANNEL, NOW, record } from './support/fixtures';

type ViewOf<T> = T extends { view: infer V } ? V : never;
type BlocksOf<T> = T extends { blocks?: infer B } ? B : never;

describe('Block Kit builders have the types Slack takes', () => {
  it('modals fit views.open, views.update and a response_action update', () => {
    const modal = buildEmergencyLicenseModal({}, { channelId: 'C0123ABCD' });
    const forOpen: ViewOf<ViewsOpenArguments> = modal;
    const forUpdate: ViewOf<ViewsUpdateArguments> = buildStarCheckModal({ answers: {} }, () => NOW);
    const forAck: ViewResponseAction = { response_action: 'update', view: buildNotAllowedView('no') };
    const verdict: ViewOf<ViewsUpdateArguments> = buildStarVerdictView(allDecisions()[0], {
      timeZone: 'UTC',
      licensingChannel: LICENSING_CHANNEL,
    });
    const status: ViewOf<ViewsUpdateArguments> = buildLicenseStatusView(
      record({ status: 'generated', licenseFile: 'L' }),
      LICENSING_CHANNEL,
    );
    for (const view of [forOpen, forUpdate, forAck.view, verdict, status]) expect(checkView(view)).toEqual([]);
    expect(modal.type).toBe('modal');
  });

  it('App Home fits views.publish', () => {
    const home: ViewOf<ViewsPublishArguments> = buildAppHome(LICENSING_CHANNEL);
    expect(home.type).toBe('home');
    expect(checkView(home)).toEqual([]);
  });

  it('messages fit chat.postMessage, chat.update and an ephemeral ack', () => {
    const notice = buildLicenseNotice(record({ status: 'failed', reason: 'HTTP 500' }));
    const post: BlocksOf<ChatPostMessageArguments> = notice.blocks;
    const update: BlocksOf<ChatUpdateArguments> = buildStarAuditMessage(allDecisions()[0], 'U0ENGINEER').blocks;
    const ephemeral: RespondArguments = {
      response_type: 'ephemeral',
      ...buildLicenseStatusMessage('jane@example.com', [record()]),
    };
    expect(post).toBe(notice.blocks);
    expect(update?.length).toBeGreaterThan(0);
    expect(checkMessage(ephemeral)).toEqual([]);
  });
});

describe('blocks read back from the outbox', () => {
  const entry = (blocks: unknown[]): OutboxEntry => ({
    key: 'license:1',
    channel: LICENSING_CHANNEL,
    text: 'x',
    blocks,
    version: 1,
    deliveredVersion: 0,
    attempts: 0,
    nextAttemptAt: '2025-06-14T12:00:00.000Z',
    createdAt: '2025-06-14T12:00:00.000Z',
  });

  it('are passed on as they were built', () => {
    const { blocks } = buildLicenseNotice(record());
    expect(storedBlocks(entry(JSON.parse(JSON.stringify(blocks))))).toEqual(blocks);
  });

  it('refuse a row that is not blocks, naming the entry, before anything is sent', async () => {
    expect(() => storedBlocks(entry([{ type: 'section' }, 'not a block']))).toThrow(
      'outbox entry license:1: block 1 is not a Block Kit block',
    );
    expect(() => storedBlocks(entry([{ text: 'no type' }]))).toThrow(/block 0/);
    // No request leaves: the Web API method itself is replaced.
    const client = new WebClient('xoxb-test', { slackApiUrl: 'http://127.0.0.1:9/api/' });
    const post = jest.spyOn(client.chat, 'postMessage').mockResolvedValue({ ok: true, ts: '1.0' });
    const sender = new SlackAuditSender(client);
    await expect(sender.send(entry([null]))).rejects.toThrow(/not a Block Kit block/);
    expect(post).not.toHaveBeenCalled();
    await expect(
      sender.send({ ...entry(buildLicenseNotice(record()).blocks), postStartedAt: '2025-06-14T12:00:00.000Z' }),
    ).resolves.toEqual({ ts: '1.0' });
    expect(JSON.stringify(post.mock.calls)).toContain(SUPERSEDES_NOTE);
  });
});
