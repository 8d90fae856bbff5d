import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStore } from '../../src/store';
import { decisionsToCsv, exportDecisions } from '../../src/tools/export-decisions';

describe('feedback export of /star-check decisions', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'lr-export-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('exports the decisions of the last N days with the inputs that decided them', async () => {
    const store = openStore(dir);
    const now = new Date('2026-11-22T12:00:00Z');
    await store.decisions.recordDecision(
      {
        ticketUrl: 'https://gitlab.zendesk.com/agent/tickets/1',
        decidedBySlackId: 'U1',
        verdict: 'no_need_for_star',
        inputs: {
          path: [
            { question: 'kind', answer: 'plan_license', source: 'answered' },
            { question: 'inGracePeriod', answer: 'yes', source: 'computed' },
          ],
          expirationDate: '2026-11-10',
          deployment: 'self_managed',
          requestType: 'sm_trial_license',
        },
      },
      new Date('2026-11-20T12:00:00Z'),
    );
    await store.decisions.recordDecision(
      {
        ticketUrl: 'https://gitlab.zendesk.com/agent/tickets/2',
        decidedBySlackId: 'U2',
        verdict: 'ok_to_star',
        inputs: {},
      },
      new Date('2026-10-01T12:00:00Z'),
    );
    store.closeNow();

    const csv = await exportDecisions(dir, 30, now);
    const lines = csv.trim().split('\n');
    expect(lines[0]).toBe('decided_at,ticket_url,verdict,decided_by,path,expiration_date,deployment,request_type');
    expect(lines).toHaveLength(2);
    expect(lines[1]).toContain(
      'https://gitlab.zendesk.com/agent/tickets/1,no_need_for_star,U1,kind=plan_license; inGracePeriod=yes (computed),2026-11-10,self_managed,sm_trial_license',
    );
  });

  it('quotes commas and quotes, and defuses spreadsheet formulas', () => {
    const csv = decisionsToCsv([
      {
        id: '1',
        createdAt: '2026-11-22T00:00:00Z',
        ticketUrl: '=HYPERLINK("x")',
        decidedBySlackId: 'U1',
        verdict: 'a,b',
        inputs: {},
      },
    ]);
    expect(csv.split('\n')[1]).toBe(
      `2026-11-22T00:00:00Z,"'=HYPERLINK(""x"")",a_placeholder`.replace('a_placeholder', '"a,b",U1,,,,'),
    );
  });
});
