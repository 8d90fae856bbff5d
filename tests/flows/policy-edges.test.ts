import { DateTime } from 'luxon';
import {
  applySubmissionAck,
  type BotUnderTest,
  LICENSING_CHANNEL,
  startInProcessBot,
} from '../../testkit/bot-under-test';
import { eventually } from '../../testkit/eventually';
import { type JsonObject } from '../../testkit/fake-slack';
import { textOf } from '../../testkit/payloads';
import { useFakeWallClock } from '../support/fake-wall-clock';

/**
 * Issue 17, through signed Slack payloads as a person would drive the bot: the verdict, the form
 * it offers, and the license or the right words at the policy's edges (points 1, 2, 3, 6 and 7).
 */

const day = (offset: number) => DateTime.utc().startOf('day').plus({ days: offset }).toISODate();

const buttons = (view: JsonObject) =>
  (view.blocks as JsonObject[])
    .filter((b) => b.type === 'actions')
    .flatMap((b) => (b.elements as JsonObject[]).map((e) => e.action_id as string));

async function verdictFor(t: BotUnderTest, ticket: string, steps: Record<string, string>[]): Promise<JsonObject> {
  await t.command('/star-check', ticket);
  await t.fake.waitForCall('views.open');
  let view = t.view('star_check');
  for (const values of steps) {
    const ack = applySubmissionAck(t.fake, view, await t.submit(view, values));
    expect(ack.kind).toBe('update');
    view = ack.view as JsonObject;
    if (view.callback_id === 'star_check_verdict') break;
  }
  expect(view.callback_id).toBe('star_check_verdict');
  return view;
}

/** The verdict's button pushes the form; returns it with what it was prefilled with. */
async function openFormFrom(t: BotUnderTest, verdict: JsonObject): Promise<JsonObject> {
  expect(buttons(verdict)).toEqual(['open_emergency_license']);
  await t.click(verdict, 'open_emergency_license');
  await t.fake.waitForCall('views.push');
  return t.view('emergency_license');
}

const initialOf = (form: JsonObject, blockId: string) => {
  const element = (form.blocks as JsonObject[]).find((b) => b.block_id === blockId)?.element as JsonObject;
  return (element?.initial_option as JsonObject | undefined)?.value ?? element?.initial_date;
};

function formValues(ticket: string, overrides: Record<string, unknown>): Record<string, never> {
  return {
    ticket,
    deployment: 'self_managed',
    paid_plan: 'yes',
    prospect: 'no',
    screenshots: ['dashboard', 'license_page'],
    user_count: '120',
    email: `admin${ticket}@customer.example`,
    username: 'jdoe',
    ...overrides,
  } as unknown as Record<string, never>;
}

async function licenseUploaded(t: BotUnderTest) {
  return t.fake.waitForUpload(() => true, 5000);
}

const channelText = (t: BotUnderTest) =>
  t.fake
    .callsTo('chat.postMessage')
    .concat(t.fake.callsTo('chat.update'))
    .filter((c) => c.args.channel === LICENSING_CHANNEL)
    .map((c) => `${c.args.text}\n${textOf(c.args.blocks)}`)
    .join('\n');

describe('today (real clock): temporary extensions, sales trials, unknown dates', () => {
  let t: BotUnderTest;
  beforeAll(async () => {
    t = await startInProcessBot();
  });
  afterAll(async () => {
    await t.stop();
  });
  beforeEach(() => t.fake.reset());

  it('1. the form asks the license kind; a temporary extension that expired yesterday gets a license', async () => {
    await t.command('/emergency-license', '');
    await t.fake.waitForCall('views.open');
    const form = t.view('emergency_license');
    const shown = textOf(form);
    expect(shown).toContain('What kind of license is on the instance now?');
    expect(shown).toContain('The paid license (the subscription itself)');
    expect(shown).toContain('A Sales-generated temporary extension / trial-type license');

    // Required: the Slack client (and the testkit's payloads) will not submit the form without it.
    const question = (form.blocks as JsonObject[]).find((b) => b.block_id === 'license_kind');
    expect(question?.optional).toBeFalsy();

    // The same date on the paid license: still in the grace period (14 days), refused with that reason.
    const paid = applySubmissionAck(
      t.fake,
      form,
      await t.submit(form, formValues('917001', { expiration_date: day(-1), license_kind: 'paid' })),
    );
    expect(textOf(paid.view as JsonObject)).toMatch(/still in the grace period: it ends in 12 days/);

    await t.command('/emergency-license', '');
    await t.fake.waitForCalls('views.open', 2);
    const again = t.view('emergency_license');
    const temporary = applySubmissionAck(
      t.fake,
      again,
      await t.submit(again, formValues('917002', { expiration_date: day(-1), license_kind: 'temporary' })),
    );
    expect(temporary.kind).toBe('update');
    expect(textOf(temporary.view as JsonObject)).not.toContain('Out of scope');
    await licenseUploaded(t);
    const notice = await eventually(
      () => {
        const all = channelText(t);
        expect(all).toContain('Generated');
        return all;
      },
      { timeoutMs: 10_000 },
    );
    expect(notice).toContain('a Sales-generated temporary extension on the instance');
    expect(notice).not.toMatch(/\bago\b/);
  });

  it('1 and 2. a sales trial expired yesterday: verdict → form (trial-type, paid plan asked) → license', async () => {
    const verdict = await verdictFor(t, '917003', [
      { q_kind: 'plan_license' },
      { deployment: 'self_managed', request_type: 'sm_trial_license', q_trial: 'yes' },
      { q_salesAssisted: 'yes' },
      { expiration_date: day(-1) },
    ]);
    const shown = textOf(verdict);
    expect(shown).toContain('Ok to STAR');
    expect(shown).not.toMatch(/without a paid plan are out of scope|Not a weekend emergency/);
    expect(shown).toMatch(
      /the workflow applies when the organization has a paid plan, which the emergency license form asks/,
    );
    const form = await openFormFrom(t, verdict);
    expect(initialOf(form, 'license_kind')).toBe('temporary');
    expect(initialOf(form, 'paid_plan')).toBeUndefined();
    const ack = applySubmissionAck(
      t.fake,
      form,
      await t.submit(form, formValues('917003', { expiration_date: day(-1), license_kind: 'temporary' })),
    );
    expect(textOf(ack.view as JsonObject)).not.toContain('Out of scope');
    await licenseUploaded(t);
  });

  it('7. no date: scope unknown, the verdict offers the form, which checks it with the date', async () => {
    const verdict = await verdictFor(t, '917004', [
      { q_kind: 'plan_license' },
      { deployment: 'self_managed', request_type: 'sm_trial_license', q_trial: 'no' },
      { q_inGracePeriod: 'yes' },
      { q_graceEndsInMoreThan24h: 'no' },
    ]);
    const shown = textOf(verdict);
    expect(shown).toContain('Ok to STAR');
    expect(shown).toMatch(/is not known yet, not out of scope: the emergency license form checks it with the date/);
    expect(shown).not.toMatch(/Not a weekend emergency|could not be checked/);
    const audit = await t.fake.waitForCall('chat.postMessage', (c) => c.args.channel === LICENSING_CHANNEL);
    expect(textOf(audit.args.blocks)).toMatch(/scope unknown, not out of scope/);

    const form = await openFormFrom(t, verdict);
    // A date outside the window: the form says why, in words.
    const out = applySubmissionAck(
      t.fake,
      form,
      await t.submit(form, formValues('917004', { expiration_date: day(-30), license_kind: 'paid' })),
    );
    expect(textOf(out.view as JsonObject)).toMatch(/The grace period ended on .*, 16 days ago: more than 3 days/);
  });
});

describe('3. Saturday 22:00 UTC, the grace period ends Sunday 00:00: say when, offer the override now', () => {
  let t: BotUnderTest;
  beforeAll(async () => {
    // 30 s before 22:00, so that the clock running during the test still reads "in 2 hours".
    useFakeWallClock(DateTime.fromISO('2024-06-01T21:59:30Z', { zone: 'utc' }).toJSDate());
    t = await startInProcessBot();
  });
  afterAll(async () => {
    await t.stop();
    jest.useRealTimers();
  });

  it('verdict → form → override with a justification → license, and never "leave it for L&R"', async () => {
    const verdict = await verdictFor(t, '917005', [
      { q_kind: 'plan_license' },
      { deployment: 'self_managed', request_type: 'sm_trial_license', q_trial: 'no' },
      { expiration_date: '2024-05-19' },
    ]);
    const shown = textOf(verdict);
    expect(shown).toContain('Ok to STAR');
    expect(shown).toContain('the weekend emergency workflow applies from Sun 2 Jun 2024 00:00 UTC, in 2 hours');
    expect(shown).toMatch(/A manager may override the time window now, with a written justification/);
    expect(shown).not.toMatch(/Not a weekend emergency|Leave the ticket|leave it for/i);

    const form = await openFormFrom(t, verdict);
    const refused = applySubmissionAck(
      t.fake,
      form,
      await t.submit(form, formValues('917005', { expiration_date: '2024-05-19', license_kind: 'paid' })),
    );
    const view = refused.view as JsonObject;
    expect(view.callback_id).toBe('emergency_license_override');
    const words = textOf(view);
    expect(words).toContain('applies from Sun 2 Jun 2024 00:00 UTC, in 2 hours');
    expect(words).toContain('A manager may override the time window now');
    expect(words).not.toMatch(/Leave the ticket|leave it for/i);

    const override = applySubmissionAck(
      t.fake,
      view,
      await t.submit(view, {
        justification: 'Customer blocked from Sunday 00:00; L&R away until Monday.',
      }),
    );
    expect(override.kind).toBe('update');
    await licenseUploaded(t);
    const notice = await eventually(
      () => {
        const all = channelText(t);
        expect(all).toContain('Generated');
        return all;
      },
      { timeoutMs: 10_000 },
    );
    expect(notice).toContain('Scope check overridden');
    // Stored with the request: the instant, not "in 2 hours".
    expect(notice).toContain('applies from Sun 2 Jun 2024 00:00 UTC (when the grace period ends)');
  });
});

describe('6. Wednesday: ask L&R in the channel first, the form for when they cannot help in time', () => {
  let t: BotUnderTest;
  beforeAll(async () => {
    useFakeWallClock(DateTime.fromISO('2024-06-05T10:00:00Z', { zone: 'utc' }).toJSDate());
    t = await startInProcessBot();
  });
  afterAll(async () => {
    await t.stop();
    jest.useRealTimers();
  });

  it('the verdict says so, still offers the form, and the audit does not call it a weekend emergency', async () => {
    const verdict = await verdictFor(t, '917006', [
      { q_kind: 'plan_license' },
      { deployment: 'self_managed', request_type: 'sm_trial_license', q_trial: 'no' },
      { expiration_date: '2024-05-19' },
    ]);
    const shown = textOf(verdict);
    expect(shown).toMatch(/It is a weekday \(UTC\).*first ask them in #support_licensing-subscription/);
    expect(shown.indexOf('first ask them')).toBeLessThan(shown.indexOf('needs a trial license generation'));
    expect(buttons(verdict)).toEqual(['open_emergency_license']);
    const audit = await t.fake.waitForCall('chat.postMessage', (c) => c.args.channel === LICENSING_CHANNEL);
    expect(textOf(audit.args.blocks)).not.toContain('Weekend emergency');
    expect(textOf(audit.args.blocks)).toContain('It is a weekday (UTC)');
  });
});
