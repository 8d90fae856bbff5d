import type { IncomingMessage, ServerResponse } from 'node:http';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** The bot's Prometheus metrics, on their own registry (so tests can run several bots). */
export class BotMetrics {
  readonly registry = new Registry();
  readonly verdicts = new Counter({
    name: 'lr_bot_star_verdicts_total',
    help: 'STAR check verdicts by outcome',
    labelNames: ['verdict'],
    registers: [this.registry],
  });
  readonly licenseRequests = new Counter({
    name: 'lr_bot_license_requests_total',
    help: 'Emergency license request status changes (pending, generated, failed, refused)',
    labelNames: ['status'],
    registers: [this.registry],
  });
  readonly slackApiErrors = new Counter({
    name: 'lr_bot_slack_api_errors_total',
    help: 'Failed Slack Web API calls by method',
    labelNames: ['method'],
    registers: [this.registry],
  });
  readonly ackLatency = new Histogram({
    name: 'lr_bot_ack_latency_seconds',
    help: 'Time from receiving a Slack request to acknowledging it',
    labelNames: ['type'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 3],
    registers: [this.registry],
  });

  constructor(outboxBacklog: () => Promise<number>) {
    new Gauge({
      name: 'lr_bot_outbox_backlog',
      help: 'Audit messages not delivered to Slack yet',
      registers: [this.registry],
      async collect() {
        this.set(await outboxBacklog().catch(() => -1));
      },
    });
    // A coarse event-loop probe: the default (10 ms) wakes an idle bot 100 times a second.
    collectDefaultMetrics({ register: this.registry, prefix: 'lr_bot_', eventLoopMonitoringPrecision: 200 });
  }

  handler() {
    return async (_req: IncomingMessage, res: ServerResponse): Promise<void> => {
      const body = await this.registry.metrics();
      res.writeHead(200, { 'Content-Type': this.registry.contentType });
      res.end(body);
    };
  }
}
