import { issueListSchema, issueSchema, noteListSchema } from '../../../src/licenses/gitlab/schemas';

const ISSUE = {
  iid: 3,
  title: 'T',
  state: 'opened',
  web_url: 'https://g.example/a/b/-/issues/3',
  description: 'd',
  labels: ['x'],
};

describe('GitLab answers are validated, not cast', () => {
  it.each<[string, unknown, boolean]>([
    ['a usual issue', ISSUE, true],
    ['labels as objects (with_labels_details)', { ...ISSUE, labels: [{ name: 'failed', color: '#f00' }, 7] }, true],
    ['description null, no labels', { ...ISSUE, description: null, labels: undefined }, true],
    ['iid as a string', { ...ISSUE, iid: '3' }, false],
    ['web_url of a merge request', { ...ISSUE, web_url: 'https://g.example/a/b/-/merge_requests/3' }, false],
    ['no title', { ...ISSUE, title: undefined }, false],
    ['an error body', { message: '404 Not found' }, false],
    ['null', null, false],
  ])('issue: %s', (_name, value, ok) => {
    expect(issueSchema.safeParse(value).success).toBe(ok);
  });

  it('normalises labels to their names', () => {
    expect(issueSchema.parse({ ...ISSUE, labels: [{ name: 'failed' }, 'L&R', 7, null] }).labels).toEqual([
      'failed',
      'L&R',
    ]);
  });

  it('keeps the usable items of a list and rejects what is not a list', () => {
    expect(issueListSchema.parse([ISSUE, { iid: 'x' }, null]).map((i) => i.iid)).toEqual([3]);
    expect(issueListSchema.safeParse({ message: 'not a list' }).success).toBe(false);
    expect(noteListSchema.parse([{ body: 'hi', system: 'no', id: 1 }, 'junk'])).toEqual([
      { body: 'hi', system: undefined, id: 1, created_at: undefined },
    ]);
  });
});
