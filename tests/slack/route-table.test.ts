import type { AnyMiddlewareArgs, AllMiddlewareArgs } from '@slack/bolt';
import {
  dispatch,
  type BlockActionArgs,
  type ButtonArgs,
  type CommandArgs,
  type EventArgs,
  type Routes,
  type ShortcutArgs,
  type SubmissionArgs,
} from '../../src/slack/listeners/dispatch';
import { RouteTable } from '../../src/slack/listeners/route-table';

describe('RouteTable: handlers by ID', () => {
  const calls: string[] = [];
  const handler = (name: string) => async (args: { id: string }) => void calls.push(`${name}:${args.id}`);
  const table = new RouteTable<{ id: string }>()
    .add('retry_license', handler('retry'))
    .add('open.star+check', handler('dots')) // regex metacharacters in an ID are matched literally
    .add(/^license_resolved(?::\d+)?$/, handler('resolved'))
    .add(/^license_needs_lr(?::\d+)?$/, handler('needs_lr'));

  beforeEach(() => (calls.length = 0));

  it.each([
    ['retry_license', 'retry'],
    ['open.star+check', 'dots'],
    ['license_resolved', 'resolved'],
    ['license_resolved:12', 'resolved'],
    ['license_needs_lr:3', 'needs_lr'],
  ])('%s goes to its handler', async (id, name) => {
    await table.handlerFor(id)?.({ id });
    expect(calls).toEqual([`${name}:${id}`]);
  });

  it.each(['retry_license_x', 'xretry_license', 'openXstar+check', 'open.star+checks', 'license_resolved:', 'other'])(
    '%s has no handler',
    (id) => expect(table.handlerFor(id)).toBeUndefined(),
  );

  it('puts its guard in front of every handler added, exact or pattern', async () => {
    const guarded = new RouteTable<{ id: string }>((next) => async (args) => {
      calls.push(`guard:${args.id}`);
      if (args.id !== 'refused') await next(args);
    })
      .add('retry_license', handler('retry'))
      .add('refused', handler('never'))
      .add(/^row:\d+$/, handler('row'));
    for (const id of ['retry_license', 'refused', 'row:3']) await guarded.handlerFor(id)?.({ id });
    expect(calls).toEqual(['guard:retry_license', 'retry:retry_license', 'guard:refused', 'guard:row:3', 'row:row:3']);
  });

  it('refuses two handlers for one ID', () => {
    expect(() => new RouteTable<{ id: string }>().add('a', handler('1')).add('a', handler('2'))).toThrow(
      'two handlers for a',
    );
  });
});

describe('dispatch: one global middleware hands each request to its handler by kind and ID', () => {
  const seen: string[] = [];
  const record = (table: string) => async (): Promise<void> => void seen.push(table);
  const routes: Routes = {
    commands: new RouteTable<CommandArgs>().add('/star-check', record('commands')),
    shortcuts: new RouteTable<ShortcutArgs>().add('emergency_license', record('shortcuts')),
    submissions: new RouteTable<SubmissionArgs>().add('star_check', record('submissions')),
    buttons: new RouteTable<ButtonArgs>().add('retry_license', record('buttons')),
    inputs: new RouteTable<BlockActionArgs>().add(/^star_q_[a-z]+$/, record('inputs')),
    events: new RouteTable<EventArgs>().add('app_home_opened', record('events')),
  };
  const middleware = dispatch(routes);

  // What Bolt hands a global middleware for each kind of request (App.processEvent's listener args).
  const command = (name: string) => ({ body: {}, command: { command: name } });
  const action = (bodyType: string, elementType: string, actionId: string) => ({
    body: { type: bodyType },
    action: { type: elementType, action_id: actionId },
  });
  const view = (bodyType: string, callbackId: string) => ({
    body: { type: bodyType },
    view: { callback_id: callbackId },
  });
  const shortcut = (callbackId: string) => ({ body: {}, shortcut: { callback_id: callbackId } });
  const event = (type: string) => ({ body: {}, event: { type } });

  it.each([
    ['a routed command', 'commands', command('/star-check')],
    ['an unknown command', 'next', command('/other')],
    ['a routed button', 'buttons', action('block_actions', 'button', 'retry_license')],
    ['a button whose ID only an input has', 'next', action('block_actions', 'button', 'star_q_kind')],
    ['a routed input', 'inputs', action('block_actions', 'radio_buttons', 'star_q_kind')],
    ['an input whose ID only a button has', 'next', action('block_actions', 'static_select', 'retry_license')],
    ['a legacy interactive message', 'next', action('interactive_message', 'button', 'retry_license')],
    ['a routed submission', 'submissions', view('view_submission', 'star_check')],
    ['a view_closed (the bot asks for none)', 'next', view('view_closed', 'star_check')],
    ['an unknown view', 'next', view('view_submission', 'other')],
    ['a routed shortcut', 'shortcuts', shortcut('emergency_license')],
    ['an unknown shortcut', 'next', shortcut('other')],
    ['a routed event', 'events', event('app_home_opened')],
    ['an unknown event', 'next', event('member_joined_channel')],
    ['an options request (the bot serves none)', 'next', { body: {}, options: { action_id: 'x' } }],
  ])('%s → %s', async (_what, expected, request) => {
    seen.length = 0;
    const args = { ...request, next: async () => void seen.push('next') };
    await middleware(args as unknown as AnyMiddlewareArgs & AllMiddlewareArgs);
    expect(seen).toEqual([expected]);
  });
});
