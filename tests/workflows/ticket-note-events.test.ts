/**
 * Which events queue which ticket writes (issue 20): every request outcome (generated, failed,
 * refused, overridden), the trial follow-up's reminder, resolution and lapse; each under a key
 * of its own, so that the same event seen again is written once. The notes' texts render with the
 * Slack link filled in at send time.
 */
import { DateTime } from 'luxon';
import type { GeneratedLicenseRequest, LicenseCopy, LicenseRequestRecord, TicketWriteInput } from '../../src/store';
import { outcomeNote, withTicketNoteEffects, withTicketNotes } from '../../src/workflows/ticket-note-events';
import { renderTicketNote, TicketWriteQueue, type TicketNote } from '../../src/workflows/ticket-notes';
import type { LicenseNotifier } from '../../src/workflows/emergency-license';
import type { LifecycleSlackEffects } from '../../src/workflows/license-lifecycle';

const base = {
  id: 'r1',
  ticketUrl: 'https://gitlab.zendesk.com/agent/tickets/77',
  email: 'ada@acme.example',
  userCount: 250,
  requestedBySlackId: 'U0ENGINEER',
  requestedByUsername: 'jdoe',
  licenseExpiresOn: '2026-11-20',
  scopeSummary: 'grace period ended 1 day ago',
  adapter: 'local' as const,
  idempotencyKey: 'V1',
  attempts: 0,
  createdAt: '2026-12-05T10:00:00.000Z',
  updatedAt: '2026-12-05T10:00:00.000Z',
};
const generated: GeneratedLicenseRequest = {
  ...base,
  status: 'generated',
  trialExpiresOn: '2026-12-15',
  licenseFile: 'LICENSE',
  delivery: { status: 'pending', attempts: 0 },
};

function recording() {
  const stored = new Map<string, TicketWriteInput>();
  const queue = new TicketWriteQueue({
    writes: {
      enqueue: async (write) => {
        if (stored.has(write.key)) return false;
        stored.set(write.key, write);
        return true;
      },
    },
    noticeKeyOf: (id) => `license:${id}`,
    kick: () => undefined,
    delivery: 'internal-note',
  });
  const text = (key: string) =>
    renderTicketNote(stored.get(key)!.payload as TicketNote, 'https://slack.example/p1').body;
  return { stored, queue, text };
}

const notifier: LicenseNotifier = { recordChanged: async () => undefined, deliver: async () => undefined };
const quiet = { warn: () => undefined };

it('generated: the license file and a "generated" note; seen again (a hand-over resumed): nothing new', async () => {
  const { stored, queue, text } = recording();
  const notes = withTicketNotes(notifier, queue, 'internal-note', quiet);
  await notes.recordChanged(generated);
  await notes.deliver(generated);
  await notes.recordChanged(generated);
  expect([...stored.keys()]).toEqual(['req-r1-license', 'req-r1-generated']);
  expect(stored.get('req-r1-license')).toMatchObject({ kind: 'license', requestId: 'r1', noticeKey: 'license:r1' });
  expect(text('req-r1-generated')).toContain('The license file is attached to an internal note on this ticket.');
  expect(text('req-r1-generated')).toContain('Slack notice: https://slack.example/p1');
});

it('the wrapped notifier keeps every method of a class instance, and their arguments (copies included)', async () => {
  const seen: unknown[][] = [];
  class Notifier implements LicenseNotifier {
    async recordChanged() {
      seen.push(['recordChanged']);
    }
    async deliver() {
      seen.push(['deliver']);
    }
    async copySent(_record: LicenseRequestRecord, toSlackId: string, copyId?: string) {
      seen.push(['copySent', toSlackId, copyId]);
    }
    async handOverGivenUp(_record: LicenseRequestRecord, copy?: LicenseCopy) {
      seen.push(['handOverGivenUp', copy?.id]);
    }
  }
  const copy: LicenseCopy = {
    id: 'c1',
    requestId: 'r1',
    toSlackId: 'U0OTHER',
    idempotencyKey: 'click-1',
    delivery: { status: 'failed', attempts: 12, error: 'internal_error' },
    createdAt: base.createdAt,
    updatedAt: base.updatedAt,
  };
  const notes = withTicketNotes(new Notifier(), recording().queue, 'internal-note', quiet);
  await notes.recordChanged(generated);
  await notes.deliver(generated);
  await notes.copySent?.(generated, 'U0OTHER', 'c0');
  await notes.handOverGivenUp?.(generated, copy);
  await notes.handOverGivenUp?.(generated);
  // The copy's ID keys its thread line: dropped, a hand-over resumed after a crash would say it twice.
  expect(seen).toEqual([
    ['recordChanged'],
    ['deliver'],
    ['copySent', 'U0OTHER', 'c0'],
    ['handOverGivenUp', 'c1'],
    ['handOverGivenUp', undefined],
  ]);
});

it('refused, overridden and failed (one per attempt): each its own note with the facts', async () => {
  const { stored, queue, text } = recording();
  const notes = withTicketNotes(notifier, queue, 'internal-note', quiet);
  await notes.recordChanged({
    ...base,
    id: 'r2',
    status: 'refused',
    refusalReason: 'The grace period ended 40 days ago.',
  });
  await notes.recordChanged({
    ...base,
    id: 'r3',
    status: 'pending',
    overrideJustification: 'Customer down\nall weekend',
  });
  await notes.recordChanged({ ...base, id: 'r4', status: 'failed', failureReason: 'GitLab timed out' });
  await notes.recordChanged({ ...base, id: 'r4', status: 'failed', failureReason: 'GitLab timed out', attempts: 1 });
  // A pending request without an override leaves no note.
  await notes.recordChanged({ ...base, id: 'r5', status: 'pending' });
  expect([...stored.keys()]).toEqual(['req-r2-refused', 'req-r3-overridden', 'req-r4-failed-0', 'req-r4-failed-1']);
  expect(text('req-r2-refused')).toContain('- The grace period ended 40 days ago.');
  expect(text('req-r3-overridden')).toContain('Emergency scope check overridden by jdoe.');
  expect(text('req-r3-overridden')).toContain('The scope check said: grace period ended 1 day ago');
  expect(text('req-r3-overridden')).toContain('  > Customer down\n  > all weekend');
  expect(text('req-r4-failed-1')).toContain('Reason: GitLab timed out');
  expect(outcomeNote({ ...base, status: 'pending', overrideJustification: 'x', attempts: 1 }, 'internal-note')).toBe(
    undefined,
  );
});

it('reminder, resolution and lapse: one note each, with the dates, who, and never "locked"', async () => {
  const { stored, queue, text } = recording();
  const calls: string[] = [];
  const inner = new Proxy({} as LifecycleSlackEffects, {
    get: (_target, name) => async () => void calls.push(String(name)),
  });
  const effects = withTicketNoteEffects(inner, queue, {
    personOf: async (id) => (id === 'U0LEAD' ? 'lead' : id),
    lrTeamNotified: true,
    logger: quiet,
  });
  const request = { ...generated, trialExpiresOn: '2026-12-15' } as never;
  const now = DateTime.fromISO('2026-12-13T00:00:00Z', { zone: 'utc' });
  const lapseAt = DateTime.fromISO('2026-12-15T00:00:00Z', { zone: 'utc' });
  const context = { dueAt: now, lapseAt, now, lateness: { late: false, byMs: 0, text: '' } };
  await effects.sendReminder(request, context);
  await effects.resolved(generated, { resolvedAt: '2026-12-14T09:30:00.000Z', resolvedBySlackId: 'U0LEAD' });
  await effects.markLapsed(request, { ...context, now: lapseAt });
  await effects.sendReminder(request, context);
  expect(calls).toEqual(['sendReminder', 'resolved', 'markLapsed', 'sendReminder']);
  expect([...stored.keys()]).toEqual(['req-r1-reminder', 'req-r1-resolved', 'req-r1-lapsed']);
  expect(text('req-r1-reminder')).toContain('stops working on 2026-12-15 (00:00 UTC) (in 2 days)');
  expect(text('req-r1-resolved')).toContain('Marked resolved by lead at 2026-12-14 09:30 UTC.');
  expect(text('req-r1-lapsed')).toContain("the trial's paid features have stopped working until a real license");
  expect(text('req-r1-lapsed')).toContain('The L&R team was asked in Slack.');
  for (const key of stored.keys()) expect(text(key)).not.toMatch(/\block/i);
});
