import * as http from 'node:http';

import { GitLabIssueAdapter, type GitLabIssueAdapterOptions } from '../../src/licenses/gitlab-issue-adapter';
import { REQUEST_ID_MARKER } from '../../src/licenses/gitlab/mechanizer-replies';
import { parseIssueReference } from '../../src/licenses/gitlab/schemas';
import { formatDuration } from '../../src/shared/duration';
import type { FailedLicense, GeneratedLicense, PendingLicense, TrialLicenseRequest } from '../../src/licenses/types';
import { FakeGitLab } from './support/fake-gitlab';

const TOKEN = 'glpat-SECRET-test-token-123';

const req: TrialLicenseRequest = {
  requestId: 'lr-7f3c2a9e-1b2d-4c5e-8f90-123456789abc',
  ticketUrl: 'https://support.example.com/tickets/98765',
  email: 'admin@customer.example',
  userCount: 120,
  requestedBy: 'jdoe',
};

const LICENSE_COPY = [
  '--------------------BEGIN GITLAB LICENSE--------------------',
  'eyJkYXRhIjoiQUJDIn0=',
  '---------------------END GITLAB LICENSE---------------------',
].join('\n');

let gitlab: FakeGitLab;
let baseUrl: string;

beforeEach(async () => {
  gitlab = new FakeGitLab({ token: TOKEN, projectId: 42 });
  baseUrl = await gitlab.start();
});

afterEach(async () => {
  await gitlab.stop();
});

function adapter(overrides: Partial<GitLabIssueAdapterOptions> = {}): GitLabIssueAdapter {
  return new GitLabIssueAdapter({
    baseUrl,
    token: TOKEN,
    projectId: 42,
    pollIntervalMs: 10,
    // Far above what a loopback call or a few polls take even on a loaded machine: only the tests that
    // are about a timeout reach one, and they set their own.
    timeoutMs: 10_000,
    requestTimeoutMs: 2_000,
    now: () => new Date('2025-08-01T12:00:00Z'),
    ...overrides,
  });
}

async function requestPending(a: GitLabIssueAdapter, r: TrialLicenseRequest = req): Promise<PendingLicense> {
  const out = await a.request(r);
  expect(out.status).toBe('pending');
  return out as PendingLicense;
}

function expectNoTokenIn(value: unknown): void {
  expect(JSON.stringify(value)).not.toContain(TOKEN);
}

describe('request()', () => {
  it('opens a clearly described issue and returns its URL as the pending reference', async () => {
    const out = await requestPending(adapter({ labels: ['L&R::emergency', 'mechanizer'] }));
    const issue = gitlab.getIssue(1)!;
    expect(out.reference).toBe(issue.web_url);
    expect(out.reference).toBe(`${baseUrl}/gitlab-com/support/internal-requests/-/issues/1`);

    const [search, create] = gitlab.requests;
    expect(search.method).toBe('GET');
    expect(search.path).toBe('/api/v4/projects/42/issues');
    expect(search.query.search).toBe(req.requestId);
    expect(create.method).toBe('POST');
    expect(create.path).toBe('/api/v4/projects/42/issues');
    for (const r of gitlab.requests) expect(r.headers['private-token']).toBe(TOKEN);

    expect(issue.title).toBe('Emergency trial license: admin@customer.example (120 users)');
    expect(issue.labels).toEqual(['L&R::emergency', 'mechanizer']);
    expect(issue.confidential).toBe(true);
    const d = issue.description;
    expect(d).toContain('https://support.example.com/tickets/98765');
    expect(d).toContain('admin@customer.example');
    expect(d).toMatch(/Users: 120/);
    expect(d).toMatch(/Ultimate trial/);
    expect(d).toMatch(/10 days/);
    expect(d).toContain('@jdoe');
    expect(d).toContain(`${REQUEST_ID_MARKER}: \`${req.requestId}\``);
    expect(d.split('\n').filter((l) => l.startsWith(REQUEST_ID_MARKER))).toHaveLength(1);
  });

  it('accepts a project path as projectId (URL-encoded)', async () => {
    await requestPending(adapter({ projectId: 'gitlab-com/support/internal-requests' }));
    expect(gitlab.requests[1].path).toBe('/api/v4/projects/gitlab-com%2Fsupport%2Finternal-requests/issues');
  });

  it('reuses the issue already carrying the request ID (crash between create and record)', async () => {
    const a = adapter();
    const first = await requestPending(a);
    const second = await requestPending(a);
    expect(second.reference).toBe(first.reference);
    expect(gitlab.requestsTo({ method: 'POST' })).toHaveLength(1);
    expect(gitlab.issues.size).toBe(1);
  });

  it('does not mistake another request for this one (search matches are checked)', async () => {
    gitlab.addIssue({
      title: 'Emergency trial license: other@example.com (5 users)',
      description: `mentions ${req.requestId} in passing\n${REQUEST_ID_MARKER}: \`${req.requestId}-other\``,
    });
    const out = await requestPending(adapter());
    expect(out.reference).toMatch(/\/issues\/2$/);
  });

  it('opens a new issue on retry when the earlier one failed, and links it', async () => {
    const failed = gitlab.addIssue({
      title: '[Failure] Emergency trial license: admin@customer.example (120 users)',
      description: `${REQUEST_ID_MARKER}: \`${req.requestId}\``,
      state: 'closed',
    });
    const out = await requestPending(adapter());
    expect(out.reference).not.toBe(failed.web_url);
    expect(gitlab.getIssue(2)!.description).toContain(`Previous attempts that failed: ${failed.web_url}`);
  });

  it('reuses a succeeded issue rather than asking for a second license', async () => {
    const done = gitlab.addIssue({
      title: '[Success] Emergency trial license: admin@customer.example (120 users)',
      description: `${REQUEST_ID_MARKER}: \`${req.requestId}\``,
      state: 'closed',
    });
    const out = await requestPending(adapter());
    expect(out.reference).toBe(done.web_url);
    expect(gitlab.requestsTo({ method: 'POST' })).toHaveLength(0);
  });

  it('does not create an issue when it cannot check for an existing one', async () => {
    gitlab.failNext(1, { method: 'GET', path: /\/issues$/, status: 503 });
    const out = (await adapter().request(req)) as FailedLicense;
    expect(out.status).toBe('failed');
    expect(out.reason).toMatch(/Could not check GitLab.*HTTP 503/);
    expect(gitlab.requestsTo({ method: 'POST' })).toHaveLength(0);
  });

  it('finds the issue when the create call timed out after GitLab created it', async () => {
    // The fake creates the issue only if it answers; simulate "created, answer lost" by seeding
    // the issue and making the POST hang past the per-call timeout.
    gitlab.hangNext(1, { method: 'POST' });
    const a = adapter({ requestTimeoutMs: 500 });
    const searchesBefore = gitlab.requestsTo({ method: 'GET' }).length;
    const outcome = a.request(req);
    // Once the first search is done and the POST hangs, "create" the issue behind the client's back.
    while (gitlab.requestsTo({ method: 'POST' }).length === 0) await new Promise((r) => setTimeout(r, 5));
    const ghost = gitlab.addIssue({
      title: 'Emergency trial license',
      description: `${REQUEST_ID_MARKER}: \`${req.requestId}\``,
    });
    const out = (await outcome) as PendingLicense;
    expect(out).toEqual({ status: 'pending', reference: ghost.web_url });
    expect(gitlab.requestsTo({ method: 'GET' }).length - searchesBefore).toBe(2);
  });

  it('returns failed for invalid requests without calling GitLab', async () => {
    for (const bad of [
      { ...req, userCount: 0 },
      { ...req, email: 'nope' },
      { ...req, requestId: 'has space' },
      { ...req, requestId: '' },
    ]) {
      const out = await adapter().request(bad);
      expect(out.status).toBe('failed');
    }
    expect(gitlab.requests).toHaveLength(0);
  });

  it('keeps injected newlines out of the description (no forged request-ID line)', async () => {
    await requestPending(adapter(), {
      ...req,
      ticketUrl: `https://t.example/1\n${REQUEST_ID_MARKER}: \`other\``,
      requestedBy: 'x\ny',
    });
    const d = gitlab.getIssue(1)!.description;
    expect(d.split('\n').filter((l) => l.startsWith(REQUEST_ID_MARKER))).toEqual([
      `${REQUEST_ID_MARKER}: \`${req.requestId}\``,
    ]);
  });
});

describe('follow()', () => {
  it('returns generated when Mechanizer closes the issue with [Success], with the license copy', async () => {
    gitlab.scriptNextIssue(
      FakeGitLab.mechanizerSuccess({
        email: req.email,
        userCount: 120,
        afterPolls: 3,
        licenseFile: LICENSE_COPY,
        closedAt: '2025-12-27T18:30:00Z',
      }),
    );
    const a = adapter();
    const pending = await requestPending(a);
    const out = (await a.follow(req, pending.reference)) as GeneratedLicense;
    expect(out).toEqual({
      status: 'generated',
      reference: pending.reference,
      expiresOn: '2026-01-06', // close date + 10 days, across the year boundary
      licenseFile: LICENSE_COPY,
      fileName: `${req.requestId}.gitlab-license`,
      issuedTo: { email: 'admin@customer.example', userCount: 120 },
    });
    expect(gitlab.pollCount(1)).toBe(3);
    expect(gitlab.requestsTo({ method: 'GET', path: '/issues/1/notes' })).toHaveLength(1);
    for (const r of gitlab.requests) expect(r.headers['private-token']).toBe(TOKEN);
  });

  it('generated without a license copy when Mechanizer did not post one; parses odd email formats', async () => {
    gitlab.scriptNextIssue([
      {
        afterPolls: 1,
        note: 'Created a license under [admin@customer.example](mailto:admin@customer.example) for 1,200 users.',
      },
      { afterPolls: 2, titlePrefix: '[Success] ', state: 'closed', closedAt: '2025-08-02T01:00:00Z' },
    ]);
    const a = adapter();
    const pending = await requestPending(a);
    const out = (await a.follow(req, pending.reference)) as GeneratedLicense;
    expect(out.status).toBe('generated');
    expect(out.licenseFile).toBeUndefined();
    expect(out.fileName).toBeUndefined();
    expect(out.expiresOn).toBe('2025-08-12');
    expect(out.issuedTo).toEqual({ email: 'admin@customer.example', userCount: 1200 });
  });

  it('takes the license copy from the issue description too', async () => {
    const a = adapter();
    const pending = await requestPending(a);
    gitlab.updateIssue(1, {
      description: `${gitlab.getIssue(1)!.description}\n\n${LICENSE_COPY.replace(/\n/g, '\r\n')}`,
      titlePrefix: '[Success] ',
      state: 'closed',
      closedAt: 'garbage',
    });
    const out = (await a.follow(req, pending.reference)) as GeneratedLicense;
    expect(out.licenseFile).toBe(LICENSE_COPY);
    expect(out.expiresOn).toBe('2025-08-11'); // unknown close date: now + 10 days
  });

  it.each([['[Failure]'], ['[Failed]']])(
    'returns failed with the latest note when the title starts with %s',
    async (prefix) => {
      gitlab.scriptNextIssue([
        { afterPolls: 1, note: 'Looking into it' },
        { afterPolls: 2, systemNote: 'changed title' },
        ...FakeGitLab.mechanizerFailure({
          reason: 'Customer not found in CustomersDot for admin@customer.example',
          afterPolls: 2,
          prefix,
        }),
      ]);
      const a = adapter();
      const pending = await requestPending(a);
      const out = (await a.follow(req, pending.reference)) as FailedLicense;
      expect(out).toEqual({
        status: 'failed',
        reason: 'Mechanizer reported a failure: Customer not found in CustomersDot for admin@customer.example',
        reference: pending.reference,
      });
    },
  );

  it('returns failed when the issue gets the "failed" label, even while open', async () => {
    gitlab.scriptNextIssue([{ afterPolls: 2, addLabels: ['failed'] }]);
    const a = adapter();
    const pending = await requestPending(a);
    const out = (await a.follow(req, pending.reference)) as FailedLicense;
    expect(out.status).toBe('failed');
    // No human note: the title is the reason.
    expect(out.reason).toBe(
      'Mechanizer reported a failure: Emergency trial license: admin@customer.example (120 users)',
    );
  });

  it('returns failed when the issue is closed without [Success]', async () => {
    gitlab.scriptNextIssue([{ afterPolls: 1, note: 'Duplicate of #12, closing', state: 'closed' }]);
    const a = adapter();
    const pending = await requestPending(a);
    const out = (await a.follow(req, pending.reference)) as FailedLicense;
    expect(out).toMatchObject({
      status: 'failed',
      reason: 'The GitLab issue was closed without [Success]: Duplicate of #12, closing',
    });
  });

  it('gives up after timeoutMs with a clear message instead of hanging', async () => {
    const a = adapter({ timeoutMs: 900, pollIntervalMs: 20 });
    const pending = await requestPending(a);
    const started = Date.now();
    // The issue is never answered: an outcome at all means the adapter gave up.
    const out = (await a.follow(req, pending.reference)) as FailedLicense;
    const elapsed = Date.now() - started;
    expect(out.status).toBe('failed');
    expect(out.reason).toMatch(new RegExp(`^No answer from GitLab within 900 ms; check ${escape(pending.reference)}$`));
    expect(out.reference).toBe(pending.reference);
    expect(elapsed).toBeGreaterThanOrEqual(880);
    expect(gitlab.pollCount(1)).toBeGreaterThan(3);
  });

  it('mentions an issue marked [Success] but left open when it times out', async () => {
    // Long enough for at least one look at the issue on a loaded machine.
    const a = adapter({ timeoutMs: 900, pollIntervalMs: 10 });
    const pending = await requestPending(a);
    gitlab.updateIssue(1, { titlePrefix: '[Success] ' });
    const out = (await a.follow(req, pending.reference)) as FailedLicense;
    expect(out.reason).toMatch(
      /^No answer from GitLab within 900 ms; check .* \(the issue is marked \[Success\] but is still open\)$/,
    );
  });

  it('words long timeouts in minutes', () => {
    expect(formatDuration(30 * 60_000)).toBe('30 minutes');
    expect(formatDuration(60_000)).toBe('1 minute');
    expect(formatDuration(90_000)).toBe('1.5 minutes');
    expect(formatDuration(5_000)).toBe('5 seconds');
    expect(formatDuration(250)).toBe('250 ms');
  });

  it('retries network errors and 5xx until Mechanizer answers', async () => {
    gitlab.scriptNextIssue(FakeGitLab.mechanizerSuccess({ email: req.email, userCount: 120, afterPolls: 2 }));
    // The hanging call is cut at this per-call timeout; every answered call must come well within it.
    const a = adapter({ requestTimeoutMs: 500 });
    const pending = await requestPending(a);
    gitlab.failNext(2, { method: 'GET', path: /\/issues\/1$/, status: 502, body: '<html>Bad gateway</html>' });
    gitlab.hangNext(1, { method: 'GET', path: /\/issues\/1$/ });
    gitlab.failNext(1, { method: 'GET', path: /\/issues\/1$/, status: 429, body: { message: 'Retry later' } });
    gitlab.failNext(1, { method: 'GET', path: /\/notes$/, status: 500 });
    const out = (await a.follow(req, pending.reference)) as GeneratedLicense;
    expect(out.status).toBe('generated');
    const statuses = gitlab.requestsTo({ method: 'GET', path: /\/issues\/1$/ }).map((r) => r.status);
    expect(statuses.slice(0, 5)).toEqual([502, 502, undefined, 429, 200]);
    expect(gitlab.requestsTo({ path: /\/notes$/ }).map((r) => r.status)).toEqual([500, 200]);
  });

  it('reports the last problem when GitLab stays broken until the timeout', async () => {
    // Long enough for the first 503 to arrive before the deadline on a loaded machine.
    const a = adapter({ timeoutMs: 900, pollIntervalMs: 20 });
    const pending = await requestPending(a);
    gitlab.failNext(1000, { method: 'GET', path: /\/issues\/1$/, status: 503 });
    const out = (await a.follow(req, pending.reference)) as FailedLicense;
    expect(out.reason).toMatch(
      /^No answer from GitLab within 900 ms; check .*\(last problem: GitLab answered HTTP 503 to GET \/projects\/42\/issues\/1: 500 Internal Server Error\)$/,
    );
  });

  it('refuses to report on an issue of another project with the same IID', async () => {
    const a = adapter();
    await requestPending(a);
    const out = (await a.follow(req, 'https://gitlab.example.com/other/project/-/issues/1')) as FailedLicense;
    expect(out).toMatchObject({
      status: 'failed',
      reason: expect.stringMatching(/not https:\/\/gitlab.example.com\/other\/project\/-\/issues\/1/),
    });
    // The /work_items/ spelling of the same issue is fine.
    gitlab.updateIssue(1, { titlePrefix: '[Success] ', state: 'closed' });
    const same = await a.follow(req, gitlab.getIssue(1)!.web_url.replace('/issues/', '/work_items/'));
    expect(same.status).toBe('generated');
  });

  it('fails at once on a deleted issue and on an unusable reference', async () => {
    const a = adapter();
    const gone = (await a.follow(req, `${baseUrl}/gitlab-com/support/internal-requests/-/issues/77`)) as FailedLicense;
    expect(gone).toMatchObject({ status: 'failed', reason: expect.stringMatching(/HTTP 404/) });
    const bad = (await a.follow(req, 'not a url')) as FailedLicense;
    expect(bad).toMatchObject({ status: 'failed', reason: expect.stringMatching(/Not a GitLab issue reference/) });
    expect(gitlab.requests).toHaveLength(1);
  });
});

describe('token handling', () => {
  it('never puts the token in URLs or error messages', async () => {
    // Wrong token: GitLab answers 401.
    const wrong = adapter({ token: 'glpat-WRONG-token-456' });
    const out = (await wrong.request(req)) as FailedLicense;
    expect(out.status).toBe('failed');
    expect(out.reason).toMatch(/HTTP 401/);
    expect(out.reason).not.toContain('glpat-WRONG-token-456');

    // An error body that echoes the token is redacted.
    gitlab.failNext(1, { method: 'POST', status: 400, body: { message: `token ${TOKEN} lacks the api scope` } });
    const echoed = (await adapter().request(req)) as FailedLicense;
    expect(echoed.reason).toContain('[REDACTED]');
    expectNoTokenIn(echoed);

    // Network failure (nothing listening).
    const pending = await requestPending(adapter());
    for (const r of gitlab.requests) {
      expect(r.path).not.toContain(TOKEN);
      expect(JSON.stringify(r.query)).not.toContain(TOKEN);
    }
    await gitlab.stop();
    // Long enough for the refused connection to be seen before the deadline on a loaded machine.
    const down = adapter({ timeoutMs: 900, pollIntervalMs: 20 });
    const unreachable = (await down.follow(req, pending.reference)) as FailedLicense;
    expect(unreachable.reason).toMatch(/Cannot reach GitLab/);
    expectNoTokenIn(unreachable);
    const unreachableRequest = await down.request(req);
    expect(unreachableRequest.status).toBe('failed');
    expectNoTokenIn(unreachableRequest);
  });

  it('does not follow redirects (the token header must not go elsewhere)', async () => {
    const redirecting = http.createServer((_req, res) => {
      res.writeHead(302, { Location: `${baseUrl}/api/v4/projects/42/issues` });
      res.end();
    });
    await new Promise<void>((r) => redirecting.listen(0, '127.0.0.1', () => r()));
    try {
      const port = (redirecting.address() as { port: number }).port;
      const out = (await adapter({ baseUrl: `http://127.0.0.1:${port}` }).request(req)) as FailedLicense;
      expect(out.reason).toMatch(/redirected/);
      expect(gitlab.requests).toHaveLength(0);
    } finally {
      redirecting.closeAllConnections();
      await new Promise((r) => redirecting.close(r));
    }
  });
});

describe('configuration', () => {
  it('validates options without echoing the token', () => {
    const ok = {
      baseUrl: 'https://gitlab.example.com/',
      token: TOKEN,
      projectId: 1,
      pollIntervalMs: 1,
      timeoutMs: 1,
      requestTimeoutMs: 1,
    };
    expect(() => new GitLabIssueAdapter(ok)).not.toThrow();
    expect(() => new GitLabIssueAdapter({ ...ok, baseUrl: 'https://gitlab.example.com/api/v4' })).not.toThrow();
    for (const bad of [
      { ...ok, baseUrl: 'ftp://x' },
      { ...ok, baseUrl: 'not a url' },
      { ...ok, baseUrl: `https://user:${TOKEN}@gitlab.example.com` },
      { ...ok, token: '' },
      { ...ok, projectId: '' },
      { ...ok, timeoutMs: 0 },
      { ...ok, pollIntervalMs: Number.NaN },
    ]) {
      let message = '';
      try {
        new GitLabIssueAdapter(bad);
      } catch (err) {
        message = (err as Error).message;
      }
      expect(message).not.toBe('');
      expect(message).not.toContain(TOKEN);
    }
  });

  it('parses references', () => {
    expect(parseIssueReference('https://gitlab.com/g/p/-/issues/12')).toEqual({
      iid: 12,
      webUrl: 'https://gitlab.com/g/p/-/issues/12',
    });
    expect(parseIssueReference('https://gitlab.com/g/p/-/work_items/7#note_1')).toMatchObject({ iid: 7 });
    expect(parseIssueReference('https://gitlab.com/g/p/-/merge_requests/7')).toBeUndefined();
    expect(parseIssueReference('/tmp/x.gitlab-license')).toBeUndefined();
  });
});

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
