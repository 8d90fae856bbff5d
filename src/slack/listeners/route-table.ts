/**
 * The handlers of one kind of request (commands, buttons, view submissions), by ID, behind ONE
 * Bolt listener.
 *
 * Why not one `app.action(id, handler)` per handler, the Bolt templates' layout: Bolt runs the
 * middleware chain of every registered listener on every request, matching or not (a copy of the
 * chain, three async calls, a copy of the arguments and a settled promise each). With the bot's 16
 * handlers, `npm run bench` measured CPU per /star-check against bare Bolt at a median of 1.35x /
 * 1.32x / 1.50x (c=1/10/50, 6 runs) against 1.23x / 1.26x / 1.25x with this layout (11 runs; three
 * of each interleaved: 1.38x against 1.23x on average): more than the 5% the conventional layout
 * may cost. So each folder keeps one file per handler and a `register(app, services)`, and
 * registers one listener per kind, whose Bolt constraint (`ids`) matches exactly the IDs routed here.
 */
export type Handler<Args> = (args: Args) => Promise<void>;

const escapeForPattern = (id: string) => id.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');

export class RouteTable<Args> {
  private readonly exact = new Map<string, Handler<Args>>();
  private readonly patterns: { pattern: RegExp; handler: Handler<Args> }[] = [];

  /** An exact ID, or a pattern for IDs that carry a row number (`license_resolved:3`). */
  add(id: string | RegExp, handler: Handler<Args>): this {
    if (typeof id === 'string') {
      if (this.exact.has(id)) throw new Error(`two handlers for ${id}`);
      this.exact.set(id, handler);
    } else {
      this.patterns.push({ pattern: id, handler });
    }
    return this;
  }

  /** The handler for an ID: the exact one, else the first pattern that matches. */
  handlerFor(id: string): Handler<Args> | undefined {
    return this.exact.get(id) ?? this.patterns.find((route) => route.pattern.test(id))?.handler;
  }

  /** Matches exactly the IDs routed here: the constraint of the one Bolt listener. */
  get ids(): RegExp {
    const exact = [...this.exact.keys()].map(escapeForPattern);
    const alternatives = [
      ...(exact.length > 0 ? [`^(?:${exact.join('|')})$`] : []),
      ...this.patterns.map((route) => `(?:${route.pattern.source})`),
    ];
    return new RegExp(alternatives.join('|'));
  }

  /** The listener: hands the request to the handler of its ID. */
  listener(idOf: (args: Args) => string): Handler<Args> {
    return async (args) => {
      const id = idOf(args);
      const handler = this.handlerFor(id);
      // Bolt calls the listener only for IDs that `ids` matches, and each of those has a handler.
      if (!handler) throw new Error(`no handler for ${id}`);
      await handler(args);
    };
  }
}
