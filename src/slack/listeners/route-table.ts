/**
 * The handlers of one kind of request (commands, buttons, view submissions, …) by ID. `dispatch.ts`
 * says why the tables sit behind one global middleware instead of one Bolt listener each.
 */
export type Handler<Args> = (args: Args) => Promise<void>;

export class RouteTable<Args> {
  private readonly exact = new Map<string, Handler<Args>>();
  private readonly patterns: { pattern: RegExp; handler: Handler<Args> }[] = [];

  /** `guard` wraps every handler added: a check that every request of this kind passes first. */
  constructor(private readonly guard: (handler: Handler<Args>) => Handler<Args> = (handler) => handler) {}

  /** An exact ID, or a pattern for IDs that carry a row number (`license_resolved:3`). */
  add(id: string | RegExp, unguarded: Handler<Args>): this {
    const handler = this.guard(unguarded);
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
}
