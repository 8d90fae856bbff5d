/**
 * The channel notice shows the request's latest state whoever publishes last. Two replicas may
 * each publish the notice of one request (one generated the license and lost its lease, the other
 * delivered it): the publisher that read the record before the other's change must not leave the
 * older state in the channel. And a notice whose publish was lost to a crash is published again,
 * but only then.
 */
import { type LicenseRequestRecord, type OutboxMessage, type Store } from '../../src/store';
import { LicenseNoticePublisher } from '../../src/slack/license-notice-publisher';
import { storeBackends } from '../store/support/backends';

const NOW = new Date('2026-12-05T10:00:00.000Z');

// On both backends: PostgreSQL keeps blocks as JSONB, which gives an object's keys back in another order.
describe.each(storeBackends('lr-notice-publisher-'))('LicenseNoticePublisher on $name', (backend) => {
  let location: string;
  let store: Store;

  beforeEach(async () => {
    location = await backend.newLocation();
    store = await backend.open(location);
  });
  afterEach(async () => {
    await store.close();
    backend.cleanUp(location);
  });

  const publisher = (
    onPublish: (message: OutboxMessage) => Promise<void> = async () => undefined,
    licenseWarning?: string,
  ) =>
    new LicenseNoticePublisher({
      licenseWarning,
      audit: {
        publish: async (message) => {
          await store.outbox.enqueue(message, NOW);
          await onPublish(message);
        },
      },
      stored: (key) => store.outbox.get(key),
      latest: (id) => store.requests.getRequest(id),
      resolution: (id) => store.lifecycle.resolution(id),
      licensingChannel: 'C0LICENSING',
    });

  async function generated(): Promise<LicenseRequestRecord> {
    const { record } = await store.requests.createRequest(
      {
        ticketUrl: 'https://gitlab.zendesk.com/agent/tickets/9001',
        email: 'admin@customer.example',
        userCount: 250,
        requestedBySlackId: 'U0ENGINEER',
        requestedByUsername: 'jdoe',
        licenseExpiresOn: '2026-11-22',
        scopeSummary: 'grace period ended',
        adapter: 'local',
        idempotencyKey: 'view-9001',
      },
      NOW,
    );
    return store.requests.updateRequest(record.id, { status: 'generated', trialExpiresOn: '2026-12-15' }, NOW);
  }
  const noticeText = async (id: string) => JSON.stringify((await store.outbox.get(`license:${id}`))?.blocks);

  it('a caller holding an older copy of the record publishes the stored state', async () => {
    const stale = await generated();
    await store.requests.recordDelivery(stale.id, { delivered: true }, NOW);
    await publisher().publish(stale);
    expect(await noticeText(stale.id)).toMatch(/Delivered to/);
  });

  it('a change stored while the notice was being published ends up in the channel', async () => {
    const record = await generated();
    let changed = false;
    // The other replica records the delivery (and would publish) right after this publisher read the record.
    await publisher(async () => {
      if (changed) return;
      changed = true;
      await store.requests.recordDelivery(record.id, { delivered: true }, NOW);
    }).publish(record);
    expect(await noticeText(record.id)).toMatch(/Delivered to/);
  });

  it('publish() enqueues the notice only when the stored one no longer says the stored state', async () => {
    const record = await generated();
    await publisher().publish(record);
    const version = async () => (await store.outbox.get(`license:${record.id}`))?.version;
    const before = await version();
    // Unchanged: a new version would edit the Slack message for nothing.
    expect(await publisher().publish(record)).toBe(false);
    expect(await version()).toBe(before);
    // A change whose publish never happened (the process died in between).
    await store.requests.recordDelivery(record.id, { delivered: true }, NOW);
    expect(await publisher().publish(record)).toBe(true);
    expect(await version()).toBe(before! + 1);
    expect(await noticeText(record.id)).toMatch(/Delivered to/);
    expect(await publisher().publish(record)).toBe(false);
  });

  it('publishing a state the channel already shows enqueues nothing (a failed retry edits no message)', async () => {
    const record = await generated();
    const published: OutboxMessage[] = [];
    const recording = publisher(async (message) => void published.push(message));
    await recording.publish(record);
    // Each failed hand-over attempt reports the record again; its notice reads the same.
    await store.requests.recordDelivery(
      record.id,
      { delivered: false, error: 'internal_error', nextAttemptAt: new Date(NOW.getTime() + 60_000) },
      NOW,
    );
    await recording.publish(record);
    await recording.publish(record);
    const texts = published.map((message) => JSON.stringify(message.blocks));
    expect(new Set(texts).size).toBe(texts.length);
  });

  it('a notice that warned of the development key keeps the warning after the key is configured', async () => {
    const record = await generated();
    await publisher(undefined, 'Signed with the DEVELOPMENT key').publish(record);
    await store.requests.recordDelivery(record.id, { delivered: true }, NOW);
    // Restarted with LICENSE_SIGNING_KEY_PATH set: this license was still signed with the development key.
    await publisher().publish(record);
    expect(await noticeText(record.id)).toMatch(/Delivered to/);
    expect(await noticeText(record.id)).toContain('Signed with the DEVELOPMENT key');
  });
});
