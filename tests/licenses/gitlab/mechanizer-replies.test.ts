import {
  REQUEST_ID_MARKER,
  hasFailed,
  hasRequestIdLine,
  issueState,
  latestHumanNote,
  readLicenseReply,
  sameIssueUrl,
  type IssueState,
} from '../../../src/licenses/gitlab/mechanizer-replies';
import type { GitLabNote } from '../../../src/licenses/gitlab/schemas';

const LICENSE = [
  '--------------------BEGIN GITLAB LICENSE--------------------',
  'eyJkYXRhIjoiQUJDIn0=',
  '---------------------END GITLAB LICENSE---------------------',
].join('\n');

describe('issueState: what Mechanizer says by title, label and state', () => {
  it.each<[string, string, 'opened' | 'closed', string[], IssueState, boolean]>([
    ['fresh request', 'Emergency trial license: a@b.example (10 users)', 'opened', [], 'waiting', false],
    ['[Success], closed', '[Success] Emergency trial license', 'closed', [], 'succeeded', false],
    ['[success] lower case, leading space', '  [success] Emergency', 'closed', [], 'succeeded', false],
    ['[Success] but still open', '[Success] Emergency', 'opened', [], 'success-but-open', false],
    ['[Failure], open', '[Failure] Emergency', 'opened', [], 'failed', true],
    ['[Failed], closed', '[Failed] Emergency', 'closed', [], 'failed', true],
    ['failed label while open', 'Emergency', 'opened', ['L&R', 'Failed'], 'failed', true],
    ['failed label wins over [Success]', '[Success] Emergency', 'closed', ['failed'], 'failed', true],
    ['closed by a person without [Success]', 'Emergency', 'closed', [], 'closed-without-success', true],
    ['[Success] in the middle does not count', 'Re: [Success] Emergency', 'closed', [], 'closed-without-success', true],
  ])('%s', (_name, title, state, labels, expected, failed) => {
    expect(issueState({ title, state, labels })).toBe(expected);
    expect(hasFailed({ title, state, labels })).toBe(failed);
  });
});

describe('readLicenseReply: the license copy and its recipient', () => {
  const issue = { title: '[Success] Emergency', description: 'Ticket ...' };
  const note = (body: string, extra: Partial<GitLabNote> = {}): GitLabNote => ({ body, system: false, ...extra });

  it.each<[string, GitLabNote[], string | undefined, { email: string; userCount: number } | undefined]>([
    [
      'plain reply',
      [note(`Created a license under admin@c.example for 120 users\n\n${LICENSE}`)],
      LICENSE,
      { email: 'admin@c.example', userCount: 120 },
    ],
    [
      'thousands separator, singular',
      [note('Created a license under a@c.example for 1,200 user.')],
      undefined,
      { email: 'a@c.example', userCount: 1200 },
    ],
    [
      'email in angle brackets followed by a full stop',
      [note('Created a license under <a@c.example>. for 5 users')],
      undefined,
      { email: 'a@c.example', userCount: 5 },
    ],
    [
      'markdown mailto link',
      [note('Created a license under [a@c.example](mailto:a@c.example) for 5 users')],
      undefined,
      { email: 'a@c.example', userCount: 5 },
    ],
    [
      'backticks',
      [note('Created a license under `a@c.example` for 7 users')],
      undefined,
      { email: 'a@c.example', userCount: 7 },
    ],
    [
      'system notes are ignored',
      [note('Created a license under x@c.example for 9 users', { system: true })],
      undefined,
      undefined,
    ],
    [
      'the newest note wins',
      [
        note('Created a license under old@c.example for 1 users', { created_at: '2025-08-01T10:00:00Z', id: 1 }),
        note('Created a license under new@c.example for 2 users', { created_at: '2025-08-01T11:00:00Z', id: 2 }),
      ],
      undefined,
      { email: 'new@c.example', userCount: 2 },
    ],
    [
      'indented license lines are trimmed',
      [
        note(
          LICENSE.split('\n')
            .map((l) => `    ${l}`)
            .join('\n'),
        ),
      ],
      LICENSE,
      undefined,
    ],
    ['nothing', [note('Working on it')], undefined, undefined],
  ])('%s', (_name, notes, licenseFile, issuedTo) => {
    expect(readLicenseReply(issue, notes)).toEqual({
      ...(licenseFile ? { licenseFile } : {}),
      ...(issuedTo ? { issuedTo } : {}),
    });
  });

  it('falls back to the description, then the title', () => {
    expect(readLicenseReply({ title: 't', description: `Here:\n${LICENSE}` }, []).licenseFile).toBe(LICENSE);
    expect(
      readLicenseReply({ title: '[Success] Created a license under t@c.example for 3 users', description: null }, [])
        .issuedTo,
    ).toEqual({
      email: 't@c.example',
      userCount: 3,
    });
  });
});

describe('latestHumanNote', () => {
  it.each<[string, GitLabNote[], string | undefined]>([
    ['no notes', [], undefined],
    ['only system notes', [{ body: 'changed title', system: true }], undefined],
    [
      'blank notes are skipped',
      [
        { body: '  ', created_at: '2025-08-01T12:00:00Z' },
        { body: ' Quota exceeded ', created_at: '2025-08-01T11:00:00Z' },
      ],
      'Quota exceeded',
    ],
    [
      'newest by time, then by id',
      [
        { body: 'first', id: 1 },
        { body: 'second', id: 2 },
      ],
      'second',
    ],
  ])('%s', (_name, notes, expected) => {
    expect(latestHumanNote(notes)).toBe(expected);
  });
});

describe('hasRequestIdLine: the machine-readable line, not a passing mention', () => {
  const id = 'lr-7f3c2a9e';
  it.each<[string, string, boolean]>([
    ['with backticks', `text\n${REQUEST_ID_MARKER}: \`${id}\``, true],
    ['without backticks, indented, CRLF', `text\r\n  ${REQUEST_ID_MARKER}: ${id}\r\nmore`, true],
    ['mentioned in passing', `about ${id} and ${REQUEST_ID_MARKER} elsewhere`, false],
    ['another ID with this one as prefix', `${REQUEST_ID_MARKER}: \`${id}-other\``, false],
    ['regex characters in the ID are literal', `${REQUEST_ID_MARKER}: \`lr-7f3c2a9eX\``, false],
  ])('%s', (_name, description, expected) => {
    expect(hasRequestIdLine(description, id)).toBe(expected);
  });
});

describe('sameIssueUrl', () => {
  it.each<[string, string, boolean]>([
    ['https://g.example/a/b/-/issues/4', 'https://g.example/a/b/-/work_items/4', true],
    ['https://G.example/a/b/-/issues/4/', 'https://g.example/a/b/-/issues/4#note_9', true],
    ['https://g.example/a/b/-/issues/4', 'https://g.example/a/c/-/issues/4', false],
    ['https://g.example/a/b/-/issues/4', 'https://g.example/a/b/-/issues/40', false],
  ])('%s vs %s', (a, b, same) => {
    expect(sameIssueUrl(a) === sameIssueUrl(b)).toBe(same);
  });
});
