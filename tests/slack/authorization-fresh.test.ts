import type { WebClient } from '@slack/web-api';
import pino from 'pino';
import { Authorizer } from '../../src/slack/authorization';

/**
 * SPEC "Who sees what": App Home reads membership from Slack on every publish. A check for
 * customer data must not join a group lookup that started before it (a background refresh, another
 * user's check): that answer may hold the membership from before someone was removed.
 */
describe('Authorizer: see_requests reads membership from a lookup of its own', () => {
  it('a lookup in flight with the old membership does not let a removed member see requests', async () => {
    let members = ['U0ENGINEER', 'U0MANAGER'];
    const answers: Array<() => void> = [];
    const client = {
      usergroups: {
        users: {
          // Each call answers with the membership as it was when Slack received it, once released.
          list: () => {
            const seen = [...members];
            return new Promise((resolve) => answers.push(() => resolve({ ok: true, users: seen })));
          },
        },
      },
    } as unknown as WebClient;
    const authorizer = new Authorizer({
      client,
      settings: {
        mode: 'groups',
        starCheckGroups: [],
        requesterGroups: ['S0REQUEST'],
        overrideGroups: [],
        cacheSeconds: 300,
      },
      logger: pino({ level: 'silent' }),
    });

    // A check that may use the cache starts a lookup; before Slack answers, the engineer is removed.
    const earlier = authorizer.check('U0MANAGER', 'request_license');
    members = ['U0MANAGER'];
    const seeing = authorizer.check('U0ENGINEER', 'see_requests');
    while (answers.length > 0) answers.shift()!();
    await new Promise((resolve) => setImmediate(resolve));
    while (answers.length > 0) answers.shift()!();

    expect((await earlier).allowed).toBe(true);
    expect((await seeing).allowed).toBe(false);
  });
});
