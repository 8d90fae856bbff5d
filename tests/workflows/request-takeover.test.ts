/**
 * HA (issue 11): license requests shared by two replicas on one PostgreSQL store. Pending
 * requests are claimed with a lease: each is processed by exactly one replica; a replica that
 * dies mid-request leaves it to the other once the lease runs out; a live owner renews its lease
 * while the adapter runs, so nobody takes a slow request away from it.
 */
import pino from 'pino';
import { JobRunner } from '../../src/shared/job-runner';
import type { LicenseAdapter, LicenseOutcome, TrialLicenseRequest } from '../../src/licenses/types';
import { PostgresStore, type LicenseRequestInput, type LicenseRequestRecord, type Store } from '../../src/store';
import {
  EmergencyLicenseWorkflow,
  DEFAULT_DELIVERY_RETRY,
  type LicenseNotifier,
} from '../../src/workflows/emergency-license';
import { usePostgres } from '../support/postgres';

const postgres = usePostgres();
const silent = pino({ level: 'silent' });
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Counts adapter calls per request; each call takes `delayMs` (or never ends when `hang`). */
class CountingAdapter implements LicenseAdapter {
  readonly name = 'local' as const;
  readonly calls: string[] = [];
  constructor(
    private readonly delayMs: number,
    public hang = false,
  ) {}
  async request(req: TrialLicenseRequest): Promise<LicenseOutcome> {
    this.calls.push(req.requestId);
    if (this.hang) return new Promise<never>(() => undefined);
    await sleep(this.delayMs);
    return {
      status: 'generated',
      licenseFile: 'LICENSE',
      fileName: 'x.gitlab-license',
      expiresOn: '2025-06-24',
      reference: `/licenses/${req.requestId}`,
    };
  }
  async follow(): Promise<never> {
    throw new Error('not used');
  }
}

class CountingNotifier implements LicenseNotifier {
  readonly delivered: string[] = [];
  async recordChanged(): Promise<void> {}
  async deliver(record: LicenseRequestRecord): Promise<void> {
    this.delivered.push(record.id);
  }
}

let seq = 0;
const input = (): LicenseRequestInput => {
  seq++;
  return {
    ticketUrl: `https://gitlab.zendesk.com/agent/tickets/${700 + seq}`,
    email: `c${seq}@example.com`,
    userCount: 100,
    requestedBySlackId: 'U1',
    requestedByUsername: 'jdoe',
    licenseExpiresOn: '2025-06-10',
    scopeSummary: 'in scope',
    adapter: 'local',
    idempotencyKey: `takeover-${seq}`,
  };
};

const stores: Store[] = [];
afterEach(async () => {
  await Promise.all(runners.splice(0).map((r) => r.stop()));
  await Promise.all(stores.splice(0).map((s) => s.close().catch(() => undefined)));
});

const runners: JobRunner[] = [];

/** Polls the workflow as the bot does: on the job runner (every 100 ms here). */
function poll(workflow: EmergencyLicenseWorkflow): void {
  const runner = new JobRunner([workflow], silent);
  runners.push(runner);
  runner.start();
}

async function replica(url: string, owner: string, adapter: CountingAdapter, leaseMs: number) {
  const store = await PostgresStore.open({ connectionString: url, max: 4 });
  stores.push(store);
  const notifier = new CountingNotifier();
  const workflow = new EmergencyLicenseWorkflow({
    requests: store.requests,
    adapter,
    notifier,
    logger: silent,
    now: () => new Date(),
    deliveryRetry: { ...DEFAULT_DELIVERY_RETRY, pollIntervalMs: 100 },
    lease: {
      owner,
      leaseMs,
      maxInFlight: 50,
    },
  });
  return { store, workflow, notifier, adapter };
}

const isDelivered = (record: LicenseRequestRecord | undefined): boolean =>
  record?.status === 'generated' && record.delivery.status === 'delivered';

async function until(check: () => Promise<boolean> | boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await sleep(25);
  }
}

it('two replicas resuming at once process every pending request exactly once, and deliver each once', async () => {
  const url = await postgres().createDatabase();
  const a = await replica(url, 'replica-a', new CountingAdapter(20), 5_000);
  const b = await replica(url, 'replica-b', new CountingAdapter(20), 5_000);
  const ids: string[] = [];
  for (let i = 0; i < 12; i++) ids.push((await a.store.requests.createRequest(input(), new Date())).record.id);
  await Promise.all([a.workflow.pass(), b.workflow.pass(), a.workflow.pass(), b.workflow.pass()]);
  await until(
    async () =>
      (await Promise.all(ids.map((id) => a.store.requests.getRequest(id)))).every(
        (r) => r?.status === 'generated' && r.delivery.status === 'delivered',
      ),
    10_000,
  );
  await Promise.all([a.workflow.settle(), b.workflow.settle()]);
  expect([...a.adapter.calls, ...b.adapter.calls].sort()).toEqual([...ids].sort());
  expect([...a.notifier.delivered, ...b.notifier.delivered].sort()).toEqual([...ids].sort());
});

it('a replica that dies mid-request: the other takes it over after the lease and completes it once', async () => {
  const url = await postgres().createDatabase();
  const leaseMs = 800;
  const dying = await replica(url, 'replica-a', new CountingAdapter(0, true), leaseMs);
  const survivor = await replica(url, 'replica-b', new CountingAdapter(10), leaseMs);
  const { record } = await dying.store.requests.createRequest(input(), new Date());
  void dying.workflow.process(record.id);
  await until(() => dying.adapter.calls.length === 1, 2_000);
  // The process "dies": its connections go, so the lease is no longer renewed.
  const diedAt = Date.now();
  await dying.store.close();
  poll(survivor.workflow);
  await until(async () => isDelivered(await survivor.store.requests.getRequest(record.id)), 5_000);
  const takeoverMs = Date.now() - diedAt;
  await survivor.workflow.settle();
  expect(survivor.adapter.calls).toEqual([record.id]);
  expect(survivor.notifier.delivered).toEqual([record.id]);
  // not before the lease (last renewed ≤ lease/3 before the death) ran out
  expect(takeoverMs).toBeGreaterThanOrEqual(leaseMs - 300);
  process.stdout.write(
    `[takeover] lease ${leaseMs} ms → taken over and delivered ${takeoverMs} ms after the owner died\n`,
  );
});

it('a live owner renews its lease while the adapter runs: nobody takes a slow request away from it', async () => {
  const url = await postgres().createDatabase();
  // Renewed every third of the lease: each renewal has 2/3 of a lease (667 ms) to get through, which a
  // loaded CI machine needs (a 300 ms lease lost one there).
  const leaseMs = 1_000;
  const owner = await replica(url, 'replica-a', new CountingAdapter(3_000), leaseMs);
  const other = await replica(url, 'replica-b', new CountingAdapter(10), leaseMs);
  const { record } = await owner.store.requests.createRequest(input(), new Date());
  const done = owner.workflow.process(record.id);
  poll(other.workflow); // claims every 100 ms for 3 s, three leases long
  await expect(done).resolves.toMatchObject({ status: 'generated', delivery: { status: 'delivered' } });
  await sleep(300);
  expect(other.adapter.calls).toEqual([]);
  expect(owner.adapter.calls).toEqual([record.id]);
  expect([...owner.notifier.delivered, ...other.notifier.delivered]).toEqual([record.id]);
});

it('a request just created is held by the replica that received it from the insert on; another takes it only once that lease ran out', async () => {
  const url = await postgres().createDatabase();
  const leaseMs = 1_500; // the 300 ms pause below stays well inside it on a loaded machine
  const receiver = await replica(url, 'replica-a', new CountingAdapter(10), leaseMs);
  const other = await replica(url, 'replica-b', new CountingAdapter(10), leaseMs);
  poll(other.workflow); // claims every 100 ms
  const { record } = await receiver.workflow.submit(input());
  await sleep(300); // the receiver is "slow" to start on it, but holds its lease since the insert
  await expect(receiver.workflow.process(record.id)).resolves.toMatchObject({
    status: 'generated',
    delivery: { status: 'delivered' },
  });
  expect(other.adapter.calls).toEqual([]);

  // Created, and its receiver died before working on it: taken over once the creator's lease ran out.
  const { record: orphan } = await receiver.workflow.submit(input());
  const createdAt = Date.now();
  await until(async () => isDelivered(await other.store.requests.getRequest(orphan.id)), 5_000);
  expect(Date.now() - createdAt).toBeGreaterThanOrEqual(leaseMs - 100);
  expect(other.adapter.calls).toEqual([orphan.id]);
  expect(receiver.adapter.calls).toEqual([record.id]);
});
