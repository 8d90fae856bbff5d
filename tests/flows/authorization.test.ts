/**
 * Who may do what, end to end: Slack user groups (usergroups.users.list on the fake), the deny-by-default
 * rules, AUTHORIZATION_MODE=open, and crafted payloads that try to get around the modals.
 */
import { type BotUnderTest, LICENSING_CHANNEL, startInProcessBot } from '../../testkit/bot-under-test';
import { FakeSlack, type JsonObject } from '../../testkit/fake-slack';
import { globalShortcut, newTriggerId, textOf, viewSubmission } from '../../testkit/payloads';
import {
  acceptedChannelPosts,
  daysAgo,
  emergencyForm,
  parsedLogs,
  runCommand,
  sleep,
  submitView,
  ticketUrl,
} from '../../testkit/bot-steps';
import { applySubmissionAck } from '../../testkit/bot-under-test';
import { eventually } from '../../testkit/eventually';

const ENGINEER = 'U0ENGINEER';
const MANAGER = 'U0MANAGER';
const OUTSIDER = 'U0OUTSIDER';

async function startWithGroups(env: Record<string, string>, prepare: (fake: FakeSlack) => void): Promise<BotUnderTest> {
  const fake = new FakeSlack({ logErrors: false });
  await fake.start();
  prepare(fake);
  const t = await startInProcessBot({ AUTHORIZATION_MODE: 'groups', ...env }, { fake });
  const stop = t.stop.bind(t);
  t.stop = async () => {
    await stop();
    await fake.stop();
  };
  return t;
}

describe('authorization with Slack user groups', () => {
  let t: BotUnderTest;
  beforeAll(async () => {
    t = await startWithGroups(
      {
        STAR_CHECK_USERGROUPS: 'S0STAR',
        LICENSE_REQUESTER_USERGROUPS: 'S0REQUEST',
        LICENSE_OVERRIDE_USERGROUPS: 'S0MANAGER',
      },
      (fake) => {
        fake.setUsergroup('S0STAR', [ENGINEER, MANAGER]);
        fake.setUsergroup('S0REQUEST', [ENGINEER, MANAGER]);
        fake.setUsergroup('S0MANAGER', [MANAGER]);
      },
    );
  });
  afterAll(async () => {
    await t.stop();
  });
  beforeEach(() => t.fake.reset());

  it('/star-check: a non-member gets an ephemeral refusal and no modal', async () => {
    const res = await t.command('/star-check', '123', OUTSIDER);
    expect(res.status).toBe(200);
    expect(res.json().response_type).toBe('ephemeral');
    expect(res.json().text).toContain('Only members of <!subteam^S0STAR> may run /star-check');
    await t.fake.expectNoCall('views.open', 200);
  });

  it('/star-check: a member gets the modal', async () => {
    const opened = await runCommand(t, '/star-check', '123', ENGINEER);
    expect(opened.res.body).toBe('');
    expect(opened.view?.callback_id).toBe('star_check');
  });

  it('global shortcut: a non-member sees a refusal modal, never the form', async () => {
    const triggerId = newTriggerId();
    const res = await t.send(
      'interaction',
      globalShortcut({ callbackId: 'emergency_license_shortcut', user: OUTSIDER, triggerId }),
    );
    expect(res.status).toBe(200);
    const open = await t.fake.waitForCall('views.open', (c) => c.args.trigger_id === triggerId);
    expect(open.args.view.callback_id).toBe('emergency_license_refused');
    expect(textOf(open.args.view)).toContain('may request emergency licenses');
    expect(t.fake.callsTo('views.open').map((c) => c.args.view.callback_id)).not.toContain('emergency_license');

    // A member gets the form from the same shortcut.
    const memberTrigger = newTriggerId();
    await t.send(
      'interaction',
      globalShortcut({ callbackId: 'emergency_license_shortcut', user: ENGINEER, triggerId: memberTrigger }),
    );
    const form = await t.fake.waitForCall('views.open', (c) => c.args.trigger_id === memberTrigger);
    expect(form.args.view.callback_id).toBe('emergency_license');
  });

  it('out of scope: a non-manager never sees the override input, and a crafted override from them is refused and generates nothing', async () => {
    const opened = await runCommand(t, '/emergency-license', '9101', ENGINEER);
    const res = await submitView(
      t,
      opened.view as JsonObject,
      emergencyForm({ ticket: '9101', expiration_date: daysAgo(20) }),
      ENGINEER,
    );
    const refusal = applySubmissionAck(t.fake, opened.view as JsonObject, res);
    const refused = refusal.view as JsonObject;
    expect(refused.callback_id).toBe('emergency_license_refused');
    expect(textOf(refused)).toContain('Out of scope');
    expect(refused.submit).toBeNull();
    expect((refused.blocks as JsonObject[]).some((b) => b.type === 'input')).toBe(false);
    expect(textOf(refused)).toContain('may override the emergency scope check');
    await t.fake.waitForCall('chat.postMessage', (c) => c.args.channel === LICENSING_CHANNEL);
    const postsBefore = acceptedChannelPosts(t.fake).length;

    // The non-manager crafts the manager's override submission from the refusal they got.
    const crafted: JsonObject = {
      ...refused,
      callback_id: 'emergency_license_override',
      submit: { type: 'plain_text', text: 'Override and generate', emoji: true },
      blocks: [
        ...(refused.blocks as JsonObject[]),
        {
          type: 'input',
          block_id: 'justification',
          label: { type: 'plain_text', text: 'Manager override', emoji: true },
          element: { type: 'plain_text_input', action_id: 'emergency_justification', multiline: true },
        },
      ],
    };
    for (const user of [ENGINEER, OUTSIDER]) {
      const answer = await submitView(
        t,
        crafted,
        { justification: 'The customer is very important, please generate it now.' },
        user,
      );
      expect(answer.status).toBe(200);
      const body = answer.json();
      expect(body.response_action).toBe('update');
      expect(body.view.callback_id).toBe('emergency_license_refused');
      expect(textOf(body.view)).toMatch(
        user === ENGINEER ? /may override the emergency scope check/ : /may request emergency licenses/,
      );
    }
    await sleep(300); // a second record, if one were written, has had its moment
    await eventually(async () => {
      const records = await t.bot.services.store.requests.findByTicket(ticketUrl(9101), 10);
      expect(records.map((r) => r.status)).toEqual(['refused']);
    });
    expect(t.fake.uploads).toHaveLength(0);
    expect(acceptedChannelPosts(t.fake)).toHaveLength(postsBefore);
  });

  it('a manager does get the override input on the same out-of-scope request', async () => {
    const opened = await runCommand(t, '/emergency-license', '9102', MANAGER);
    const res = await submitView(
      t,
      opened.view as JsonObject,
      emergencyForm({ ticket: '9102', expiration_date: daysAgo(20) }),
      MANAGER,
    );
    const view = applySubmissionAck(t.fake, opened.view as JsonObject, res).view as JsonObject;
    expect(view.callback_id).toBe('emergency_license_override');
    expect((view.blocks as JsonObject[]).find((b) => b.type === 'input')?.block_id).toBe('justification');
    await t.fake.waitForCall(
      'chat.postMessage',
      (c) => c.args.channel === LICENSING_CHANNEL && String(c.args.text).includes('/tickets/9102'),
    );
  });

  describe('crafted view_submission payloads', () => {
    beforeEach(async () => {
      await eventually(async () => expect(await t.bot.services.store.outbox.backlog()).toBe(0));
      t.fake.reset();
    });

    async function formView(): Promise<JsonObject> {
      return (await runCommand(t, '/emergency-license', '9201', ENGINEER)).view as JsonObject;
    }

    async function expectClearRefusal(payload: JsonObject): Promise<void> {
      const res = await t.send('interaction', payload);
      expect(res.status).toBe(200);
      const body = res.json();
      expect(body.response_action).toBe('update');
      // In time for Slack: past its ack deadline the bot's guard answers with its own view instead.
      expect(body.view.callback_id).toBe('malformed_form');
      expect(textOf(body.view)).toContain('could not be read');
      await sleep(200);
      expect(t.fake.callsTo('chat.postMessage')).toHaveLength(0);
      expect(t.fake.uploads).toHaveLength(0);
      expect(await t.bot.services.store.requests.findByTicket(ticketUrl(9201), 10)).toHaveLength(0);
    }

    it('a 100 KB ticket value is answered with a clear error view, nothing posted', async () => {
      const view = await formView();
      const payload = viewSubmission({ view, values: emergencyForm({ ticket: '9201' }), user: ENGINEER });
      payload.view.state.values.ticket.emergency_ticket.value =
        `https://gitlab.zendesk.com/agent/tickets/9201?` + `${'x'.repeat(100 * 1024)}`;
      await expectClearRefusal(payload);
    });

    it.each([
      ['state.values is a string', (v: JsonObject) => ({ ...v, state: { values: 'garbage' } })],
      ['state is missing', (v: JsonObject) => ({ ...v, state: undefined })],
      [
        'an element is an array',
        (v: JsonObject) => ({ ...v, state: { values: { ticket: { emergency_ticket: [1, 2, 3] } } } }),
      ],
      [
        'selected_options is a string',
        (v: JsonObject) => ({
          ...v,
          state: {
            values: {
              ...v.state.values,
              screenshots: { emergency_screenshots: { type: 'checkboxes', selected_options: 'all' } },
            },
          },
        }),
      ],
      ['view id is missing', (v: JsonObject) => ({ ...v, id: undefined })],
    ])('malformed state (%s) is answered with a clear error view, nothing posted', async (_name, mutate) => {
      const view = await formView();
      const payload = viewSubmission({ view, values: emergencyForm({ ticket: '9201' }), user: ENGINEER });
      payload.view = mutate(payload.view);
      await expectClearRefusal(payload);
    });
  });
});

describe('usergroups.users.list failing', () => {
  let t: BotUnderTest;
  beforeAll(async () => {
    t = await startWithGroups(
      { STAR_CHECK_USERGROUPS: 'S0STAR', LICENSE_REQUESTER_USERGROUPS: 'S0REQUEST' },
      (fake) => {
        fake.setUsergroup('S0STAR', [ENGINEER]);
        fake.setUsergroup('S0REQUEST', [ENGINEER]);
        fake.fail('usergroups.users.list', { status: 500, times: Infinity });
      },
    );
  });
  afterAll(async () => {
    await t.stop();
  });

  it.each([
    ['HTTP 500', { status: 500, times: Infinity }],
    ['ok:false', { error: 'missing_scope', times: Infinity }],
  ])('%s → even a member is refused with "could not be checked", never allowed', async (_name, fault) => {
    t.fake.reset();
    t.fake.fail('usergroups.users.list', fault);
    for (const command of ['/star-check', '/emergency-license']) {
      const res = await t.command(command, '123', ENGINEER);
      expect(res.status).toBe(200);
      expect(res.json().response_type).toBe('ephemeral');
      // In time for Slack: past its ack deadline the bot's guard answers with its own text instead.
      expect(res.json().text).toMatch(/could not be checked/);
    }
    await t.fake.expectNoCall('views.open', 200);
    expect(t.fake.callCount('usergroups.users.list')).toBeGreaterThan(0);
  });

  it('once Slack answers again, the member is allowed', async () => {
    t.fake.reset();
    const opened = await runCommand(t, '/star-check', '123', ENGINEER);
    expect(opened.view?.callback_id).toBe('star_check');
  });
});

describe('no requester groups configured (AUTHORIZATION_MODE=groups)', () => {
  let t: BotUnderTest;
  beforeAll(async () => {
    t = await startInProcessBot({ AUTHORIZATION_MODE: 'groups', LICENSE_REQUESTER_USERGROUPS: '' });
  });
  afterAll(async () => {
    await t.stop();
  });

  it('/emergency-license is refused with how to configure it', async () => {
    const res = await t.command('/emergency-license', '123', ENGINEER);
    expect(res.status).toBe(200);
    expect(res.json().response_type).toBe('ephemeral');
    expect(res.json().text).toContain('LICENSE_REQUESTER_USERGROUPS');
    expect(res.json().text).toContain('AUTHORIZATION_MODE=open');
    await t.fake.expectNoCall('views.open', 200);
  });

  it('/star-check stays open to everyone when STAR_CHECK_USERGROUPS is empty', async () => {
    const opened = await runCommand(t, '/star-check', '123', OUTSIDER);
    expect(opened.view?.callback_id).toBe('star_check');
  });
});

describe('AUTHORIZATION_MODE=open', () => {
  let t: BotUnderTest;
  beforeAll(async () => {
    t = await startInProcessBot({ AUTHORIZATION_MODE: 'open' });
  });
  afterAll(async () => {
    await t.stop();
  });

  it('lets anyone request a license, and said so loudly at start', async () => {
    const opened = await runCommand(t, '/emergency-license', '123', 'U0ANYBODY1');
    expect(opened.view?.callback_id).toBe('emergency_license');
    const warnings = parsedLogs(t.logs).filter((l) => l.level === 40 && /AUTHORIZATION_MODE=open/.test(String(l.msg)));
    expect(warnings).toHaveLength(1);
    expect(t.fake.callCount('usergroups.users.list')).toBe(0);
  });
});

describe('a configured user group that no longer exists', () => {
  it('does not lock out the members of the other groups, and is logged', async () => {
    const t = await startInProcessBot({
      AUTHORIZATION_MODE: 'groups',
      LICENSE_REQUESTER_USERGROUPS: 'S0DELETED,S0ONCALL',
    });
    try {
      t.fake.setUsergroup('S0ONCALL', ['U0ENGINEER']);
      const res = await t.command('/emergency-license', '1', 'U0ENGINEER');
      expect(res.status).toBe(200);
      await t.fake.waitForCall('views.open');
      expect(t.logs.join('')).toContain('cannot read a configured Slack user group');
    } finally {
      await t.stop();
    }
  });
});
