/**
 * GET /healthz on the bot's HTTP port, as a load balancer or Kubernetes probe sees it.
 */
import { type BotUnderTest, startBotUnderTest } from '../../testkit/bot-under-test';
import { eventually } from '../../testkit/eventually';
import { starCheckVerdict } from '../../testkit/bot-steps';

async function health(
  t: BotUnderTest,
): Promise<{ status: number; contentType: string | null; body: Record<string, unknown> }> {
  const res = await fetch(`${t.baseUrl}/healthz`, { signal: AbortSignal.timeout(3000) });
  return {
    status: res.status,
    contentType: res.headers.get('content-type'),
    body: (await res.json()) as Record<string, unknown>,
  };
}

describe('GET /healthz', () => {
  let t: BotUnderTest;
  beforeAll(async () => {
    t = await startBotUnderTest({
      OUTBOX_POLL_INTERVAL_MS: '100',
      OUTBOX_MIN_BACKOFF_MS: '100',
      OUTBOX_MAX_BACKOFF_MS: '500',
    });
  });
  afterAll(async () => {
    await t.stop();
  });

  it('answers 200 with the facts when ready', async () => {
    const answer = await health(t);
    expect(answer.status).toBe(200);
    expect(answer.contentType).toMatch(/^application\/json/);
    expect(answer.body).toMatchObject({ status: 'ok', slackAuth: true, storeWritable: true, outboxBacklog: 0 });
  });

  it('shows the outbox backlog while chat.postMessage fails, and 0 again once Slack accepts it', async () => {
    t.fake.fail('chat.postMessage', { status: 500, times: Infinity });
    await starCheckVerdict(t, 1201);
    await starCheckVerdict(t, 1202);
    const during = await eventually(async () => {
      const answer = await health(t);
      expect(answer.body.outboxBacklog).toBe(2);
      expect(answer.body.auditLastError).toMatch(/500/);
      return answer;
    });
    // Slack being unable to take audit posts does not make the bot unready: it keeps them durably.
    expect(during.status).toBe(200);
    expect(during.body.status).toBe('ok');

    t.fake.clearFaults();
    await eventually(async () => expect((await health(t)).body).toMatchObject({ status: 'ok', outboxBacklog: 0 }), {
      timeoutMs: 6000,
      intervalMs: 50,
    });
    expect((await health(t)).body.auditLastError).toBeUndefined();
    expect(t.fake.callsTo('chat.postMessage').filter((c) => c.status === 200)).toHaveLength(2);
  }, 15_000);

  it('is served only for GET', async () => {
    const res = await fetch(`${t.baseUrl}/healthz`, { method: 'POST', signal: AbortSignal.timeout(3000) });
    expect(res.status).not.toBe(200);
    await res.arrayBuffer();
  });
});
