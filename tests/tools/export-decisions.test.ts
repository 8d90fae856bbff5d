import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStore } from '../../src/store';
import { decisionsToCsv, exportDecisions, main } from '../../src/tools/export-decisions';

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

  describe('as a command (arguments parsed with util.parseArgs)', () => {
    const run = async (args: string[]) => {
      const out = { stdout: '', stderr: '' };
      const code = await main(args, {
        dataDir: dir,
        stdout: (text) => void (out.stdout += text),
        stderr: (text) => void (out.stderr += text),
      });
      return { code, ...out };
    };

    it.each([['--help'], ['-h']])('%s prints the usage and exits 0 without writing the CSV', async (flag) => {
      const { code, stdout, stderr } = await run([flag]);
      expect(code).toBe(0);
      expect(stdout).toMatch(/^Usage: npm run export-decisions -- \[--days N\]/);
      expect(stdout).not.toContain('decided_at');
      expect(stderr).toBe('');
    });

    it.each([[['--days', '0']], [['--days', 'x']], [['--weeks', '2']], [['extra']]])(
      '%j is refused with the usage on stderr and exit code 2',
      async (args) => {
        const { code, stdout, stderr } = await run(args);
        expect(code).toBe(2);
        expect(stdout).toBe('');
        expect(stderr).toContain('Usage: npm run export-decisions');
      },
    );

    it('--days N writes the CSV of the last N days to stdout', async () => {
      const { code, stdout } = await run(['--days', '7']);
      expect(code).toBe(0);
      expect(stdout.split('\n')[0]).toBe(
        'decided_at,ticket_url,verdict,decided_by,path,expiration_date,deployment,request_type',
      );
    });
  });
});
