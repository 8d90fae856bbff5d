/**
 * SPEC "Who sees what": App Home shows requests (customer emails, tickets, user counts, who asked)
 * only to members of the requester, override or STAR groups; anyone else sees what the bot is and
 * how to get access. Membership is read again on every publish, including the refresh that follows
 * a change of a request.
 */
import { type BotUnderTest, startInProcessBot } from '../../testkit/bot-under-test';
import { FakeSlack, type JsonObject } from '../../testkit/fake-slack';
import { appHomeOpened } from '../../testkit/payloads';
import { requestLicense } from '../../testkit/bot-steps';
import { eventually } from '../../testkit/eventually';

const ENGINEER = 'U0ENGINEER';
const MANAGER = 'U0MANAGER';
const OUTSIDER = 'U0OUTSIDER';
const TICKET = 7301;
const EMAIL = 'admin@customer.example';

describe('App Home: customer data only for group members', () => {
  let t: BotUnderTest;
  let fake: FakeSlack;

  beforeAll(async () => {
    fake = new FakeSlack({ logErrors: false });
    await fake.start();
    fake.setUsergroup('S0STAR', [MANAGER]);
    fake.setUsergroup('S0REQUEST', [ENGINEER, MANAGER]);
    fake.setUsergroup('S0MANAGER', [MANAGER]);
    t = await startInProcessBot(
      {
        AUTHORIZATION_MODE: 'groups',
        STAR_CHECK_USERGROUPS: 'S0STAR',
        LICENSE_REQUESTER_USERGROUPS: 'S0REQUEST',
        LICENSE_OVERRIDE_USERGROUPS: 'S0MANAGER',
      },
      { fake },
    );
    await requestLicense(t, TICKET, {}, ENGINEER);
    await fake.waitForCall('files.completeUploadExternal', () => true, 8000);
  });
  afterAll(async () => {
    await t.stop();
    await fake.stop();
  });

  /** The views published to `user` after `from` (an index into views.publish calls). */
  const publishedTo = (user: string, from = 0) =>
    fake
      .callsTo('views.publish')
      .slice(from)
      .filter((c) => c.args.user_id === user)
      .map((c) => JSON.stringify(c.args.view));

  async function openHome(user: string): Promise<string> {
    const before = fake.callsTo('views.publish').length;
    const res = await t.send('event', appHomeOpened({ user }));
    expect(res.status).toBe(200);
    return eventually(
      () => {
        const views = publishedTo(user, before);
        expect(views.length).toBeGreaterThan(0);
        return views[views.length - 1];
      },
      { timeoutMs: 5000 },
    );
  }

  it('a user in no group sees what the bot is and how to get access, and no request', async () => {
    const home = await openHome(OUTSIDER);
    expect(home).not.toContain(`tickets/${TICKET}`);
    expect(home).not.toContain(EMAIL);
    expect(home).not.toContain('license_resolved');
    expect(home).not.toContain('license_needs_lr');
    expect(home).toMatch(/L&amp;R on-call bot|L&R on-call bot/);
    expect(home).toContain('<!subteam^S0REQUEST>');
  });

  it('a member sees the open trial with its buttons', async () => {
    const home = await openHome(ENGINEER);
    expect(home).toContain(`tickets/${TICKET}`);
    expect(home).toContain(EMAIL);
    expect(home).toContain('license_resolved');
  });

  /** Until no view has been published for 500 ms: refreshes started before now have landed. */
  async function publishesSettled(): Promise<void> {
    let seen = -1;
    while (seen !== fake.callsTo('views.publish').length) {
      seen = fake.callsTo('views.publish').length;
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  }

  it('a member removed from the group: no request at the next publish, nor in the refresh after a change', async () => {
    // A refresh whose check ran before the removal (the license's own follow-up) is not "the next publish".
    await publishesSettled();
    fake.setUsergroup('S0REQUEST', [MANAGER]);
    const home = await openHome(ENGINEER);
    expect(home).not.toContain(`tickets/${TICKET}`);
    expect(home).not.toContain(EMAIL);

    // The request changes state (a manager marks it Resolved): its owner's home is refreshed, without customer data.
    const managerHome = await openHome(MANAGER);
    const published = fake.callsTo('views.publish').filter((c) => c.args.user_id === MANAGER);
    const view = published[published.length - 1].response.view as JsonObject;
    const button = managerHome.match(/"action_id":"(license_resolved:\d+)","value":"([^"]+)"/);
    if (!button) throw new Error('no Resolved button on the manager’s home');
    const before = fake.callsTo('views.publish').length;
    const res = await t.click(view, button[1], undefined, undefined, MANAGER);
    expect(res.status).toBe(200);
    await eventually(() => expect(publishedTo(ENGINEER, before).length).toBeGreaterThan(0), { timeoutMs: 5000 });
    for (const refreshed of publishedTo(ENGINEER, before)) {
      expect(refreshed).not.toContain(`tickets/${TICKET}`);
      expect(refreshed).not.toContain(EMAIL);
    }
  });
});
