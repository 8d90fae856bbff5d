import { createPublicKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DateTime } from 'luxon';
import { decodeLicenseFile } from '../../src/licenses';
import {
  applySubmissionAck,
  type BotUnderTest,
  LICENSING_CHANNEL,
  startInProcessBot,
} from '../../testkit/bot-under-test';
import { type JsonObject } from '../../testkit/fake-slack';
import { eventually } from '../../testkit/eventually';
import { textOf } from '../../testkit/payloads';

/** A Self-Managed expiration date `offset` calendar days from today (UTC): the window is in whole days. */
const day = (offset: number) => DateTime.utc().startOf('day').plus({ days: offset }).toISODate();

/**
 * Issue 8, case 6: a verdict never sends a manager into a form that refuses the same facts.
 * In scope: verdict → form → license. Out of scope: verdict → "ask L&R (CustomersDot)", no button.
 */
describe('/star-check verdict → emergency license (case 6, end to end)', () => {
  let t: BotUnderTest;
  beforeAll(async () => {
    t = await startInProcessBot();
  });
  afterAll(async () => {
    await t.stop();
  });
  beforeEach(() => t.fake.reset());

  async function verdictFor(ticket: string, expirationDate: string): Promise<JsonObject> {
    await t.command('/star-check', ticket);
    await t.fake.waitForCall('views.open');
    let view = t.view('star_check');
    const steps: Record<string, string>[] = [
      { q_kind: 'plan_license' },
      { deployment: 'self_managed', request_type: 'sm_trial_license', q_trial: 'no' },
      { expiration_date: expirationDate },
    ];
    for (const values of steps) {
      const ack = applySubmissionAck(t.fake, view, await t.submit(view, values));
      expect(ack.kind).toBe('update');
      view = ack.view as JsonObject;
      if (view.callback_id === 'star_check_verdict') break;
    }
    expect(view.callback_id).toBe('star_check_verdict');
    await t.fake.waitForCall('chat.postMessage', (c) => c.args.channel === LICENSING_CHANNEL);
    return view;
  }

  const buttons = (view: JsonObject) =>
    (view.blocks as JsonObject[])
      .filter((b) => b.type === 'actions')
      .flatMap((b) => (b.elements as JsonObject[]).map((e) => e.action_id as string));

  it('in scope (grace ended yesterday): verdict → form → a license GitLab accepts', async () => {
    const expiry = day(-15); // grace end date = yesterday: in scope at any hour of today
    const verdict = await verdictFor('880001', expiry);
    const shown = textOf(verdict);
    expect(shown).toContain('Ok to STAR');
    expect(shown).toContain('Support Managers never create brand-new (non-trial) licenses');
    expect(buttons(verdict)).toEqual(['open_emergency_license']);

    const before = DateTime.utc().minus({ hours: 12 }).toISODate();
    await t.click(verdict, 'open_emergency_license');
    const push = await t.fake.waitForCall('views.push');
    const form = push.args.view as JsonObject;
    expect(form.callback_id).toBe('emergency_license');
    expect(textOf(form)).toContain('Sales-generated temporary extension');
    expect(textOf(form)).toContain('Maximum users');
    expect(textOf(form)).toMatch(/below the instance's maximum users in the current license term/);
    expect(textOf(form)).not.toMatch(/from the Dashboard screenshot/);
    const pushed = t.view('emergency_license');
    const ack = applySubmissionAck(
      t.fake,
      pushed,
      await t.submit(pushed, {
        ticket: '880001',
        deployment: 'self_managed',
        paid_plan: 'yes',
        license_kind: 'paid',
        prospect: 'no',
        expiration_date: expiry,
        screenshots: ['dashboard', 'license_page'],
        user_count: '317',
        email: 'admin@case6.example',
        username: 'jdoe',
      }),
    );
    expect(ack.kind).toBe('update');
    expect(textOf(ack.view as JsonObject)).not.toContain('Out of scope');

    const upload = await t.fake.waitForUpload(() => true, 5000);
    const attributes = decodeLicenseFile(
      (upload.bytes as Buffer).toString('utf8'),
      createPublicKey(readFileSync(join(t.dataDir, 'dev-license-key.pub.pem'))),
    ) as Record<string, any>;
    expect(attributes).not.toHaveProperty('block_changes_at');
    expect(attributes.restrictions).toEqual({ active_user_count: 317, plan: 'ultimate', trial: true });
    // Today's date in UTC-12 (either side of the instant, should the test straddle 12:00 UTC).
    expect([before, DateTime.utc().minus({ hours: 12 }).toISODate()]).toContain(attributes.issued_at);
    expect(DateTime.fromISO(attributes.expires_at).diff(DateTime.fromISO(attributes.issued_at), 'days').days).toBe(10);

    const notice = await eventually(
      () => {
        const all = t.fake
          .callsTo('chat.postMessage')
          .concat(t.fake.callsTo('chat.update'))
          .filter((c) => c.args.channel === LICENSING_CHANNEL)
          .map((c) => `${c.args.text}\n${textOf(c.args.blocks)}`)
          .join('\n');
        expect(all).toContain('Generated');
        return all;
      },
      { timeoutMs: 10_000 },
    );
    // Words for people: no internal rule names, adapter names or shell commands in the channel.
    expect(notice).not.toMatch(/\b(no_paid_plan|grace_not_ended|grace_ended_too_long_ago|adapter|npm run)\b/);
    expect(notice).toContain('Maximum users');
  });

  it.each<[string, number, RegExp]>([
    // (Grace ending at the next 00:00 UTC now offers the form with the override: tests/flows/policy-edges.test.ts.)
    ['grace ended more than 3 days ago (4 calendar days)', -18, /ended on .*, 4 days ago: more than 3 days/],
  ])(
    'out of scope, %s: verdict says "ask L&R (CustomersDot)", no form button, never a refusal',
    async (_label, offset, why) => {
      const verdict = await verdictFor(`88${1000 - offset}`, day(offset));
      const shown = textOf(verdict);
      expect(shown).toContain('Ok to STAR');
      expect(shown).toContain('Not a weekend emergency');
      expect(shown).toMatch(why);
      expect(shown).toContain('The trial license comes from the L&R team (CustomersDot)');
      expect(shown).toContain('Support Managers never create brand-new (non-trial) licenses');
      expect(shown).not.toMatch(/Out of scope|Refused|emergency license form/);
      expect(buttons(verdict)).toEqual([]);
      expect(t.fake.callsTo('views.push')).toHaveLength(0);
      const audit = t.fake
        .callsTo('chat.postMessage')
        .filter((c) => c.args.channel === LICENSING_CHANNEL)
        .map((c) => textOf(c.args.blocks))
        .join('\n');
      expect(audit).toContain('Not a weekend emergency');
      expect(audit).not.toMatch(/grace_not_ended|grace_ended_too_long_ago|npm run/);
    },
  );

  it('a trial verdict shows no grace facts', async () => {
    await t.command('/star-check', '880777');
    await t.fake.waitForCall('views.open');
    let view = t.view('star_check');
    const steps: Record<string, string>[] = [
      { q_kind: 'plan_license' },
      { deployment: 'self_managed', request_type: 'sm_trial_license', q_trial: 'yes' },
      { q_salesAssisted: 'yes' },
      { expiration_date: day(0) },
    ];
    for (const values of steps) {
      view = applySubmissionAck(t.fake, view, await t.submit(view, values)).view as JsonObject;
      if (view.callback_id === 'star_check_verdict') break;
    }
    expect(view.callback_id).toBe('star_check_verdict');
    const shown = textOf(view);
    expect(shown).toContain('Ok to STAR');
    // (The request type's own label says "grace period extension": only grace *facts* are checked.)
    const graceFact = /grace period (ends|ended|would end)|in the grace period|In grace period:/i;
    expect(shown).toMatch(/:calendar: License expired/);
    expect(shown).not.toMatch(graceFact);
    // A sales trial on the instance expiring today is in the window (no grace period: G = D), so the
    // form is offered; whether the organization has a paid plan is the form's question (issue 17).
    expect(buttons(view)).toEqual(['open_emergency_license']);
    const post = await t.fake.waitForCall('chat.postMessage', (c) => c.args.channel === LICENSING_CHANNEL);
    expect(textOf(post.args.blocks)).not.toMatch(graceFact);
  });

  it('/emergency-license with no text field at all opens the form', async () => {
    const { slashCommand } = await import('../../testkit/payloads');
    const payload = slashCommand({
      command: '/emergency-license',
      text: '',
      userId: 'U0ENGINEER',
      channelId: 'C0ONCALL01',
      responseUrl: t.fake.responseUrl(),
    });
    delete payload.text;
    const res = await t.send('command', payload);
    expect(res.status).toBe(200);
    expect(res.body).not.toMatch(/too long/);
    const open = await t.fake.waitForCall('views.open');
    expect(open.args.view.callback_id).toBe('emergency_license');
  });

  it.each<[string, Record<string, string>, boolean]>([
    ['a prospect', { prospect: 'yes' }, false],
    ['no paid plan', { paid_plan: 'no' }, false],
    ['SaaS', { deployment: 'saas' }, false],
    ['a prospect out of the window', { prospect: 'yes', expiration_date: day(-30) }, false],
    ['only the window (grace ended 16 days ago)', { expiration_date: day(-30) }, true],
  ])('the form: %s -> manager override offered: %p', async (_label, change, overridable) => {
    await t.command('/emergency-license', '');
    await t.fake.waitForCall('views.open');
    const form = t.view('emergency_license');
    const values = {
      ticket: '880900',
      deployment: 'self_managed',
      paid_plan: 'yes',
      license_kind: 'paid',
      prospect: 'no',
      expiration_date: day(-15),
      screenshots: ['dashboard', 'license_page'],
      user_count: '10',
      email: `x${Object.keys(change).join('')}@case7.example`,
      username: 'jdoe',
      ...change,
    };
    const ack = applySubmissionAck(t.fake, form, await t.submit(form, values));
    const shown = textOf(ack.view as JsonObject);
    expect(shown).toContain('Out of scope');
    expect(shown.includes('Manager override')).toBe(overridable);
    if (!overridable)
      expect(shown).toContain(
        'only the time window (grace period not ended yet, or ended more than 3 days ago) can be overridden',
      );
    expect(shown).not.toMatch(/no_paid_plan|grace_ended_too_long_ago|prospect,/);
  });
});
