/**
 * The trial follow-up end to end below Slack: a real SQLite store, the real Slack effects and
 * message builders, an outbox that records what would be posted (by key: a re-publish is an
 * update), and a settable clock. "Restart" = a new LicenseLifecycle on the same store.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteStore, type LicenseRequestChange, type LicenseRequestRecord, type OutboxMessage } from '../../src/store';
import { SlackLifecycleEffects, lifecycleKeys } from '../../src/slack/license-lifecycle-effects';
import { LicenseNoticePublisher } from '../../src/slack/license-notice-publisher';
import { LicenseLifecycle } from '../../src/workflows/license-lifecycle';
import { computeStarDigest, digestPeriodEnding } from '../../src/policy/star-digest';
import { buildStarDigestMessage } from '../../src/slack/messages/star-digest';
import { StarDigestSchedule } from '../../src/workflows/star-digest-schedule';
import { parseCronSchedule } from '../../src/ops/cron-schedule';
import { DateTime } from 'luxon';

const GENERATED_AT = new Date('2026-11-21T10:00:00.000Z'); // trial stops 2026-12-01T00:00Z
const REMINDER_DUE = new Date('2026-11-29T00:00:00.000Z');
const LAPSE = new Date('2026-12-01T00:00:00.000Z');
const silent = { info: () => undefined, warn: () => undefined, error: () => undefined };
const plain = (m: { text: string; blocks: unknown[] }) => `${m.text}\n${JSON.stringify(m.blocks)}`;

describe('trial follow-up with an injected clock', () => {
  let dir: string;
  let store: SqliteStore;
  let now: Date;
  let published: Map<string, OutboxMessage & { versions: number }>;
  let homes: string[];

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'lr-lifecycle-wf-'));
    store = new SqliteStore(dir);
    now = GENERATED_AT;
    published = new Map();
    homes = [];
  });
  afterEach(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  function lifecycle(leadHours = 48, owner = 'replica-a') {
    const audit = {
      publish: async (message: OutboxMessage) => {
        const before = published.get(message.key);
        published.set(message.key, { ...message, versions: (before?.versions ?? 0) + 1 });
        await store.outbox.enqueue(message, now); // the real outbox row, so the DM channel can be found again
      },
    };
    const notice = new LicenseNoticePublisher({
      audit,
      stored: (key) => store.outbox.get(key),
      latest: (id) => store.requests.getRequest(id),
      resolution: (id) => store.lifecycle.resolution(id),
      licensingChannel: 'C0LICENSING',
    });
    const effects = new SlackLifecycleEffects({
      audit,
      notice,
      outbox: store.outbox,
      lifecycle: store.lifecycle,
      licensingChannel: 'C0LICENSING',
      lrTeamUsergroup: 'S0LRTEAM',
      logger: silent,
      slack: { openDm: async (user) => `D${user}`, refreshHome: async (user) => void homes.push(user) },
    });
    return new LicenseLifecycle({ store, effects, clock: () => now, owner, leadHours, logger: silent });
  }

  const changeTo = (status: LicenseRequestRecord['status']): LicenseRequestChange =>
    status === 'generated'
      ? { status, trialExpiresOn: '2026-12-01' }
      : status === 'failed'
        ? { status, failureReason: 'no' }
        : status === 'refused'
          ? { status, refusalReason: 'no' }
          : { status };

  async function request(status: LicenseRequestRecord['status'], ticket = '1'): Promise<LicenseRequestRecord> {
    const { record } = await store.requests.createRequest(
      {
        ticketUrl: `https://gitlab.zendesk.com/agent/tickets/${ticket}`,
        email: `admin+${ticket}@customer.example`,
        userCount: 250,
        requestedBySlackId: 'U0ENGINEER',
        requestedByUsername: 'jdoe',
        licenseExpiresOn: '2026-11-19',
        scopeSummary: 'grace period ended yesterday',
        adapter: 'local',
        idempotencyKey: `view-${ticket}`,
      },
      now,
    );
    return store.requests.updateRequest(record.id, changeTo(status), now);
  }

  const reminderPosts = () => [...published.keys()].filter((key) => key.startsWith('license-reminder:'));

  it('reminds at the lead time (thread + DM, with the buttons), not before', async () => {
    const lc = lifecycle();
    const record = await request('generated');
    await lc.recordChanged(record);
    now = new Date(REMINDER_DUE.getTime() - 60_000);
    expect(await lc.scheduler.runOnce()).toEqual([]);
    expect(reminderPosts()).toEqual([]);
    now = REMINDER_DUE;
    const results = await lc.scheduler.runOnce();
    expect(results.map((r) => [r.kind, r.result])).toEqual([['reminder', 'fired']]);
    const thread = published.get(lifecycleKeys.reminder(record.id))!;
    expect(thread).toMatchObject({ channel: 'C0LICENSING', threadOfKey: `license:${record.id}` });
    expect(plain(thread)).toContain('tickets/1');
    expect(plain(thread)).toContain('license_resolved');
    expect(plain(thread)).toContain('license_needs_lr');
    expect(plain(thread)).not.toMatch(/late by/);
    expect(published.get(lifecycleKeys.reminderDm(record.id))!.channel).toBe('DU0ENGINEER');
    expect((await store.lifecycle.listEvents(record.id)).map((e) => e.type)).toEqual(['reminder_sent']);
    expect(homes).toContain('U0ENGINEER');
  });

  it('at the lapse: the notice says "Trial lapsed, unresolved", a thread line mentions L&R, the reminder says lapsed', async () => {
    const lc = lifecycle();
    const record = await request('generated');
    await lc.recordChanged(record);
    now = REMINDER_DUE;
    await lc.scheduler.runOnce();
    now = LAPSE;
    expect((await lc.scheduler.runOnce()).map((r) => [r.kind, r.result])).toEqual([['lapse', 'fired']]);
    expect(plain(published.get(`license:${record.id}`)!)).toContain('Trial lapsed, unresolved');
    expect(plain(published.get(lifecycleKeys.lapsedLine(record.id))!)).toMatch(
      /subteam\^S0LRTEAM.*Trial lapsed, unresolved/,
    );
    expect(published.get(lifecycleKeys.reminder(record.id))!.versions).toBe(2);
    expect(plain(published.get(lifecycleKeys.reminder(record.id))!)).toContain('Trial lapsed, unresolved');
    expect((await store.lifecycle.listEvents(record.id)).map((e) => e.type)).toEqual(['reminder_sent', 'lapsed']);
  });

  it('Resolved stops both the reminder and the lapse, records who/when, updates the notice and the thread', async () => {
    const lc = lifecycle();
    const record = await request('generated');
    await lc.recordChanged(record);
    now = new Date('2026-11-25T12:00:00.000Z');
    expect((await lc.resolve(record.id, 'U0RESOLVER')).outcome).toBe('done');
    expect((await lc.resolve(record.id, 'U0LATE')).outcome).toBe('already');
    now = new Date(LAPSE.getTime() + 1000);
    const results = await lc.scheduler.runOnce();
    expect(results.map((r) => [r.kind, r.result, r.detail])).toEqual([
      ['reminder', 'skipped', 'resolved'],
      ['lapse', 'skipped', 'resolved'],
    ]);
    expect(reminderPosts()).toEqual([]);
    expect(published.has(lifecycleKeys.lapsedLine(record.id))).toBe(false);
    expect(plain(published.get(`license:${record.id}`)!)).toMatch(/Resolved\* by <@U0RESOLVER>/);
    expect(plain(published.get(lifecycleKeys.resolvedLine(record.id))!)).toContain('<@U0RESOLVER>');
    expect(await store.lifecycle.resolution(record.id)).toEqual({
      resolvedAt: '2026-11-25T12:00:00.000Z',
      resolvedBySlackId: 'U0RESOLVER',
    });
  });

  it('Needs L&R mentions the L&R group in the thread once and keeps the request open (the reminder still comes)', async () => {
    const lc = lifecycle();
    const record = await request('generated');
    await lc.recordChanged(record);
    expect((await lc.needsLr(record.id, 'U0ASKER')).outcome).toBe('done');
    expect((await lc.needsLr(record.id, 'U0ASKER')).outcome).toBe('already');
    expect(plain(published.get(lifecycleKeys.needsLrLine(record.id))!)).toMatch(
      /subteam\^S0LRTEAM.*Needs L&R.*<@U0ASKER>/,
    );
    now = REMINDER_DUE;
    expect((await lc.scheduler.runOnce()).map((r) => r.result)).toEqual(['fired']);
    expect(plain(published.get(lifecycleKeys.reminder(record.id))!)).not.toContain('license_needs_lr');
  });

  it('a restart across the due time sends the reminder late, once, saying so', async () => {
    const before = lifecycle(48, 'replica-a');
    const record = await request('generated');
    await before.recordChanged(record);
    // The process is down from here until 2026-11-29 05:00 UTC (5 hours after the due time).
    now = new Date('2026-11-29T05:00:00.000Z');
    const after = lifecycle(48, 'replica-b');
    await after.trackOpenTrials();
    await after.kick();
    await after.stop();
    const thread = published.get(lifecycleKeys.reminder(record.id))!;
    expect(plain(thread)).toContain('late by 5 hours');
    const [event] = await store.lifecycle.listEvents(record.id);
    expect(event).toMatchObject({ type: 'reminder_sent', lateByMs: 5 * 3_600_000 });
    // Another restart, another replica: nothing is sent again.
    const again = lifecycle(48, 'replica-c');
    expect(await again.scheduler.runOnce()).toEqual([]);
    expect(published.get(lifecycleKeys.reminder(record.id))!.versions).toBe(1);
  });

  it('a lead time longer than the trial makes the reminder due at once', async () => {
    const lc = lifecycle(240);
    const record = await request('generated');
    // Tracking a trial starts a pass at once: no wait for the next poll.
    await lc.recordChanged(record);
    await lc.kick();
    expect(plain(published.get(lifecycleKeys.reminder(record.id))!)).not.toMatch(/late by/);
    expect((await store.lifecycle.listEvents(record.id)).map((e) => [e.type, e.at])).toEqual([
      ['reminder_sent', GENERATED_AT.toISOString()],
    ]);
    expect(await lc.scheduler.runOnce()).toEqual([]);
  });

  it('refused and failed requests are never tracked nor reminded, and their buttons do nothing', async () => {
    const lc = lifecycle(240);
    for (const [status, ticket] of [
      ['refused', '2'],
      ['failed', '3'],
    ] as const) {
      const record = await request(status, ticket);
      await lc.recordChanged(record);
      expect((await lc.resolve(record.id, 'U0X')).outcome).toBe('not_open');
      expect((await lc.needsLr(record.id, 'U0X')).outcome).toBe('not_open');
    }
    now = new Date(LAPSE.getTime() + 1000);
    expect(await lc.scheduler.runOnce()).toEqual([]);
    expect(reminderPosts()).toEqual([]);
  });

  it('a request that fails after being tracked (a job already scheduled) is skipped at fire time', async () => {
    const lc = lifecycle();
    const record = await request('generated');
    await lc.recordChanged(record);
    await store.requests.updateRequest(record.id, { status: 'failed', failureReason: 'revoked' }, now);
    now = new Date(LAPSE.getTime() + 1000);
    expect((await lc.scheduler.runOnce()).map((r) => r.result)).toEqual(['skipped', 'skipped']);
    expect(reminderPosts()).toEqual([]);
  });
});

describe('weekly STAR digest', () => {
  let dir: string;
  let store: SqliteStore;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'lr-digest-'));
    store = new SqliteStore(dir);
  });
  afterEach(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("posts the seeded week's verdicts by outcome and the tickets to label, once across replicas", async () => {
    const d = (iso: string, ticket: string, verdict: string, by = 'U0A') =>
      store.decisions.recordDecision(
        { ticketUrl: `https://gitlab.zendesk.com/agent/tickets/${ticket}`, decidedBySlackId: by, verdict, inputs: {} },
        new Date(iso),
      );
    await d('2026-11-23T09:00:00.000Z', '100', 'no_need_for_star'); // first instant of the week
    await d('2026-11-23T08:59:59.999Z', '098', 'no_need_for_star'); // last instant of the week before
    await d('2026-11-23T10:00:00.000Z', '101', 'no_need_for_star', 'U0B');
    await d('2026-11-24T10:00:00.000Z', '101', 'ok_to_star', 'U0B'); // re-checked: not to label
    await d('2026-11-25T10:00:00.000Z', '102', 'no_need_for_star');
    await d('2026-11-10T10:00:00.000Z', '099', 'no_need_for_star'); // the week before
    const posts: { key: string; text: string }[] = [];
    let now = new Date('2026-11-30T09:00:30.000Z');
    const replica = (owner: string) =>
      new StarDigestSchedule({
        schedule: parseCronSchedule('0 9 * * 1'),
        runs: store.lifecycle,
        decisions: store.decisions,
        publish: async (key, digest) => void posts.push({ key, text: plain(buildStarDigestMessage(digest)) }),
        clock: () => now,
        owner,
        logger: silent,
      });
    const results = await Promise.all([replica('a').runOnce(), replica('b').runOnce()]);
    expect(results.filter((r) => r?.posted)).toHaveLength(1);
    expect(posts).toHaveLength(1);
    expect(posts[0].key).toBe('star-digest:2026-11-30T09:00:00.000Z');
    expect(posts[0].text).toContain('Weekly STAR digest: 4 checks, 2 "No need for STAR" ticket(s) to label');
    expect(posts[0].text).toContain('*No need for STAR*: 3');
    expect(posts[0].text).toContain('*Ok to STAR*: 1');
    expect(posts[0].text).toContain('tickets/100');
    expect(posts[0].text).toContain('tickets/102');
    expect(posts[0].text).not.toContain('tickets/101|');
    expect(posts[0].text).not.toContain('tickets/099');
    expect(posts[0].text).not.toContain('tickets/098');
    // The same numbers as the pure digest of that week.
    const digest = computeStarDigest(
      await store.decisions.listDecisions(new Date(0)),
      digestPeriodEnding(DateTime.fromISO('2026-11-30T09:00:00Z', { zone: 'utc' })),
    );
    expect(digest.total).toBe(4);
    // Later in the week: nothing more until the next Monday.
    now = new Date('2026-12-02T09:00:00.000Z');
    expect(await replica('c').runOnce()).toEqual(undefined);
    expect(posts).toHaveLength(1);
  });
});
