import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DateTime } from 'luxon';
import pino from 'pino';
import type { RawEmergencyForm } from '../../src/policy/emergency-request';
import type { LicenseAdapter, LicenseOutcome } from '../../src/licenses/types';
import { openStore, type LicenseRequestRecord, type Store } from '../../src/store';
import { EmergencyLicenseWorkflow, type LicenseNotifier } from '../../src/workflows/emergency-license';
import { EmergencyLicenseService, retryWindowProblem } from '../../src/workflows/emergency-license-service';
import type { Capability, Permissions } from '../../src/workflows/permissions';
import { licenseWriteKey } from '../../src/workflows/ticket-notes';

/**
 * The emergency-license service without Slack: a real store on a temp dir, the real workflow, an
 * adapter that answers from a queue and permissions from a table.
 */

const NOW = DateTime.fromISO('2026-11-30T12:00:00Z', { zone: 'utc' });
// Grace end 2026-11-29 = expiry + 14 days: one day into the 3-day emergency window.
const IN_WINDOW = '2026-11-15';
// Not expired yet: out of scope, but only the time window fails, so a manager may override it.
const NOT_EXPIRED = '2026-12-20';
const ZENDESK = 'https://gitlab.zendesk.com';

class QueueAdapter implements LicenseAdapter {
  readonly name = 'local' as const;
  calls = 0;
  outcomes: LicenseOutcome[] = [];
  async request(): Promise<LicenseOutcome> {
    this.calls += 1;
    return (
      this.outcomes.shift() ?? {
        status: 'generated',
        licenseFile: 'FILE',
        fileName: 'x.gitlab-license',
        expiresOn: '2026-12-10',
        reference: '/tmp/x',
      }
    );
  }
  async follow(): Promise<never> {
    throw new Error('not used');
  }
}

class Notes implements LicenseNotifier {
  delivered: { id: string; to: string }[] = [];
  copies: { id: string; to: string }[] = [];
  async recordChanged(): Promise<void> {}
  async deliver(record: LicenseRequestRecord): Promise<void> {
    this.delivered.push({ id: record.id, to: record.requestedBySlackId });
  }
  async copySent(record: LicenseRequestRecord, to: string): Promise<void> {
    this.copies.push({ id: record.id, to });
  }
}

/** Everyone may request; `managers` may also override; `outsiders` may do nothing. */
function permissions(managers: string[] = ['UMANAGER'], outsiders: string[] = ['UOUTSIDER']): Permissions {
  return {
    async check(user: string, capability: Capability) {
      if (outsiders.includes(user)) return { allowed: false, reason: `${user} may not ${capability}` };
      if (capability === 'override_scope' && !managers.includes(user))
        return { allowed: false, reason: 'not a manager' };
      return { allowed: true };
    },
  };
}

let dirs: string[] = [];
let stores: Store[] = [];
afterEach(async () => {
  for (const s of stores) await s.close();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
  stores = [];
  dirs = [];
});

const repositories = (store: Store) => ({
  requests: store.requests,
  openRequests: store.openRequests,
  preferences: store.preferences,
  events: store.lifecycle,
});

function setup(perms = permissions()) {
  const dir = mkdtempSync(join(tmpdir(), 'lr-service-test-'));
  dirs.push(dir);
  const store = openStore(dir);
  stores.push(store);
  const adapter = new QueueAdapter();
  const notes = new Notes();
  const workflow = new EmergencyLicenseWorkflow({
    requests: store.requests,
    adapter,
    notifier: notes,
    logger: pino({ level: 'silent' }),
    now: () => NOW.toJSDate(),
  });
  const service = new EmergencyLicenseService({
    ...repositories(store),
    workflow,
    permissions: perms,
    zendeskBaseUrl: ZENDESK,
    adapter: 'local',
    now: () => NOW,
  });
  return { store, adapter, notes, workflow, service };
}

let views = 0;
const by = (slackUserId = 'UENGINEER') => ({ slackUserId, viewId: `V${++views}` });

function form(over: Partial<RawEmergencyForm> = {}): RawEmergencyForm {
  return {
    ticket: '123456',
    deployment: 'self_managed',
    paidPlan: 'yes',
    licenseKind: 'paid',
    prospect: 'no',
    expirationDate: IN_WINDOW,
    screenshots: ['dashboard', 'license_page'],
    userCount: '250',
    email: 'Jane@Example.com',
    username: '@jdoe',
    ...over,
  };
}

describe('EmergencyLicenseService.submitForm: one result kind per case', () => {
  it.each([
    ['refused: the user may not request licenses', 'UOUTSIDER', form(), 'refused'],
    ['errors: fields are missing or invalid', 'UENGINEER', form({ userCount: 'many', email: 'nope' }), 'errors'],
    [
      'out-of-scope: the license has not expired yet',
      'UENGINEER',
      form({ expirationDate: NOT_EXPIRED }),
      'out-of-scope',
    ],
    ['out-of-scope: SaaS is never in scope', 'UMANAGER', form({ deployment: 'saas' }), 'out-of-scope'],
    ['started: in scope', 'UENGINEER', form(), 'started'],
  ])('%s', async (_name, user, given, kind) => {
    const { service } = setup();
    expect((await service.submitForm(by(user), given)).kind).toBe(kind);
  });

  it('errors are keyed by field and nothing is stored', async () => {
    const { service, store } = setup();
    const result = await service.submitForm(by(), form({ userCount: 'many', screenshots: ['dashboard'] }));
    expect(result.kind === 'errors' && Object.keys(result.errors).sort()).toEqual(['screenshots', 'user_count']);
    expect(await store.requests.findByTicket(`${ZENDESK}/agent/tickets/123456`, 10)).toEqual([]);
  });

  it.each([
    [
      'a manager, time window only: may override, the facts are kept for the override view',
      'UMANAGER',
      form({ expirationDate: NOT_EXPIRED }),
      true,
      undefined,
      true,
    ],
    [
      'an engineer, time window only: told why not',
      'UENGINEER',
      form({ expirationDate: NOT_EXPIRED }),
      false,
      'not a manager',
      false,
    ],
    ['a manager, SaaS: never overridable', 'UMANAGER', form({ deployment: 'saas' }), false, 'not possible', false],
  ])('out of scope, %s', async (_name, user, given, canOverride, blocked, kept) => {
    const { service, store } = setup();
    const who = by(user);
    const result = await service.submitForm(who, given, 'C0CHANNEL');
    if (result.kind !== 'out-of-scope') throw new Error(result.kind);
    expect(result.canOverride).toBe(canOverride);
    if (blocked) expect(result.overrideBlockedReason).toContain(blocked);
    else expect(result.overrideBlockedReason).toBeUndefined();
    expect(Boolean(await store.openRequests.getOpenRequest(who.viewId))).toBe(kept);
    // The refusal is recorded (and the username remembered) only in finish(), after the ack.
    expect(await store.requests.findByTicket(`${ZENDESK}/agent/tickets/123456`, 10)).toEqual([]);
    await result.finish();
    const [record] = await store.requests.findByTicket(`${ZENDESK}/agent/tickets/123456`, 10);
    expect(record.status).toBe('refused');
    expect((await store.preferences.getPreferences(user)).gitlabUsername).toBe('jdoe');
  });

  it('started: the request is stored before the adapter runs; finish() runs it once, a redelivery finds it', async () => {
    const { service, adapter, notes } = setup();
    const who = by();
    const first = await service.submitForm(who, form());
    if (first.kind !== 'started') throw new Error(first.kind);
    expect(first.record.status).toBe('pending');
    expect(first.record.idempotencyKey).toBe(`${who.viewId}:submit`);
    expect(first.record.email).toBe('jane@example.com');
    expect(adapter.calls).toBe(0);
    const again = await service.submitForm(who, form());
    expect(again.kind === 'started' && again.record.id).toBe(first.record.id);
    expect((await first.finish())?.status).toBe('generated');
    expect(again.kind === 'started' && (await again.finish())).toBeUndefined();
    expect(adapter.calls).toBe(1);
    expect(notes.delivered).toEqual([{ id: first.record.id, to: 'UENGINEER' }]);
  });

  it('needs-confirmation: a second request for the same ticket within 10 days asks first and keeps the facts', async () => {
    const { service, store } = setup();
    const first = await service.submitForm(by(), form());
    if (first.kind !== 'started') throw new Error(first.kind);
    const who = by('UOTHER');
    const second = await service.submitForm(who, form({ userCount: '251' }), 'C0CHANNEL');
    if (second.kind !== 'needs-confirmation') throw new Error(second.kind);
    expect(second.duplicates.map((d) => d.id)).toEqual([first.record.id]);
    expect(second.channelId).toBe('C0CHANNEL');
    expect(await store.openRequests.getOpenRequest(who.viewId)).toMatchObject({
      stage: 'reissue',
      slackUserId: 'UOTHER',
      facts: { userCount: 251 },
    });
  });
});

describe('EmergencyLicenseService.override', () => {
  async function outOfScope(service: EmergencyLicenseService, user = 'UMANAGER') {
    const who = by(user);
    const result = await service.submitForm(who, form({ expirationDate: NOT_EXPIRED }));
    if (result.kind !== 'out-of-scope') throw new Error(result.kind);
    return who;
  }
  const JUSTIFIED = 'The customer production instance is down over the weekend.';

  it.each([
    ['refused: not a manager (any more)', 'UENGINEER', JUSTIFIED, 'refused'],
    ['errors: the justification is too short', 'UMANAGER', 'because', 'errors'],
    ['started: a manager with a justification', 'UMANAGER', JUSTIFIED, 'started'],
  ])('%s', async (_name, user, justification, kind) => {
    const { service } = setup();
    const who = await outOfScope(service);
    expect((await service.override({ ...who, slackUserId: user }, justification)).kind).toBe(kind);
  });

  it("refused: a view the bot never answered with an override (crafted), or another manager's view", async () => {
    const { service } = setup(permissions(['UMANAGER', 'UMANAGER2']));
    expect(await service.override(by('UMANAGER'), JUSTIFIED)).toMatchObject({
      kind: 'refused',
      reason: expect.stringContaining('no longer be overridden'),
    });
    const who = await outOfScope(service);
    expect((await service.override({ ...who, slackUserId: 'UMANAGER2' }, JUSTIFIED)).kind).toBe('refused');
  });

  it('the override records the justification under its own idempotency key', async () => {
    const { service } = setup();
    const who = await outOfScope(service);
    const result = await service.override(who, `  ${JUSTIFIED}  `);
    if (result.kind !== 'started') throw new Error(result.kind);
    expect(result.record).toMatchObject({ overrideJustification: JUSTIFIED, idempotencyKey: `${who.viewId}:override` });
  });
});

describe('EmergencyLicenseService.confirmReissue', () => {
  async function duplicate(service: EmergencyLicenseService, user = 'UOTHER') {
    await service.submitForm(by(), form());
    const who = by(user);
    const result = await service.submitForm(who, form());
    if (result.kind !== 'needs-confirmation') throw new Error(result.kind);
    return who;
  }

  it.each([
    [
      'started: the same user confirms the view the bot asked with',
      (who: { slackUserId: string; viewId: string }) => who,
      'started',
    ],
    [
      'refused: another user',
      (who: { slackUserId: string; viewId: string }) => ({ ...who, slackUserId: 'UENGINEER' }),
      'refused',
    ],
    ['refused: a view never asked', () => by('UOTHER'), 'refused'],
  ])('%s', async (_name, as, kind) => {
    const { service } = setup();
    const who = await duplicate(service);
    expect((await service.confirmReissue(as(who))).kind).toBe(kind);
  });

  it('a confirmed re-issue skips the duplicate check and says so in the record', async () => {
    const { service } = setup();
    const who = await duplicate(service);
    const result = await service.confirmReissue(who);
    if (result.kind !== 'started') throw new Error(result.kind);
    expect(result.record.scopeSummary).toMatch(/\(Re-issue confirmed by the requester\.\)$/);
    expect(result.record.idempotencyKey).toBe(`${who.viewId}:reissue`);
  });

  it('refused: the kept facts fell out of scope since (re-checked, not trusted)', async () => {
    const { service, store } = setup();
    const who = by();
    await store.openRequests.saveOpenRequest(
      {
        viewId: who.viewId,
        slackUserId: who.slackUserId,
        stage: 'reissue',
        facts: { ...form(), expirationDate: NOT_EXPIRED },
      },
      NOW.toJSDate(),
    );
    expect(await service.confirmReissue(who)).toMatchObject({
      kind: 'refused',
      reason: expect.stringContaining('no longer valid'),
    });
  });

  it('refused: kept facts of the wrong types', async () => {
    const { service, store } = setup();
    const who = by();
    await store.openRequests.saveOpenRequest(
      {
        viewId: who.viewId,
        slackUserId: who.slackUserId,
        stage: 'reissue',
        facts: { ticketUrl: 42, userCount: '250' },
      },
      NOW.toJSDate(),
    );
    expect((await service.confirmReissue(who)).kind).toBe('refused');
  });
});

describe('EmergencyLicenseService.retry', () => {
  async function failed(service: EmergencyLicenseService, adapter: QueueAdapter, expirationDate = IN_WINDOW) {
    adapter.outcomes.push({ status: 'failed', reason: 'adapter down' });
    const started = await service.submitForm(by(), form({ expirationDate }));
    if (started.kind !== 'started') throw new Error(started.kind);
    expect((await started.finish())?.status).toBe('failed');
    return started.record.id;
  }

  it.each([
    ['refused: may not request licenses', 'UOUTSIDER', 'retried-once', 'refused'],
    ['retried: still in the window', 'UENGINEER', 'retried-once', 'retried'],
    ['not-failed: a second click after the retry', 'UENGINEER', 'retried-twice', 'not-failed'],
  ])('%s', async (_name, user, clicks, kind) => {
    const { service, adapter } = setup();
    const id = await failed(service, adapter);
    if (clicks === 'retried-twice') await service.retry('UENGINEER', id);
    expect((await service.retry(user, id)).kind).toBe(kind);
  });

  it('outside-window: the customer left the emergency window since the request', async () => {
    const { service, adapter, store } = setup();
    const id = await failed(service, adapter);
    const later = new EmergencyLicenseService({
      ...repositories(store),
      workflow: new EmergencyLicenseWorkflow({
        requests: store.requests,
        adapter,
        notifier: new Notes(),
        logger: pino({ level: 'silent' }),
      }),
      permissions: permissions(),
      zendeskBaseUrl: ZENDESK,
      adapter: 'local',
      now: () => NOW.plus({ days: 5 }),
    });
    const result = await later.retry('UENGINEER', id);
    expect(result).toEqual({
      kind: 'outside-window',
      problem: expect.stringContaining("(2026-11-29), outside this workflow's window"),
    });
    expect(adapter.calls).toBe(1);
  });

  it.each([
    ['in the window', IN_WINDOW, false, undefined],
    ['overridden requests keep their override', NOT_EXPIRED, true, undefined],
    ['grace period not ended', NOT_EXPIRED, false, 'the grace period ends in 33 days 12 hours (2027-01-03)'],
    ['grace ended 4 days ago', '2026-11-12', false, 'the grace period ended 4 days 12 hours ago (2026-11-26)'],
  ])('retryWindowProblem: %s', (_name, expires, overridden, problem) => {
    const found = retryWindowProblem(expires, overridden, NOW);
    if (problem === undefined) expect(found).toBeUndefined();
    else
      expect(found).toBe(
        `${problem}, outside this workflow's window (grace period ended within the last 3 days, UTC).`,
      );
  });
});

describe('EmergencyLicenseService: copies, lookups, prefill', () => {
  it.each([
    ['refused', 'UOUTSIDER', true],
    ['queued', 'UOTHER', true],
    ['not-generated', 'UOTHER', false],
  ])('sendCopy: %s', async (kind, user, generate) => {
    const { service, adapter, notes, workflow } = setup();
    if (!generate) adapter.outcomes.push({ status: 'failed', reason: 'down' });
    const started = await service.submitForm(by(), form());
    if (started.kind !== 'started') throw new Error(started.kind);
    await started.finish();
    const deliveredBefore = notes.delivered.length;
    expect((await service.sendCopy(user, started.record.id, 'click-1')).kind).toBe(kind);
    // The same click delivered again by Slack queues nothing more.
    expect((await service.sendCopy(user, started.record.id, 'click-1')).kind).toBe(kind);
    await workflow.settle();
    const copies = kind === 'queued' ? [{ id: started.record.id, to: user }] : [];
    expect(notes.copies).toEqual(copies);
    expect(notes.delivered.slice(deliveredBefore)).toEqual(copies);
  });

  it.each([
    ['an email, any case', 'JANE@example.com', 'records', 1],
    ['a ticket number', '123456', 'records', 1],
    ['another ticket', '999', 'records', 0],
    ['neither', 'not a ticket', 'bad-ticket', undefined],
  ])('lookup: %s', async (_name, query, kind, count) => {
    const { service } = setup();
    await service.submitForm(by(), form());
    const result = await service.lookup(query);
    expect(result.kind).toBe(kind);
    if (result.kind === 'records') expect(result.records).toHaveLength(count as number);
  });

  it('lookup: the ticket looked up, and each request’s license write only with Zendesk writes configured', async () => {
    const { service, store, workflow } = setup();
    const started = await service.submitForm(by(), form());
    if (started.kind !== 'started') throw new Error(started.kind);
    await store.ticketWrites.enqueue(
      { key: licenseWriteKey(started.record.id), ticketUrl: started.record.ticketUrl, kind: 'license', payload: {} },
      NOW.toJSDate(),
    );
    const withWrites = new EmergencyLicenseService({
      ...repositories(store),
      workflow,
      ticketWrites: store.ticketWrites,
      permissions: permissions(),
      zendeskBaseUrl: ZENDESK,
      adapter: 'local',
      now: () => NOW,
    });
    const byTicket = await withWrites.lookup('123456');
    if (byTicket.kind !== 'records') throw new Error(byTicket.kind);
    expect(byTicket.ticketUrl).toBe(`${ZENDESK}/agent/tickets/123456`);
    expect(byTicket.writes.get(started.record.id)?.key).toBe(licenseWriteKey(started.record.id));
    const byEmail = await withWrites.lookup('jane@example.com');
    if (byEmail.kind !== 'records') throw new Error(byEmail.kind);
    expect(byEmail.ticketUrl).toBeUndefined();
    expect(byEmail.writes.size).toBe(1);
    // Without Zendesk the store is not asked: nothing was written on a ticket then.
    const without = await service.lookup('123456');
    if (without.kind !== 'records') throw new Error(without.kind);
    expect(without.writes.size).toBe(0);
  });

  it('prefill: the ticket as a URL when it parses, the remembered username', async () => {
    const { service, store } = setup();
    await store.preferences.savePreferences('UENGINEER', { gitlabUsername: 'jdoe' }, NOW.toJSDate());
    expect(await service.prefill('UENGINEER', ' 123456 ', '2026-11-15')).toEqual({
      ticket: `${ZENDESK}/agent/tickets/123456`,
      username: 'jdoe',
      expirationDate: '2026-11-15',
    });
    expect(await service.prefill('UNEW', 'see ticket')).toEqual({
      ticket: 'see ticket',
      username: undefined,
      expirationDate: undefined,
    });
  });
});

describe('retryWindowProblem re-checks the window with the kind of license the request kept (issue 17)', () => {
  const at = (iso: string) => DateTime.fromISO(iso, { zone: 'utc' });
  it('a temporary extension that expired two days ago is still in the window; as a paid license it is not', () => {
    expect(retryWindowProblem('2024-06-15', false, at('2024-06-17T10:00:00Z'), 'temporary')).toBeUndefined();
    expect(retryWindowProblem('2024-06-15', false, at('2024-06-17T10:00:00Z'), 'paid')).toMatch(
      /the grace period ends in 11 days/,
    );
    expect(retryWindowProblem('2024-06-15', false, at('2024-06-19T10:00:00Z'), 'temporary')).toMatch(
      /the temporary extension \(no grace period\) expired 4 days 10 hours ago/,
    );
    // A trial-type license has no grace period: the window's rule is told as its own, not as a grace period's.
    expect(retryWindowProblem('2024-06-15', false, at('2024-06-19T10:00:00Z'), 'temporary')).toBe(
      "the temporary extension (no grace period) expired 4 days 10 hours ago (2024-06-15), outside this workflow's " +
        'window (a trial-type license that expired within the last 3 days, UTC).',
    );
  });
});
