import type { AllMiddlewareArgs, AnyMiddlewareArgs, App, Middleware } from '@slack/bolt';

/** The part of Bolt's App a listeners folder registers with: the same methods, the same arguments. */
export type Listeners = Pick<App, 'command' | 'action' | 'view' | 'shortcut' | 'event'>;

type Args = AnyMiddlewareArgs & AllMiddlewareArgs;
type Listener = (args: Args) => Promise<void> | void;
type Kind = 'command' | 'action' | 'view' | 'shortcut' | 'event';
interface Route {
  id: string | RegExp;
  chain: Listener[];
}

const noop = () => Promise.resolve();

/** Runs a listener chain like Bolt: each calls `next()` to hand the request on; the last gets a no-op. */
function run(chain: Listener[], args: Args, index: number): Promise<void> {
  args.next = index + 1 < chain.length ? () => run(chain, args, index + 1) : noop;
  return Promise.resolve(chain[index](args));
}

/** The request's kind and the ID listeners are registered by; undefined for what no listener can take. */
function kindAndId(args: AnyMiddlewareArgs): [Kind, string] | undefined {
  if ('command' in args && args.command) return ['command', args.command.command];
  if ('action' in args && args.action)
    return args.body.type === 'block_actions'
      ? ['action', (args.action as { action_id: string }).action_id]
      : undefined;
  if ('view' in args && args.view)
    return args.body.type === 'view_submission' ? ['view', args.view.callback_id] : undefined;
  if ('shortcut' in args && args.shortcut) return ['shortcut', args.shortcut.callback_id];
  if ('event' in args && args.event) return ['event', args.event.type];
  return undefined;
}

/**
 * Listeners registered exactly as with Bolt (`app.command(name, ...middleware, listener)`, IDs as strings
 * or regular expressions), run from ONE global middleware that finds the request's listener by kind and
 * ID. Bolt runs the middleware chain of every registered listener on every request, matching or not,
 * which costs more CPU per command than the bound allows (README, Performance).
 */
export class ListenerRouter {
  private readonly routes: Record<Kind, { exact: Map<string, Route>; patterns: Route[] }> = {
    command: { exact: new Map(), patterns: [] },
    action: { exact: new Map(), patterns: [] },
    view: { exact: new Map(), patterns: [] },
    shortcut: { exact: new Map(), patterns: [] },
    event: { exact: new Map(), patterns: [] },
  };

  /** What each listeners folder's `register(app, services)` is given in place of the App. */
  readonly listeners: Listeners = {
    command: (id: unknown, ...chain: Listener[]) => this.add('command', id, chain),
    action: (id: unknown, ...chain: Listener[]) => this.add('action', id, chain),
    view: (id: unknown, ...chain: Listener[]) => this.add('view', id, chain),
    shortcut: (id: unknown, ...chain: Listener[]) => this.add('shortcut', id, chain),
    event: (id: unknown, ...chain: Listener[]) => this.add('event', id, chain),
  } as unknown as Listeners;

  /**
   * @param unhandled answers a request no listener takes (Bolt would leave it unanswered).
   */
  constructor(private readonly unhandled: (args: Args) => Promise<void>) {}

  private add(kind: Kind, id: unknown, chain: Listener[]): void {
    if (typeof id !== 'string' && !(id instanceof RegExp))
      throw new Error(`${kind} listeners are registered by ID (a string or a RegExp), not by constraints`);
    const route = { id, chain };
    const table = this.routes[kind];
    if (typeof id === 'string') {
      if (table.exact.has(id)) throw new Error(`two ${kind} listeners for ${id}`);
      table.exact.set(id, route);
    } else table.patterns.push(route);
  }

  /** The listener chain for a request, or undefined. */
  chainFor(args: AnyMiddlewareArgs): Listener[] | undefined {
    const found = kindAndId(args);
    if (!found) return undefined;
    const table = this.routes[found[0]];
    const id = found[1];
    return (table.exact.get(id) ?? table.patterns.find((route) => (route.id as RegExp).test(id)))?.chain;
  }

  /** The one global middleware (`app.use(router.middleware)`). */
  readonly middleware: Middleware<AnyMiddlewareArgs> = (args) => {
    const chain = this.chainFor(args);
    return chain ? run(chain, args, 0) : this.unhandled(args);
  };
}
