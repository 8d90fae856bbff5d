import { randomUUID } from 'node:crypto';
import type { Store } from '../src/store/store';
import { hr } from '../testkit/signed-request';
import { summarize, type Summary } from './stats';

/**
 * Times `op` over at most `samples` calls within `budgetMs`, after up to 50 unmeasured warm-up
 * calls (negative indexes). `rows` is the mean of what `op` returns when it returns a number.
 */
export async function measure(
  samples: number,
  budgetMs: number,
  op: (i: number) => Promise<unknown>,
): Promise<{ summary: Summary; rows: number }> {
  for (let i = 0; i < Math.min(50, samples); i++) await op(-1 - i);
  const latencies: number[] = [];
  let rows = 0;
  const deadline = hr() + budgetMs;
  for (let i = 0; i < samples && hr() < deadline; i++) {
    const t0 = hr();
    const result = await op(i);
    latencies.push(hr() - t0);
    if (typeof result === 'number') rows += result;
  }
  return { summary: summarize(latencies), rows: latencies.length ? rows / latencies.length : 0 };
}

/**
 * New license requests written as the bot writes them (10-day duplicate check + insert, one
 * transaction), on any store. The writes are refused afterwards: a pending one would be "resumed"
 * (signed and uploaded) by a bot started on this store, which is not what a restart normally finds.
 */
export async function measureRequestWrites(store: Store, samples: number, budgetMs: number): Promise<Summary> {
  let seq = 0;
  const created: string[] = [];
  const { summary } = await measure(samples, budgetMs, async () => {
    seq += 1;
    const result = await store.requests.createRequest(
      {
        // Outside the filled range: a recent filled request for the same ticket would (rightly) make
        // this a duplicate instead of a write.
        ticketUrl: `https://gitlab.zendesk.com/agent/tickets/${900_000 + seq}`,
        email: `new${seq}@example.com`,
        userCount: 250,
        requestedBySlackId: 'U0BENCH001',
        requestedByUsername: 'jdoe',
        licenseExpiresOn: '2025-01-01',
        scopeSummary: 'In scope: grace period ended 1 day ago',
        adapter: 'local',
        idempotencyKey: `bench-${seq}-${randomUUID()}`,
      },
      new Date(),
      { reissueWindowSince: new Date(Date.now() - 10 * 86_400_000) },
    );
    if (result.outcome !== 'created') throw new Error(`benchmark write not created: ${result.outcome}`);
    created.push(result.record.id);
  });
  for (const id of created) {
    await store.requests.updateRequest(id, { status: 'refused', refusalReason: 'benchmark write' }, new Date());
  }
  return summary;
}
