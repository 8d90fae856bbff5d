/**
 * Issue 18: the request lease is a fence. Work whose lease another owner took stops before its
 * next side effect (no "generated" written, nothing delivered), and says so once, not on every
 * renewal tick.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import pino from 'pino';
import type { LicenseAdapter, LicenseOutcome } from '../../src/licenses/types';
import { openStore, type LicenseRequestRecord, type Store } from '../../src/store';
import {
  DEFAULT_DELIVERY_RETRY,
  EmergencyLicenseWorkflow,
  type LicenseNotifier,
} from '../../src/workflows/emergency-license';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('a run that lost its lease', () => {
  let dir: string;
  let store: Store;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'lr-fence-'));
    store = openStore(dir);
  });
  afterAll(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('stops before writing or delivering, and logs the loss once over many renewal ticks', async () => {
    const lines: string[] = [];
    const logger = pino(
      new Writable({
        write(chunk, _e, done) {
          lines.push(String(chunk));
          done();
        },
      }),
    );
    const adapter: LicenseAdapter = {
      name: 'local',
      request: async (): Promise<LicenseOutcome> => {
        await sleep(1200); // 12 renewal ticks of a 300 ms lease
        return { status: 'generated', licenseFile: 'L', fileName: 'x', expiresOn: '2026-12-17', reference: '/x' };
      },
      follow: async () => {
        throw new Error('not used');
      },
    };
    const delivered: string[] = [];
    const notifier: LicenseNotifier = {
      recordChanged: async () => undefined,
      deliver: async (record: LicenseRequestRecord) => void delivered.push(record.id),
    };
    const workflow = new EmergencyLicenseWorkflow({
      requests: store.requests,
      adapter,
      notifier,
      logger,
      now: () => new Date(),
      deliveryRetry: { ...DEFAULT_DELIVERY_RETRY, pollIntervalMs: 60_000 },
      lease: { owner: 'A', leaseMs: 300, maxInFlight: 5 },
    });
    const { record } = await store.requests.createRequest(
      {
        ticketUrl: 'https://gitlab.zendesk.com/agent/tickets/4242',
        email: 'c@example.com',
        userCount: 100,
        requestedBySlackId: 'U1',
        requestedByUsername: 'jdoe',
        licenseExpiresOn: '2026-12-01',
        scopeSummary: 'in scope',
        adapter: 'local',
        idempotencyKey: 'fence-1',
      },
      new Date(),
    );
    const running = workflow.process(record.id);
    await sleep(150);
    // Another replica whose clock says A's lease ran out takes the request over.
    expect(await store.requests.claimRequest(record.id, 'B', new Date(Date.now() + 10_000), 60_000)).toBe(true);
    const result = await running;
    expect(result.status).toBe('pending');
    expect((await store.requests.getRequest(record.id))?.status).toBe('pending');
    expect(delivered).toEqual([]);
    const lost = lines.filter((l) => /lost the lease/.test(l));
    expect(lost).toHaveLength(1);
  });

  it('a graceful stop hands a request still in progress over at once (before the lease runs out)', async () => {
    let finish!: () => void;
    const adapter: LicenseAdapter = {
      name: 'local',
      request: async (): Promise<LicenseOutcome> => {
        await new Promise<void>((resolve) => (finish = resolve));
        return { status: 'generated', licenseFile: 'L', fileName: 'x', expiresOn: '2026-12-17', reference: '/x' };
      },
      follow: async () => {
        throw new Error('not used');
      },
    };
    const delivered: string[] = [];
    const workflow = new EmergencyLicenseWorkflow({
      requests: store.requests,
      adapter,
      notifier: { recordChanged: async () => undefined, deliver: async (record) => void delivered.push(record.id) },
      logger: pino({ level: 'silent' }),
      now: () => new Date(),
      deliveryRetry: { ...DEFAULT_DELIVERY_RETRY, pollIntervalMs: 60_000 },
      lease: { owner: 'A', leaseMs: 60_000, maxInFlight: 5 },
    });
    const { record } = await store.requests.createRequest(
      {
        ticketUrl: 'https://gitlab.zendesk.com/agent/tickets/4243',
        email: 'd@example.com',
        userCount: 100,
        requestedBySlackId: 'U1',
        requestedByUsername: 'jdoe',
        licenseExpiresOn: '2026-12-01',
        scopeSummary: 'in scope',
        adapter: 'local',
        idempotencyKey: 'fence-2',
      },
      new Date(),
    );
    const running = workflow.process(record.id);
    await sleep(100);
    const claim = async () =>
      (await store.requests.claimPendingRequests('C', new Date(), 10, 60_000)).filter((r) => r.id === record.id);
    expect(await claim()).toEqual([]); // A holds it for a minute
    expect(await workflow.releaseLeases()).toBe(1);
    expect((await claim()).map((r) => r.id)).toEqual([record.id]); // another replica, at once
    finish();
    expect((await running).status).toBe('pending'); // A's late result is not written
    expect(delivered).toEqual([]);
  });
});
