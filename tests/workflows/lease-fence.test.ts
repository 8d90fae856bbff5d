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
/** Waits for A to be inside the adapter, i.e. holding the lease: a fixed pause is too short on a loaded machine. */
async function untilTrue(condition: () => boolean): Promise<void> {
  while (!condition()) await sleep(10);
}

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
    let adapterEntered = false;
    const adapter: LicenseAdapter = {
      name: 'local',
      request: async (): Promise<LicenseOutcome> => {
        adapterEntered = true;
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
    await untilTrue(() => adapterEntered);
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
    let finish: (() => void) | undefined;
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
    await untilTrue(() => finish !== undefined);
    const claim = async () =>
      (await store.requests.claimPendingRequests('C', new Date(), 10, 60_000)).filter((r) => r.id === record.id);
    expect(await claim()).toEqual([]); // A holds it for a minute
    expect(await workflow.releaseLeases()).toBe(1);
    expect((await claim()).map((r) => r.id)).toEqual([record.id]); // another replica, at once
    finish!();
    expect((await running).status).toBe('pending'); // A's late result is not written
    expect(delivered).toEqual([]);
  });

  it('a copy whose lease was lost before its send: no DM from the process that lost it; the new holder sends one, unmarked', async () => {
    const lines: string[] = [];
    const logger = pino(
      new Writable({
        write(chunk, _e, done) {
          lines.push(String(chunk));
          done();
        },
      }),
    );
    const { record } = await store.requests.createRequest(
      {
        ticketUrl: 'https://gitlab.zendesk.com/agent/tickets/4244',
        email: 'e@example.com',
        userCount: 100,
        requestedBySlackId: 'U1',
        requestedByUsername: 'jdoe',
        licenseExpiresOn: '2026-12-01',
        scopeSummary: 'in scope',
        adapter: 'local',
        idempotencyKey: 'fence-3',
      },
      new Date(),
    );
    await store.requests.updateRequest(
      record.id,
      { status: 'generated', trialExpiresOn: '2026-12-17', licenseFile: 'L' },
      new Date(),
    );
    await store.requests.recordDelivery(record.id, { delivered: true }, new Date());
    // B's clock is past A's lease: to B, A looks dead (a database partition longer than the lease).
    const later = () => new Date(Date.now() + 120_000);
    const sent: { by: string; to: string; replacesCopyOf?: string }[] = [];
    const notifier = (by: string, beforeFence: () => Promise<unknown> = async () => undefined): LicenseNotifier => ({
      recordChanged: async () => undefined,
      deliver: async (copy, options) => {
        await beforeFence();
        const { replacesCopyOf } = (await options?.fence?.()) ?? {};
        sent.push({ by, to: copy.requestedBySlackId, ...(replacesCopyOf ? { replacesCopyOf } : {}) });
      },
    });
    const workflow = (owner: string, deliver: LicenseNotifier, now: () => Date) =>
      new EmergencyLicenseWorkflow({
        requests: store.requests,
        adapter: {
          name: 'local',
          request: async () => ({ status: 'failed', reason: 'unused' }),
          follow: async () => ({ status: 'failed', reason: 'unused' }),
        },
        notifier: deliver,
        logger,
        now,
        deliveryRetry: { ...DEFAULT_DELIVERY_RETRY, pollIntervalMs: 60_000 },
        lease: { owner, leaseMs: 60_000, maxInFlight: 5 },
      });
    let takenOver = 0;
    const a = workflow(
      'A',
      notifier('A', async () => {
        takenOver += (await store.requests.claimCopiesDue('B', later(), 10, 60_000)).length;
      }),
      () => new Date(),
    );
    expect(await a.requestCopy(record.id, 'U2', 'click-1')).toEqual({ kind: 'queued', created: true });
    await a.settle();
    expect(takenOver).toBe(1);
    expect(sent).toEqual([]);
    expect(
      lines.filter((l) => /license hand-over stopped: this process no longer holds the lease/.test(l)),
    ).toHaveLength(1);

    const b = workflow('B', notifier('B'), later);
    expect(await b.deliverCopiesDue()).toBe(1);
    expect(sent).toEqual([{ by: 'B', to: 'U2' }]);
    expect(await b.deliverCopiesDue()).toBe(0);
    expect(sent).toHaveLength(1);
  });
});
