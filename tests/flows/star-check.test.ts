import { DateTime } from 'luxon';
import {
  applySubmissionAck,
  type BotUnderTest,
  LICENSING_CHANNEL,
  startInProcessBot,
} from '../../testkit/bot-under-test';
import { type JsonObject } from '../../testkit/fake-slack';
import { appHomeOpened, blockActions, globalShortcut, textOf } from '../../testkit/payloads';
import { eventually } from '../../testkit/eventually';

const day = (offsetDays: number, offsetHours = 0) =>
  DateTime.utc().startOf('day').plus({ days: offsetDays, hours: offsetHours }).toISODate();

describe('/star-check in process (FakeReceiver → real Bolt app → fake Slack)', () => {
  let t: BotUnderTest;
  beforeAll(async () => {
    t = await startInProcessBot();
  });
  afterAll(async () => {
    await t.stop();
  });
  beforeEach(() => t.fake.reset());

  async function openStarCheck(text = '123456'): Promise<JsonObject> {
    const res = await t.command('/star-check', text);
    expect(res.status).toBe(200);
    const call = await t.fake.waitForCall('views.open');
    expect(call.args.view.callback_id).toBe('star_check');
    return t.view('star_check');
  }

  /** Submits what the person filled in; if the modal grows, keeps answering from `answers` until a verdict. */
  async function walk(answers: Record<string, string>): Promise<JsonObject> {
    let view = await openStarCheck();
    for (let round = 0; round < 6; round += 1) {
      const shown = new Set(
        (view.blocks as JsonObject[]).filter((b) => b.type === 'input').map((b) => b.block_id as string),
      );
      const values = Object.fromEntries(Object.entries(answers).filter(([key]) => shown.has(key)));
      const ack = applySubmissionAck(t.fake, view, await t.submit(view, values));
      if (ack.kind === 'errors') throw new Error(`field errors: ${JSON.stringify(ack.errors)}`);
      view = ack.view as JsonObject;
      if (view.callback_id === 'star_check_verdict') return view;
    }
    throw new Error('no verdict after 6 rounds');
  }

  it('opens the modal at once, prefilled with the expanded ticket URL', async () => {
    const view = await openStarCheck('654321');
    const ticket = (view.blocks as JsonObject[]).find((b) => b.block_id === 'ticket') as JsonObject;
    expect(ticket.element.initial_value).toBe('https://gitlab.zendesk.com/agent/tickets/654321');
    expect(view.title.text.length).toBeLessThanOrEqual(24);
    // Only the first question of the chart is asked before anything is known.
    expect(textOf(view)).toContain('What kind of starred L&R ticket is it?');
    expect(textOf(view)).not.toContain('Is this request for a trial?');
  });

  const rows: [string, Record<string, string>, string][] = [
    [
      'trial, sales-assisted, expires in > 24h',
      {
        q_kind: 'plan_license',
        deployment: 'self_managed',
        request_type: 'sm_trial_license',
        q_trial: 'yes',
        q_salesAssisted: 'yes',
        expiration_date: day(5),
      },
      'No need for STAR',
    ],
    [
      'trial, sales-assisted, expires in <= 24h',
      {
        q_kind: 'plan_license',
        deployment: 'self_managed',
        request_type: 'sm_trial_license',
        q_trial: 'yes',
        q_salesAssisted: 'yes',
        expiration_date: day(1),
      },
      'Ok to STAR',
    ],
    [
      'trial, not sales-assisted',
      {
        q_kind: 'plan_license',
        deployment: 'saas',
        request_type: 'saas_trial_extension',
        q_trial: 'yes',
        q_salesAssisted: 'no',
      },
      'No need for STAR',
    ],
    [
      'not trial, in grace, grace ends in > 24h',
      {
        q_kind: 'plan_license',
        deployment: 'self_managed',
        request_type: 'sm_license_not_working',
        q_trial: 'no',
        expiration_date: day(-3),
      },
      'No need for STAR',
    ],
    [
      'not trial, in grace, grace ends in <= 24h',
      {
        q_kind: 'plan_license',
        deployment: 'self_managed',
        request_type: 'sm_license_not_working',
        q_trial: 'no',
        expiration_date: day(-13),
      },
      'Ok to STAR',
    ],
    [
      'not trial, not in grace, expires in > 24h',
      {
        q_kind: 'plan_license',
        deployment: 'self_managed',
        request_type: 'sm_trial_license',
        q_trial: 'no',
        expiration_date: day(30),
      },
      'No need for STAR',
    ],
    [
      'not trial, grace already over',
      {
        q_kind: 'plan_license',
        deployment: 'self_managed',
        request_type: 'sm_trial_license',
        q_trial: 'no',
        expiration_date: day(-20),
      },
      'Ok to STAR',
    ],
    [
      'not trial, answers given directly (no date)',
      {
        q_kind: 'plan_license',
        deployment: 'self_managed',
        request_type: 'sm_trial_license',
        q_trial: 'no',
        q_inGracePeriod: 'yes',
        q_graceEndsInMoreThan24h: 'no',
      },
      'Ok to STAR',
    ],
    ['wrong product, Sales intervened', { q_kind: 'wrong_product', q_salesIntervened: 'yes' }, 'Ok to STAR'],
    [
      'wrong product, Sales not yet',
      { q_kind: 'wrong_product', q_salesIntervened: 'no' },
      'Not yet: Sales must intervene first',
    ],
    ['force reassociate, not an edge case', { q_kind: 'force_reassociate', q_edgeCase: 'no' }, 'Deflect with the docs'],
    ['force reassociate, edge case', { q_kind: 'force_reassociate', q_edgeCase: 'yes' }, 'Ok to STAR'],
  ];

  it.each(rows.map(([name, answers, verdict]) => [name, verdict, answers] as const))(
    '%s → %s, and one audit message with the ticket URL',
    async (_name, verdict, answers) => {
      const view = await walk({ ticket: '123456', ...answers });
      const shown = textOf(view);
      expect(shown).toContain(verdict);
      if (verdict === 'No need for STAR') expect(shown).toContain('collect data for feedback and label the STAR issue');
      const post = await t.fake.waitForCall('chat.postMessage', (c) => c.args.channel === LICENSING_CHANNEL);
      const audit = `${post.args.text}\n${textOf(post.args.blocks)}`;
      expect(audit).toContain(verdict);
      expect(audit).toContain('https://gitlab.zendesk.com/agent/tickets/123456');
      expect(audit).toContain('<@U0ENGINEER>');
      expect(post.args.link_names).toBeUndefined();
      await t.fake.expectNoCall('chat.postMessage', 100).catch(() => undefined);
      expect(t.fake.callsTo('chat.postMessage').filter((c) => c.args.channel === LICENSING_CHANNEL)).toHaveLength(1);
    },
  );

  it(
    'shows the computed time facts; in grace (Ok to STAR) the window opens at the next 00:00 UTC: it says when ' +
      'and offers the form for a manager override now (issue 17)',
    async () => {
      const view = await walk({
        ticket: '123456',
        q_kind: 'plan_license',
        deployment: 'self_managed',
        request_type: 'sm_trial_license',
        q_trial: 'no',
        expiration_date: day(-13),
      });
      const shown = textOf(view);
      // Within the last hour of a UTC day the grace period ends in minutes, not hours.
      expect(shown).toMatch(/In the grace period, which ends in (about )?(\d+ (hours?|minutes?)|less than a minute)/);
      expect(shown).toContain('computed from the expiration date');
      expect(shown).toContain('Open emergency license form');
      expect(shown).toMatch(
        /the weekend emergency workflow applies from .* 00:00 UTC, in (\d+ (hours?|minutes?)|less than a minute)/,
      );
      expect(shown).toContain('A manager may override the time window now');
      expect(shown).not.toMatch(/Leave the ticket/i);
      const post = await t.fake.waitForCall('chat.postMessage');
      expect(textOf(post.args.blocks)).toMatch(/<!date\^\d+\^/);
    },
  );

  it('does not offer the emergency license form when the STAR is not needed', async () => {
    const view = await walk({
      ticket: '123456',
      q_kind: 'plan_license',
      deployment: 'self_managed',
      request_type: 'sm_trial_license',
      q_trial: 'no',
      expiration_date: day(-3),
    });
    expect(textOf(view)).toContain('No need for STAR');
    expect(textOf(view)).not.toContain('Open emergency license form');
    await t.fake.waitForCall('chat.postMessage');
  });

  it('rejects a ticket on another host with a field error and posts nothing', async () => {
    const view = await openStarCheck('');
    const ack = applySubmissionAck(
      t.fake,
      view,
      await t.submit(view, { ticket: '<https://evil.example|gitlab.zendesk.com>', q_kind: 'wrong_product' }),
    );
    // The chart needs another question first; answer it, then the ticket error shows.
    const next = ack.view as JsonObject;
    const second = applySubmissionAck(t.fake, next, await t.submit(next, { q_salesIntervened: 'yes' }));
    expect(second.kind).toBe('errors');
    expect(second.errors?.ticket).toMatch(/ticket/i);
    await t.fake.expectNoCall('chat.postMessage', 150);
  });

  it('grows the modal when an answer is picked (block_actions → views.update)', async () => {
    const view = await openStarCheck();
    const res = await t.click(view, 'star_q_kind', 'plan_license');
    expect(res.status).toBe(200);
    const update = await t.fake.waitForCall('views.update');
    const blocks = update.args.view.blocks as JsonObject[];
    expect(blocks.map((b) => b.block_id)).toEqual(expect.arrayContaining(['deployment', 'request_type', 'q_trial']));
    expect(update.args.view_id).toBe(view.id);
  });

  it('records the decision for the feedback export', async () => {
    await walk({ ticket: '777', q_kind: 'force_reassociate', q_edgeCase: 'no' });
    await eventually(async () => {
      const decisions = await t.bot.services.store.decisions.listDecisions(new Date(Date.now() - 60_000));
      expect(decisions.some((d) => d.ticketUrl.endsWith('/777') && d.verdict === 'deflect_with_docs')).toBe(true);
    });
  });
});

describe('entry points of the emergency license form', () => {
  let t: BotUnderTest;
  beforeAll(async () => {
    t = await startInProcessBot();
  });
  afterAll(async () => {
    await t.stop();
  });

  it('the verdict button pushes the form prefilled with the ticket and expiration date', async () => {
    await t.command('/star-check', '31337');
    await t.fake.waitForCall('views.open');
    let view = t.view('star_check');
    const expiry = DateTime.utc().startOf('day').minus({ days: 15 }).toISODate();
    const steps: Record<string, string>[] = [
      { q_kind: 'plan_license' },
      { deployment: 'self_managed', request_type: 'sm_trial_license', q_trial: 'no' },
      { expiration_date: expiry },
    ];
    for (const values of steps) {
      const ack = applySubmissionAck(t.fake, view, await t.submit(view, values));
      view = ack.view as JsonObject;
    }
    expect(view.callback_id).toBe('star_check_verdict');
    await t.click(view, 'open_emergency_license');
    const push = await t.fake.waitForCall('views.push');
    const form = push.args.view as JsonObject;
    const blocks = form.blocks as JsonObject[];
    expect(blocks.find((b) => b.block_id === 'ticket')?.element.initial_value).toBe(
      'https://gitlab.zendesk.com/agent/tickets/31337',
    );
    expect(blocks.find((b) => b.block_id === 'expiration_date')?.element.initial_date).toBe(expiry);
  });

  it('App Home shows the commands and its button opens the form (not a push)', async () => {
    await t.send('event', appHomeOpened({}));
    const publish = await t.fake.waitForCall('views.publish');
    expect(textOf(publish.args.view)).toContain('/star-check');
    const home = publish.response.view as JsonObject;
    await t.send('interaction', blockActions({ view: home, actionId: 'open_emergency_license' }));
    const open = await t.fake.waitForCall('views.open', (c) => c.args.view?.callback_id === 'emergency_license');
    expect(open.response.ok).toBe(true);
  });

  it('the global shortcut opens the form', async () => {
    const before = t.fake.callsTo('views.open').length;
    await t.send('interaction', globalShortcut({ callbackId: 'emergency_license_shortcut' }));
    const calls = await t.fake.waitForCalls('views.open', before + 1);
    expect(calls[calls.length - 1].args.view.callback_id).toBe('emergency_license');
  });
});
