/**
 * Issue 18, point 5: logs that mislead or swell. A 20,000-character value on a Resolved / Needs L&R
 * button is not logged in full; the process logger bounds every logged string; a request nothing
 * acknowledged is not blamed on the database.
 */
import { Writable } from 'node:stream';
import pino from 'pino';
import type { App } from '@slack/bolt';
import { createLogger } from '../../src/logger';
import { guardAcks } from '../../src/ops/ack-guard';
import { unavailableResponse } from '../../src/slack/unanswered';
import { type BotUnderTest, startInProcessBot } from '../../testkit/bot-under-test';
import { messageBlockActions } from '../../testkit/payloads';
import { sleep } from '../../testkit/bot-steps';
import { eventually } from '../../testkit/eventually';

const HUGE = 'x'.repeat(20_000);

function sink(): { lines: string[]; stream: Writable } {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      lines.push(String(chunk));
      done();
    },
  });
  return { lines, stream };
}

describe('bounded, truthful logs', () => {
  let t: BotUnderTest;
  beforeAll(async () => {
    t = await startInProcessBot();
  });
  afterAll(async () => {
    await t.stop();
  });

  it.each(['license_resolved', 'license_needs_lr'])(
    'a %s click carrying a 20,000-character value is answered and logged in a bounded line',
    async (actionId) => {
      const before = t.logs.length;
      const message = {
        ts: '1700000000.000100',
        text: 'reminder',
        blocks: [
          {
            type: 'actions',
            block_id: 'follow_up',
            elements: [{ type: 'button', action_id: actionId, text: { type: 'plain_text', text: 'Go' }, value: HUGE }],
          },
        ],
      };
      const res = await t.send(
        'interaction',
        messageBlockActions({ message, channelId: 'C0GENERAL', actionId, responseUrl: t.fake.responseUrl('huge') }),
      );
      expect(res.status).toBe(200);
      // The first line may come after the ack, late on a loaded machine; then a moment for any others.
      await eventually(() => expect(t.logs.length).toBeGreaterThan(before));
      await sleep(300);
      const lines = t.logs.slice(before);
      expect(Math.max(...lines.map((l) => l.length))).toBeLessThan(2_000);
      expect(lines.join('')).not.toContain('x'.repeat(500));
    },
  );

  it('the process logger bounds any long string it is given', () => {
    const { lines, stream } = sink();
    const logger = createLogger('info', stream);
    logger.info({ value: HUGE, nested: { value: HUGE } }, 'something with a huge value');
    expect(lines).toHaveLength(1);
    expect(lines[0].length).toBeLessThan(6_000);
    expect(lines[0]).toContain('[+18000 chars]');
  });

  it('a request nothing acknowledged (malformed, unknown) is logged as such, not as a database problem', async () => {
    const { lines, stream } = sink();
    const app = { processEvent: async () => undefined } as unknown as App;
    guardAcks(app, pino(stream), { answer: unavailableResponse, deadlineMs: 2500 });
    await app.processEvent({ body: { type: 'block_actions' }, ack: async () => undefined });
    const logged = lines.join('');
    expect(logged).not.toMatch(/database/);
    expect(logged).toMatch(/nothing acknowledged it/);
  });
});
