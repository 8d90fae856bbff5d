/**
 * Health on the public port (what a load balancer, a kubelet or anyone on the network sees) and the
 * detailed report on METRICS_PORT (the cluster's eyes only), per CONTRACT.md: public /healthz,
 * /readyz and /livez answer status codes only (GET and HEAD); the facts and /metrics are on
 * METRICS_PORT.
 */
import { type BotUnderTest, startBotUnderTest } from '../../testkit/bot-under-test';
import { eventually } from '../../testkit/eventually';
import { starCheckVerdict } from '../../testkit/bot-steps';

async function details(
  t: BotUnderTest,
): Promise<{ status: number; contentType: string | null; body: Record<string, unknown> }> {
  const res = await fetch(`http://127.0.0.1:${t.bot.metricsPort}/healthz`, { signal: AbortSignal.timeout(3000) });
  return {
    status: res.status,
    contentType: res.headers.get('content-type'),
    body: (await res.json()) as Record<string, unknown>,
  };
}

describe('health on the public port and on METRICS_PORT', () => {
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

  it.each(['/healthz', '/readyz', '/livez'])(
    'public %s answers GET and HEAD with a status code only: no path, no key kind, no facts',
    async (path) => {
      for (const method of ['GET', 'HEAD']) {
        const res = await fetch(`${t.baseUrl}${path}`, { method, signal: AbortSignal.timeout(3000) });
        const body = await res.text();
        expect([method, res.status]).toEqual([method, 200]);
        expect(body).toBe('');
        expect(body).not.toContain(t.dataDir);
        expect(body).not.toContain('development');
      }
    },
  );

  it('the public port has no /metrics', async () => {
    const res = await fetch(`${t.baseUrl}/metrics`, { signal: AbortSignal.timeout(3000) });
    expect(res.status).toBe(404);
    expect(await res.text()).not.toContain('lr_bot_');
  });

  it('METRICS_PORT serves the detailed report (GET and HEAD) and /metrics', async () => {
    expect(t.bot.metricsPort).toBeGreaterThan(0);
    expect(t.bot.metricsPort).not.toBe(t.bot.port);
    const answer = await details(t);
    expect(answer.status).toBe(200);
    expect(answer.contentType).toMatch(/^application\/json/);
    expect(answer.body).toMatchObject({ status: 'ok', slackAuth: true, storeWritable: true, outboxBacklog: 0 });
    expect(answer.body.licenseSigningKey).toBe('development');
    const head = await fetch(`http://127.0.0.1:${t.bot.metricsPort}/readyz`, { method: 'HEAD' });
    expect(head.status).toBe(200);
    const metrics = await fetch(`http://127.0.0.1:${t.bot.metricsPort}/metrics`);
    expect(metrics.status).toBe(200);
    expect(await metrics.text()).toContain('lr_bot_outbox_backlog');
  });

  it('the detailed report: the outbox backlog while chat.postMessage fails, 0 once Slack accepts it', async () => {
    t.fake.fail('chat.postMessage', { status: 500, times: Infinity });
    await starCheckVerdict(t, 1201);
    await starCheckVerdict(t, 1202);
    const during = await eventually(async () => {
      const answer = await details(t);
      expect(answer.body.outboxBacklog).toBe(2);
      expect(answer.body.auditLastError).toMatch(/500/);
      return answer;
    });
    // Slack being unable to take audit posts does not make the bot unready: it keeps them durably.
    expect(during.status).toBe(200);
    expect(during.body.status).toBe('ok');
    expect((await fetch(`${t.baseUrl}/healthz`)).status).toBe(200);

    t.fake.clearFaults();
    await eventually(async () => expect((await details(t)).body).toMatchObject({ status: 'ok', outboxBacklog: 0 }), {
      timeoutMs: 6000,
      intervalMs: 50,
    });
    expect((await details(t)).body.auditLastError).toBeUndefined();
    expect(t.fake.callsTo('chat.postMessage').filter((c) => c.status === 200)).toHaveLength(2);
  }, 15_000);

  it('is served only for GET and HEAD', async () => {
    const res = await fetch(`${t.baseUrl}/healthz`, { method: 'POST', signal: AbortSignal.timeout(3000) });
    expect(res.status).not.toBe(200);
    await res.arrayBuffer();
  });
});
