import pino from 'pino';
import type { App } from '@slack/bolt';
import { guardAcks } from '../../src/ops/ack-guard';
import { FAILED_TEXT, UNAVAILABLE_TEXT } from '../../src/slack/messages/bot-unavailable';
import { unavailableResponse } from '../../src/slack/unanswered';
import { checkView } from '../../testkit/block-kit';
import { DATABASE_PROBE_TIMEOUT_MS, healthHandler, livenessHandler } from '../../src/ops/health';

/** The part of App the guard wraps: processEvent, called by every receiver with the ReceiverEvent. */
function fakeApp(listener: (event: { ack: (r?: unknown) => Promise<void> }) => Promise<void>) {
  return { processEvent: async (event: { ack: (r?: unknown) => Promise<void> }) => listener(event) } as unknown as App;
}

function receiverEvent(body: Record<string, unknown>) {
  const acks: { at: number; response: unknown }[] = [];
  const started = performance.now();
  return {
    body,
    acks,
    started,
    ack: async (response?: unknown) => void acks.push({ at: performance.now() - started, response }),
  };
}

const silent = pino({ level: 'silent' });

describe('guardAcks', () => {
  // Fake timers (performance.now included): the deadline is the guard's own timer, so each test
  // moves time itself and a slow machine cannot move an ack across the deadline.
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('a listener stuck on a hung database: the guard answers the view submission at the deadline with a clear view, and the late ack is dropped', async () => {
    let release!: () => void;
    const app = fakeApp(async (event) => {
      await new Promise<void>((resolve) => (release = resolve)); // a store call that hangs
      await event.ack({ response_action: 'update', view: { late: true } });
    });
    guardAcks(app, silent, { answer: unavailableResponse, deadlineMs: 200 });
    const event = receiverEvent({ type: 'view_submission' });
    const done = app.processEvent(event);
    await jest.advanceTimersByTimeAsync(199);
    expect(event.acks).toHaveLength(0);
    await jest.advanceTimersByTimeAsync(1);
    expect(event.acks).toHaveLength(1);
    expect(event.acks[0].at).toBe(200);
    expect(JSON.stringify(event.acks[0].response)).toContain('database is not reachable');
    release();
    await done;
    expect(event.acks).toHaveLength(1);
  });

  it('a command whose listener failed before its ack (database refused) gets the ephemeral explanation at once', async () => {
    const app = fakeApp(async () => {
      // Bolt hands the error to the error handler and resolves: no ack was made.
    });
    guardAcks(app, silent, { answer: unavailableResponse, deadlineMs: 2500 });
    const event = receiverEvent({ command: '/license-status' });
    await app.processEvent(event);
    // No time has passed: the answer did not wait for the deadline.
    expect(event.acks).toEqual([{ at: 0, response: { response_type: 'ephemeral', text: UNAVAILABLE_TEXT } }]);
  });

  it('a listener that failed while the database answers: the answer owns the failure and does not blame the database', async () => {
    const app = fakeApp(async () => undefined);
    guardAcks(app, silent, { answer: unavailableResponse, deadlineMs: 2500, databaseReachable: async () => true });
    const command = receiverEvent({ command: '/license-status' });
    await app.processEvent(command);
    expect(command.acks).toEqual([{ at: 0, response: { response_type: 'ephemeral', text: FAILED_TEXT } }]);
    const submission = receiverEvent({ type: 'view_submission' });
    await app.processEvent(submission);
    expect(JSON.stringify(submission.acks[0].response)).not.toContain('database');
    expect(JSON.stringify(submission.acks[0].response)).toContain('something went wrong on our side');
  });

  it('a listener that failed while the database refuses: the database explanation', async () => {
    const app = fakeApp(async () => undefined);
    for (const databaseReachable of [async () => false, () => Promise.reject(new Error('ECONNREFUSED'))]) {
      guardAcks(app, silent, { answer: unavailableResponse, deadlineMs: 2500, databaseReachable });
      const event = receiverEvent({ command: '/license-status' });
      await app.processEvent(event);
      expect(event.acks).toEqual([{ at: 0, response: { response_type: 'ephemeral', text: UNAVAILABLE_TEXT } }]);
    }
  });

  it('a listener that failed while the database hangs: the database explanation, still at the deadline', async () => {
    const app = fakeApp(async () => undefined);
    guardAcks(app, silent, {
      answer: unavailableResponse,
      deadlineMs: 200,
      databaseReachable: () => new Promise<boolean>(() => undefined),
    });
    const event = receiverEvent({ command: '/license-status' });
    const done = app.processEvent(event);
    await jest.advanceTimersByTimeAsync(199);
    expect(event.acks).toHaveLength(0);
    await jest.advanceTimersByTimeAsync(1);
    await done;
    expect(event.acks).toEqual([{ at: 200, response: { response_type: 'ephemeral', text: UNAVAILABLE_TEXT } }]);
  });

  it('the modals it answers a view submission with are views Slack accepts', () => {
    for (const why of ['database', 'failed'] as const) {
      const answer = unavailableResponse({ type: 'view_submission' }, why);
      expect(checkView(answer?.view)).toEqual([]);
    }
  });

  it('the answers Slack receives, to the letter: an ephemeral text for a command, a modal for a view submission, nothing for others', () => {
    expect(unavailableResponse({ command: '/star-check' }, 'database')).toEqual({
      response_type: 'ephemeral',
      text: UNAVAILABLE_TEXT,
    });
    expect(unavailableResponse({ command: '/license-status' }, 'failed')).toEqual({
      response_type: 'ephemeral',
      text: FAILED_TEXT,
    });
    const modal = (callbackId: string, title: string, text: string) => ({
      response_action: 'update',
      view: {
        type: 'modal',
        callback_id: callbackId,
        title: { type: 'plain_text', text: title },
        close: { type: 'plain_text', text: 'Close' },
        blocks: [{ type: 'section', text: { type: 'mrkdwn', text } }],
      },
    });
    expect(unavailableResponse({ type: 'view_submission' }, 'database')).toEqual(
      modal('bot_unavailable', 'Try again shortly', UNAVAILABLE_TEXT),
    );
    expect(unavailableResponse({ type: 'view_submission' }, 'failed')).toEqual(
      modal('bot_failed', 'Something went wrong', FAILED_TEXT),
    );
    expect(UNAVAILABLE_TEXT).toBe(
      ':warning: The bot could not answer this in time: most likely its database is not reachable right now. ' +
        'Please try again in a minute, and check /license-status first: part of what you sent may already be ' +
        'stored (it is then finished automatically).',
    );
    expect(FAILED_TEXT).toBe(
      ':warning: Sorry, something went wrong on our side and the bot could not finish this. Part of it may ' +
        'already be done: check /license-status or the licensing channel before you try again.',
    );
    expect(unavailableResponse({ type: 'block_actions' }, 'database')).toBeUndefined();
    expect(
      unavailableResponse({ type: 'event_callback', event: { type: 'app_home_opened' } }, 'failed'),
    ).toBeUndefined();
  });

  it('tells onAck of each request once: the listener’s ack, or the guard’s answer in its place', async () => {
    const seen: { type?: string; seconds: number }[] = [];
    const onAck = (body: { type?: string; command?: string }, seconds: number) =>
      void seen.push({ type: body.command ?? body.type, seconds });
    const acking = fakeApp(async (event) => {
      await new Promise((resolve) => setTimeout(resolve, 30));
      await event.ack();
      await event.ack(); // a second ack is dropped, and not timed again
    });
    guardAcks(acking, silent, { answer: unavailableResponse, deadlineMs: 1000, onAck });
    const acked = acking.processEvent(receiverEvent({ command: '/star-check' }));
    await jest.advanceTimersByTimeAsync(30);
    await acked;
    const failing = fakeApp(async () => undefined);
    guardAcks(failing, silent, { answer: unavailableResponse, deadlineMs: 1000, onAck });
    await failing.processEvent(receiverEvent({ type: 'view_submission' }));
    expect(seen).toEqual([
      { type: '/star-check', seconds: 0.03 },
      { type: 'view_submission', seconds: 0 },
    ]);
  });

  it('a listener that acks in time is left alone', async () => {
    const app = fakeApp(async (event) => {
      await event.ack({ response_action: 'update', view: { ok: true } });
      await new Promise((resolve) => setTimeout(resolve, 300)); // work after the ack
    });
    guardAcks(app, silent, { answer: unavailableResponse, deadlineMs: 100 });
    const event = receiverEvent({ type: 'view_submission' });
    const done = app.processEvent(event);
    await jest.advanceTimersByTimeAsync(300);
    await done;
    expect(event.acks.map((a) => a.response)).toEqual([{ response_action: 'update', view: { ok: true } }]);
  });
});

describe('readiness and liveness', () => {
  function call(
    handler: (req: never, res: never) => unknown,
  ): Promise<{ status: number; body: Record<string, unknown>; ms: number }> {
    const started = performance.now();
    return new Promise((resolve) => {
      let status = 0;
      const res = {
        writeHead: (s: number) => void (status = s),
        end: (text: string) =>
          resolve({ status, body: JSON.parse(text) as Record<string, unknown>, ms: performance.now() - started }),
      };
      void handler({} as never, res as never);
    });
  }
  const probe = (storeWritable: () => Promise<boolean>) => ({
    slackAuthVerified: () => true,
    storeWritable,
    outboxBacklog: async () => 0,
    shuttingDown: () => false,
    database: () => ({ backend: 'postgres' as const, location: 'postgres://bot@db:5432/lr' }),
  });

  it('a database that hangs reads as not ready (503) at the probe timeout, with the database facts', async () => {
    jest.useFakeTimers();
    try {
      let answer: Awaited<ReturnType<typeof call>> | undefined;
      void call(healthHandler(probe(() => new Promise<boolean>(() => undefined)))).then((a) => (answer = a));
      await jest.advanceTimersByTimeAsync(DATABASE_PROBE_TIMEOUT_MS - 1);
      expect(answer).toBeUndefined();
      await jest.advanceTimersByTimeAsync(1);
      expect(answer).toMatchObject({
        status: 503,
        ms: DATABASE_PROBE_TIMEOUT_MS,
        body: {
          status: 'unavailable',
          storeWritable: false,
          outboxBacklog: -1,
          database: { backend: 'postgres', reachable: false },
        },
      });
    } finally {
      jest.useRealTimers();
    }
  });

  it('a reachable database: 200 with the same fields as before plus the database', async () => {
    const answer = await call(healthHandler(probe(async () => true)));
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({
      status: 'ok',
      slackAuth: true,
      storeWritable: true,
      outboxBacklog: 0,
      shuttingDown: false,
      database: { backend: 'postgres', reachable: true },
    });
  });

  it('liveness ignores the database', async () => {
    expect((await call(livenessHandler())).status).toBe(200);
  });
});
