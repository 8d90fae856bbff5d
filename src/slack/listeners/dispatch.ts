import type {
  AllMiddlewareArgs,
  AnyMiddlewareArgs,
  BlockAction,
  ButtonAction,
  Middleware,
  SlackActionMiddlewareArgs,
  SlackCommandMiddlewareArgs,
  SlackEventMiddlewareArgs,
  SlackShortcutMiddlewareArgs,
  SlackViewMiddlewareArgs,
} from '@slack/bolt';
import type { RouteTable } from './route-table';

export type CommandArgs = AllMiddlewareArgs & SlackCommandMiddlewareArgs;
export type ShortcutArgs = AllMiddlewareArgs & SlackShortcutMiddlewareArgs;
export type SubmissionArgs = AllMiddlewareArgs & SlackViewMiddlewareArgs;
export type BlockActionArgs = AllMiddlewareArgs & SlackActionMiddlewareArgs<BlockAction>;
export type ButtonArgs = AllMiddlewareArgs & SlackActionMiddlewareArgs<BlockAction<ButtonAction>>;
export type EventArgs = AllMiddlewareArgs & SlackEventMiddlewareArgs;

/** Every handler of the bot, by kind of request and ID. */
export interface Routes {
  /** By command name (`/star-check`). */
  commands: RouteTable<CommandArgs>;
  /** Global and message shortcuts, by callback_id. */
  shortcuts: RouteTable<ShortcutArgs>;
  /** view_submission, by the view's callback_id. */
  submissions: RouteTable<SubmissionArgs>;
  /** Button clicks (block_actions), by action_id. */
  buttons: RouteTable<ButtonArgs>;
  /** Other block_actions (inputs that dispatch an action when changed), by action_id. */
  inputs: RouteTable<BlockActionArgs>;
  /** Events API events, by event type. */
  events: RouteTable<EventArgs>;
}

type Args = AnyMiddlewareArgs & AllMiddlewareArgs;
type ActionArgs = AllMiddlewareArgs & SlackActionMiddlewareArgs;

// The same tests Bolt's own listener filters make (onlyCommands, onlyActions, …, middleware/builtin.js).
const isCommand = (args: Args): args is CommandArgs => 'command' in args && args.command !== undefined;
const isShortcut = (args: Args): args is ShortcutArgs => 'shortcut' in args && args.shortcut !== undefined;
const isView = (args: Args): args is SubmissionArgs => 'view' in args && args.view !== undefined;
const isAction = (args: Args): args is ActionArgs => 'action' in args && args.action !== undefined;
const isEvent = (args: Args): args is EventArgs => 'event' in args && args.event !== undefined;
const isBlockAction = (args: ActionArgs): args is BlockActionArgs => args.body.type === 'block_actions';
const isButtonClick = (args: BlockActionArgs): args is ButtonArgs => args.action.type === 'button';

/** The handler's own promise, not wrapped in another: this runs on every request. */
function route<A extends Args>(table: RouteTable<A>, id: string, args: A): Promise<void> {
  const handler = table.handlerFor(id);
  // No handler: on to Bolt's listeners (the bot registers none), as an unmatched listener would.
  return handler ? handler(args) : args.next();
}

/**
 * ONE global middleware that hands each request to its handler by kind and ID.
 *
 * Why not one `app.command(…)`/`app.action(…)` listener per handler, the Bolt templates' layout:
 * Bolt runs the middleware chain of every registered listener on every request, matching or not
 * (a copy of the chain, a filter call, several promises and a copy of the arguments each). Under
 * `npm run bench`, 16 listeners cost CPU per /star-check a median of 1.35x / 1.32x / 1.50x of bare
 * Bolt (c=1/10/50) against 1.23x / 1.26x / 1.25x with one listener per kind; this middleware
 * against one listener per kind, both loaded at once: 0.97x / 0.93x / 0.83x. The templates' layout
 * was allowed 5%. So each folder keeps one file per handler and builds its table, and this is the
 * one place that routes them.
 */
export function dispatch(routes: Routes): Middleware<AnyMiddlewareArgs> {
  return async (args) => {
    if (isCommand(args)) return route(routes.commands, args.command.command, args);
    if (isAction(args)) {
      if (!isBlockAction(args)) return args.next();
      if (isButtonClick(args)) return route(routes.buttons, args.action.action_id, args);
      return route(routes.inputs, args.action.action_id, args);
    }
    if (isView(args)) {
      if (args.body.type !== 'view_submission') return args.next();
      return route(routes.submissions, args.view.callback_id, args);
    }
    if (isShortcut(args)) return route(routes.shortcuts, args.shortcut.callback_id, args);
    if (isEvent(args)) return route(routes.events, args.event.type, args);
    return args.next();
  };
}
