import { RouteTable } from '../../src/slack/listeners/route-table';

describe('RouteTable: one Bolt listener per kind, routing by ID', () => {
  const calls: string[] = [];
  const handler = (name: string) => async (args: { id: string }) => void calls.push(`${name}:${args.id}`);
  const table = new RouteTable<{ id: string }>()
    .add('retry_license', handler('retry'))
    .add('open.star+check', handler('dots')) // regex metacharacters in an ID are matched literally
    .add(/^license_resolved(?::\d+)?$/, handler('resolved'))
    .add(/^license_needs_lr(?::\d+)?$/, handler('needs_lr'));
  const listener = table.listener((args) => args.id);

  beforeEach(() => (calls.length = 0));

  it.each([
    ['retry_license', 'retry'],
    ['open.star+check', 'dots'],
    ['license_resolved', 'resolved'],
    ['license_resolved:12', 'resolved'],
    ['license_needs_lr:3', 'needs_lr'],
  ])('%s goes to its handler, and the listener constraint matches it', async (id, name) => {
    expect(table.ids.test(id)).toBe(true);
    await listener({ id });
    expect(calls).toEqual([`${name}:${id}`]);
  });

  it.each(['retry_license_x', 'xretry_license', 'openXstar+check', 'open.star+checks', 'license_resolved:', 'other'])(
    '%s is not matched: Bolt never calls the listener for it',
    (id) => {
      expect(table.ids.test(id)).toBe(false);
      expect(table.handlerFor(id)).toBeUndefined();
    },
  );

  it('refuses two handlers for one ID', () => {
    expect(() => new RouteTable<{ id: string }>().add('a', handler('1')).add('a', handler('2'))).toThrow(
      'two handlers for a',
    );
  });
});
