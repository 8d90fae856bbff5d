import type { AllMiddlewareArgs, AnyMiddlewareArgs } from '@slack/bolt';
import { ListenerRouter } from '../../src/slack/listeners/router';

/** What Bolt hands a global middleware for each kind of request (App.processEvent's listener args). */
const command = (name: string) => ({ body: {}, command: { command: name } });
const action = (bodyType: string, actionId: string) => ({ body: { type: bodyType }, action: { action_id: actionId } });
const view = (bodyType: string, callbackId: string) => ({
  body: { type: bodyType },
  view: { callback_id: callbackId },
});
const shortcut = (callbackId: string) => ({ body: {}, shortcut: { callback_id: callbackId } });
const event = (type: string) => ({ body: {}, event: { type } });

describe('ListenerRouter: listeners registered as with Bolt, run from one global middleware', () => {
  const seen: string[] = [];
  const record = (name: string) => async () => void seen.push(name);
  const router = new ListenerRouter(async () => void seen.push('unhandled'));
  const app = router.listeners;
  app.command(
    '/star-check',
    async ({ next }) => {
      seen.push('check');
      await next();
    },
    record('star-check'),
  );
  app.command('/refused', async () => void seen.push('refused by its check'), record('never'));
  app.action('retry_license', record('retry'));
  app.action(/^license_resolved(?::\d+)?$/, record('resolved'));
  app.view('star_check', record('submission'));
  app.shortcut('emergency_license', record('shortcut'));
  app.event('app_home_opened', record('home'));

  it.each([
    ['a command, through its check', command('/star-check'), ['check', 'star-check']],
    ['a check that refuses: the listener never runs', command('/refused'), ['refused by its check']],
    ['an unknown command', command('/other'), ['unhandled']],
    ['a button by exact ID', action('block_actions', 'retry_license'), ['retry']],
    ['a button by pattern', action('block_actions', 'license_resolved:12'), ['resolved']],
    ['a button the pattern does not match', action('block_actions', 'license_resolved:'), ['unhandled']],
    ['a legacy interactive message', action('interactive_message', 'retry_license'), ['unhandled']],
    ['a submission', view('view_submission', 'star_check'), ['submission']],
    ['a view_closed (the bot asks for none)', view('view_closed', 'star_check'), ['unhandled']],
    ['a shortcut', shortcut('emergency_license'), ['shortcut']],
    ['an event', event('app_home_opened'), ['home']],
    ['an unknown event', event('member_joined_channel'), ['unhandled']],
  ])('%s', async (_what, request, expected) => {
    seen.length = 0;
    await router.middleware({ ...request, next: async () => undefined } as unknown as AnyMiddlewareArgs &
      AllMiddlewareArgs);
    expect(seen).toEqual(expected);
  });

  it('refuses two listeners for one ID, and constraint objects', () => {
    expect(() => app.action('retry_license', record('again'))).toThrow('two action listeners for retry_license');
    expect(() => app.action({ action_id: 'x' }, record('x'))).toThrow(/by ID/);
  });
});
