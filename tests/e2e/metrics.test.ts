import { applySubmissionAck, type BotUnderTest, startBotUnderTest } from '../../testkit/bot-under-test';
import { type JsonObject } from '../../testkit/fake-slack';
import { eventually } from '../../testkit/eventually';
import { WebClient } from '@slack/web-api';

/** The Web API client's own methods, before any bot starts: metrics must not patch them. */
const clientMethods = () => {
  const prototype = WebClient.prototype as unknown as Record<string, unknown>;
  return { makeRequest: prototype.makeRequest, buildResult: prototype.buildResult, apiCall: prototype.apiCall };
};
const unpatched = clientMethods();

describe('GET /metrics (Prometheus) on METRICS_PORT', () => {
  let t: BotUnderTest;
  beforeAll(async () => {
    t = await startBotUnderTest();
  });
  afterAll(async () => {
    await t.stop();
  });

  it('counts verdicts, ack latency, Slack API errors and the outbox backlog', async () => {
    await t.command('/star-check', '99');
    await t.fake.waitForCall('views.open');
    let view = t.view('star_check');
    view = applySubmissionAck(t.fake, view, await t.submit(view, { q_kind: 'wrong_product' })).view as JsonObject;
    applySubmissionAck(t.fake, view, await t.submit(view, { q_salesIntervened: 'no' }));
    await t.fake.waitForCall('chat.postMessage');

    t.fake.fail('views.open', { error: 'expired_trigger_id', times: 1 });
    await t.command('/star-check', '100');
    await t.fake.waitForCall('views.open', (c) => c.fault !== undefined);

    const text = await eventually(async () => {
      const res = await fetch(`http://127.0.0.1:${t.bot.metricsPort}/metrics`);
      expect(res.status).toBe(200);
      const body = await res.text();
      expect(body).toContain('lr_bot_star_verdicts_total{verdict="not_yet_sales"} 1');
      expect(body).toContain('lr_bot_slack_api_errors_total{method="views.open"} 1');
      expect(body).toMatch(/lr_bot_ack_latency_seconds_count\{type="slash_command"\} 2/);
      return body;
    });
    expect(text).toMatch(/lr_bot_ack_latency_seconds_count\{type="slash_command"\} 2/);
    expect(text).toMatch(/lr_bot_ack_latency_seconds_count\{type="view_submission"\} 2/);
    expect(text).toContain('lr_bot_slack_api_errors_total{method="views.open"} 1');
    expect(text).toMatch(/lr_bot_outbox_backlog \d+/);
  });

  it("counts through the public client options, leaving the Web API client's methods alone", () => {
    expect(clientMethods()).toEqual(unpatched);
  });
});
