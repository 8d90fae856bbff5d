import { requestOutcomeNote } from '../../src/zendesk/notes';
import { addInternalNote, attachLicense, findWrittenComment, markerLine } from '../../src/zendesk/writers';
import { startZendesk, type ZendeskUnderTest } from './support/zendesk-under-test';

let z: ZendeskUnderTest;
beforeEach(async () => {
  z = await startZendesk();
});
afterEach(async () => {
  await z.fake.stop();
});

const LICENSE = { fileName: 'req-0042.gitlab-license', content: 'eyJkYXRhIjoi...signed license...' };
const DETAILS = {
  expiresOn: '2026-12-17',
  email: 'ada@example.com',
  userCount: 120,
  noticeUrl: 'https://workspace.example.com/archives/C0123ABCD/p1765130000000100',
};
const paths = () => z.fake.requests.map((r) => `${r.method} ${r.path}`);

describe('attachLicense', () => {
  test('internal note (default): upload the file, then one internal note carrying the upload token', async () => {
    const ticket = z.fake.addTicket();
    const result = await attachLicense(z.client, ticket.id, LICENSE, 'internal-note', DETAILS, {
      idempotencyKey: 'license:42',
    });
    expect(result).toEqual({ ok: true, written: 'now', auditId: expect.any(Number), public: false });
    expect(paths()).toEqual([
      `GET /api/v2/tickets/${ticket.id}/comments`,
      'POST /api/v2/uploads',
      `PUT /api/v2/tickets/${ticket.id}`,
    ]);
    const [upload] = [...z.fake.uploads.values()];
    expect(upload.bytes.toString()).toBe(LICENSE.content);
    expect(upload.usedBy).toBe(ticket.id);
    const [update] = z.fake.updates;
    expect(update.uploadTokens).toEqual([upload.token]);
    expect(update.request.ticket.comment.public).toBe(false);
    const body: string = update.request.ticket.comment.body;
    expect(body).toContain('req-0042.gitlab-license');
    expect(body).toContain('2026-12-17');
    expect(body).toContain('ada@example.com, 120 users');
    expect(body).toContain(`Slack notice: ${DETAILS.noticeUrl}`);
    expect(body.endsWith('\nRef: lr-bot/license:42')).toBe(true);
    expect(update.comment.attachments.map((a) => a.file_name)).toEqual(['req-0042.gitlab-license']);
  });

  test('public reply: activation steps and the end date, to the requester; no Slack link, no marker', async () => {
    const ticket = z.fake.addTicket();
    const result = await attachLicense(z.client, ticket.id, LICENSE, 'public-reply', DETAILS, {
      idempotencyKey: 'license:42',
    });
    expect(result).toMatchObject({ ok: true, written: 'now', public: true });
    const comment = z.fake.updates[0].request.ticket.comment;
    expect(comment.public).toBe(true);
    expect(comment.body).toContain('Admin Area → Subscription');
    expect(comment.body).toContain('stops working on 2026-12-17');
    expect(comment.body).not.toMatch(/slack|lr-bot|ada@example\.com/i);
  });

  test('once: a second attempt finds the file on the ticket and writes nothing', async () => {
    const ticket = z.fake.addTicket();
    await attachLicense(z.client, ticket.id, LICENSE, 'public-reply', DETAILS);
    const again = await attachLicense(z.client, ticket.id, LICENSE, 'public-reply', DETAILS);
    expect(again).toEqual({ ok: true, written: 'already', public: true });
    expect(z.fake.updates).toHaveLength(1);
    expect(z.fake.uploads.size).toBe(1);
  });

  test('the update applied but its answer lost: the retry finds it and does not write twice', async () => {
    const ticket = z.fake.addTicket();
    z.fake.fail({ method: 'PUT', status: 502, applyFirst: true });
    const first = await attachLicense(z.client, ticket.id, LICENSE, 'internal-note', DETAILS);
    expect(first).toMatchObject({ ok: false, step: 'update', failure: { kind: 'unavailable', ambiguous: true } });
    const retry = await attachLicense(z.client, ticket.id, LICENSE, 'internal-note', DETAILS);
    expect(retry).toMatchObject({ ok: true, written: 'already' });
    expect(z.fake.updates).toHaveLength(1);
  });

  test('a crash between upload and update: the next attempt uploads again and attaches exactly once', async () => {
    const ticket = z.fake.addTicket();
    z.fake.fail({ method: 'PUT', status: 500 });
    const first = await attachLicense(z.client, ticket.id, LICENSE, 'internal-note', DETAILS);
    expect(first).toMatchObject({ ok: false, step: 'update' });
    expect(z.fake.updates).toHaveLength(0);
    const second = await attachLicense(z.client, ticket.id, LICENSE, 'internal-note', DETAILS);
    expect(second).toMatchObject({ ok: true, written: 'now' });
    expect(z.fake.updates).toHaveLength(1);
    expect(z.fake.addedComments[0].attachments).toHaveLength(1);
  });

  test('failures say the step and a plain reason; Retry-After is handed on', async () => {
    const ticket = z.fake.addTicket();
    z.fake.fail({ path: '/uploads', status: 429, retryAfter: 30 });
    const limited = await attachLicense(z.client, ticket.id, LICENSE, 'internal-note', DETAILS);
    expect(limited).toMatchObject({
      ok: false,
      step: 'upload',
      failure: { kind: 'rate-limited', retryAfterSeconds: 30, retryable: true },
      reason: 'Could not upload the license file to Zendesk: Zendesk is rate-limiting the bot; try again in 30 s.',
    });
    const closed = z.fake.addTicket({ status: 'closed' });
    const refused = await attachLicense(z.client, closed.id, LICENSE, 'internal-note', DETAILS);
    expect(refused).toMatchObject({ ok: false, step: 'update', failure: { kind: 'rejected', retryable: false } });
    z.fake.fail({ path: '/comments', status: 403 });
    const unchecked = await attachLicense(z.client, ticket.id, LICENSE, 'internal-note', DETAILS);
    expect(unchecked).toMatchObject({ ok: false, step: 'check', failure: { kind: 'forbidden' } });
    expect(z.fake.updates).toHaveLength(0);
  });

  test('a ticket of another Zendesk is never touched', async () => {
    const result = await attachLicense(
      z.client,
      'https://other.example.com/agent/tickets/5',
      LICENSE,
      'internal-note',
      DETAILS,
    );
    expect(result).toMatchObject({ ok: false, step: 'check', failure: { kind: 'foreign-ticket' } });
    expect(z.fake.requests).toHaveLength(0);
  });
});

describe('addInternalNote', () => {
  test('an internal note with its mark; the same key again writes nothing', async () => {
    const ticket = z.fake.addTicket();
    const note = requestOutcomeNote({
      outcome: 'failed',
      requestedBy: 'jdoe',
      reason: 'GitLab did not answer',
      noticeUrl: DETAILS.noticeUrl,
    });
    const first = await addInternalNote(z.client, ticket.id, note, { idempotencyKey: 'outcome:42' });
    expect(first).toMatchObject({ ok: true, written: 'now', public: false });
    const again = await addInternalNote(z.client, ticket.id, note, { idempotencyKey: 'outcome:42' });
    expect(again).toMatchObject({ ok: true, written: 'already' });
    expect(z.fake.updates).toHaveLength(1);
    const comment = z.fake.updates[0].request.ticket.comment;
    expect(comment).toEqual({ body: `${note.body}\n${markerLine('outcome:42')}`, public: false });
    // Another key is another note.
    await addInternalNote(z.client, ticket.id, note, { idempotencyKey: 'outcome:43' });
    expect(z.fake.updates).toHaveLength(2);
  });

  test('without a key: one PUT, no check', async () => {
    const ticket = z.fake.addTicket();
    expect(await addInternalNote(z.client, ticket.id, 'plain text')).toMatchObject({ ok: true, written: 'now' });
    expect(paths()).toEqual([`PUT /api/v2/tickets/${ticket.id}`]);
  });

  test('an empty body or a bad key is refused before any request', async () => {
    const ticket = z.fake.addTicket();
    expect(await addInternalNote(z.client, ticket.id, '  ')).toMatchObject({ ok: false });
    expect(await addInternalNote(z.client, ticket.id, 'x', { idempotencyKey: 'a b\nRef' })).toMatchObject({
      ok: false,
    });
    expect(z.fake.requests).toHaveLength(0);
  });

  test('a slow Zendesk: timeout, ambiguous (the runner checks before retrying)', async () => {
    const ticket = z.fake.addTicket();
    z.fake.fail({ method: 'PUT', hang: true, applyFirst: true });
    // Each call's timeout: the check before the write must fit in it on a loaded machine; the write hangs.
    const result = await addInternalNote(z.client, ticket.id, 'note', { idempotencyKey: 'k1', timeoutMs: 1000 });
    expect(result).toMatchObject({ ok: false, step: 'update', failure: { kind: 'timeout', ambiguous: true } });
    expect(result.ok ? '' : result.reason).toBe('Could not update the Zendesk ticket: Zendesk was too slow to answer.');
    expect(await addInternalNote(z.client, ticket.id, 'note', { idempotencyKey: 'k1' })).toMatchObject({
      ok: true,
      written: 'already',
    });
    expect(z.fake.updates).toHaveLength(1);
  });
});

test('findWrittenComment: by mark line or by attachment name, not by a mention in other text', async () => {
  const ticket = z.fake.addTicket({
    comments: [
      { body: `customer quoting "${markerLine('k9')}" inline` },
      { body: 'x', attachments: [{ file_name: 'a.png' }] },
    ],
  });
  expect(await findWrittenComment(z.client, ticket.id, { idempotencyKey: 'k9' })).toEqual({
    ok: true,
    data: { found: false, commentId: undefined, complete: true },
  });
  expect(await findWrittenComment(z.client, ticket.id, { attachmentName: 'a.png' })).toMatchObject({
    ok: true,
    data: { found: true },
  });
});
