/**
 * Issue 20, Read, for `/license-status <ticket>`: the real bot (commands through its receiver, the
 * response_url posts to the fake Slack) with ZENDESK_* pointing at the loopback FakeZendesk. The
 * stored requests come in the ack, unchanged; what the ticket says follows in a second ephemeral
 * message. Every Zendesk failure is one line; an email lookup or a bot without Zendesk reads nothing.
 */
import { applySubmissionAck, type BotUnderTest } from '../../testkit/bot-under-test';
import { mrkdwnTexts } from '../../testkit/block-kit';
import { emergencyForm } from '../../testkit/bot-steps';
import { eventually } from '../../testkit/eventually';
import type { JsonObject } from '../../testkit/fake-slack';
import { unreadableTickets } from '../support/unreadable-tickets';
import { useBotWithZendesk } from '../zendesk/support/zendesk-under-test';
import { slashCommand, textOf } from '../../testkit/payloads';

const ticketUrl = (id: number) => `https://gitlab.zendesk.com/agent/tickets/${id}`;

type Block = { block_id?: string; type: string; elements?: JsonObject[] };
const blocksOf = (message: JsonObject) => (message.blocks ?? []) as Block[];
const block = (message: JsonObject, id: string) => blocksOf(message).find((b) => b.block_id === id);

let seq = 0;

/** `/license-status <text>` with a response_url of its own: the ack, and the id its follow-up posts to. */
async function licenseStatus(t: BotUnderTest, text: string): Promise<{ ack: JsonObject; responseId: string }> {
  const responseId = `ls-${++seq}`;
  const res = await t.send(
    'command',
    slashCommand({ command: '/license-status', text, responseUrl: t.fake.responseUrl(responseId) }),
  );
  expect(res.status).toBe(200);
  return { ack: res.json<JsonObject>(), responseId };
}

/** What the follow-up posted to the command's response_url says. */
async function followUp(t: BotUnderTest, responseId: string): Promise<JsonObject> {
  return (await t.fake.waitForResponse(responseId, undefined, 5000)).body;
}

describe('/license-status with Zendesk: the ticket read after the ack', () => {
  const { t, zd } = useBotWithZendesk({ transport: 'in-process' });
  beforeEach(() => zd.clearFaults());

  /** A license generated through the form for `email` on the ticket. */
  async function generateLicense(ticket: number, email: string): Promise<void> {
    const opens = t.fake.callsTo('views.open').length;
    await t.command('/emergency-license', String(ticket));
    await t.fake.waitForCalls('views.open', opens + 1);
    const view = t.view('emergency_license');
    const ack = applySubmissionAck(
      t.fake,
      view,
      await t.submit(view, emergencyForm({ ticket: String(ticket), email })),
    );
    expect(ack.kind).toBe('update');
    await eventually(
      async () => {
        const [record] = await t.bot.services.store.requests.findByTicket(ticketUrl(ticket), 5);
        expect(record?.status).toBe('generated');
      },
      { timeoutMs: 8000 },
    );
  }

  it('a license for the requester: the requests in the ack, then the ticket’s facts and that the emails match', async () => {
    const ticket = zd.addTicket({
      subject: 'License email never arrived',
      requester: { name: 'Ada Admin', email: 'ada@acme.example' },
      organization: 'Acme Corp',
    });
    await generateLicense(ticket.id, 'ADA@acme.example');

    const { ack, responseId } = await licenseStatus(t, String(ticket.id));
    expect(ack.response_type).toBe('ephemeral');
    expect(textOf(ack.blocks as JsonObject[])).toContain('generated');
    // The ack is the stored requests only: nothing from Zendesk waits in it.
    expect(JSON.stringify(ack)).not.toContain('Acme Corp');

    const message = await followUp(t, responseId);
    expect(message.response_type).toBe('ephemeral');
    expect(message.replace_original).toBe(false);
    const shown = textOf(blocksOf(message));
    expect(shown).toContain(`From Zendesk <${ticketUrl(ticket.id)}|#${ticket.id}>`);
    expect(shown).toContain('Acme Corp');
    expect(shown).toContain('License email never arrived');
    expect(shown).toContain('ada@acme.example');
    expect(shown).toContain('*Status:* open');
    expect(textOf([block(message, 'zendesk_license_email') as JsonObject])).toContain(
      "The license was made for the ticket's requester email.",
    );
    expect(shown).not.toMatch(/:warning:/);
  });

  it('the requester is not the license’s email: the follow-up says the license may have gone elsewhere', async () => {
    const ticket = zd.addTicket({ requester: { email: 'buyer@globex.example' }, organization: 'Globex' });
    await generateLicense(ticket.id, 'admin@globex-it.example');

    const { responseId } = await licenseStatus(t, ticketUrl(ticket.id));
    const message = await followUp(t, responseId);
    const line = textOf([block(message, 'zendesk_license_email') as JsonObject]);
    expect(line).toContain("The ticket's requester is not the email the license was made for");
    expect(line).toContain('may have gone to another address');
    expect(line).toContain('buyer@globex.example');
    expect(line).toContain('admin@globex-it.example');
    expect(String(message.text)).toContain("the requester is not the license's email");
  });

  it('the requester could not be read: the follow-up says the emails were not compared', async () => {
    const ticket = zd.addTicket({ requester: { email: 'gone@acme.example' }, organization: 'Acme Corp' });
    await generateLicense(ticket.id, 'gone@acme.example');
    zd.fail({ path: new RegExp(`/users/${ticket.requester_id}$`), status: 503 });
    const { responseId } = await licenseStatus(t, String(ticket.id));
    const message = await followUp(t, responseId);
    expect(textOf(blocksOf(message))).toContain('Acme Corp');
    expect(textOf([block(message, 'zendesk_license_email') as JsonObject])).toContain(
      "The ticket's requester email was not read: not compared with the license's email.",
    );
  });

  it('a solved ticket: the follow-up says so', async () => {
    const ticket = zd.addTicket({ status: 'solved', requester: { email: 'done@initech.example' } });
    const { ack, responseId } = await licenseStatus(t, String(ticket.id));
    expect(textOf(ack.blocks as JsonObject[])).toContain('No emergency license requests found');
    const message = await followUp(t, responseId);
    expect(textOf([block(message, 'zendesk_ticket_closed') as JsonObject])).toContain('The ticket is solved.');
    // No license on the ticket: nothing to compare the requester with.
    expect(block(message, 'zendesk_license_email')).toBeUndefined();
  });

  it.each(unreadableTickets(() => zd))(
    'Zendesk %s: the ack as always, then one line that the ticket was not read',
    async (_name, arrange, reason) => {
      const ticket = arrange();
      const { ack, responseId } = await licenseStatus(t, String(ticket));
      expect(ack.response_type).toBe('ephemeral');
      expect(textOf(ack.blocks as JsonObject[])).toContain('No emergency license requests found');
      const message = await followUp(t, responseId);
      expect(message.response_type).toBe('ephemeral');
      expect(blocksOf(message)).toHaveLength(1);
      const line = textOf(blocksOf(message));
      expect(line).toMatch(/^:warning: Not read from Zendesk: /);
      expect(line).toMatch(reason);
      expect(line).not.toContain('Fill in the form');
    },
  );

  it('an email is looked up: no Zendesk read, no follow-up, even when its request has a ticket', async () => {
    const ticket = zd.addTicket({ requester: { email: 'mail@hooli.example' } });
    await generateLicense(ticket.id, 'mail@hooli.example');
    const before = zd.requests.length;
    const { ack, responseId } = await licenseStatus(t, 'mail@hooli.example');
    expect(textOf(ack.blocks as JsonObject[])).toContain('generated');
    // A ticket looked up after it gets its follow-up: by then the email's handler has long finished.
    const other = zd.addTicket({ requester: { email: 'later@hooli.example' } });
    await followUp(t, (await licenseStatus(t, String(other.id))).responseId);
    expect(t.fake.responses.filter((r) => r.id === responseId)).toEqual([]);
    // The license's ticket writes may still run in the background (they list the comments to find
    // their own notes); reading the facts starts with the ticket itself, which they never GET.
    const reads = zd.requests
      .slice(before)
      .filter((r) => r.method === 'GET' && new RegExp(`/tickets/${ticket.id}(\\.json)?$`).test(r.path));
    expect(reads).toEqual([]);
  });

  it('hostile customer text is shown inert: plain text only, no mention, link or formatting', async () => {
    const hostile = '<!channel> *bold* <https://evil.example|click here> :rotating_light: @here';
    const ticket = zd.addTicket({
      subject: hostile,
      organization: '<@U0BOSS> _Evil_ Org',
      requester: { email: 'ada@acme.example' },
    });
    const { responseId } = await licenseStatus(t, String(ticket.id));
    const message = await followUp(t, responseId);
    const plain = blocksOf(message)
      .flatMap((b) => b.elements ?? [])
      .filter((e) => e.type === 'plain_text');
    expect(plain.map((e) => e.text)).toEqual(expect.arrayContaining([hostile, '<@U0BOSS> _Evil_ Org']));
    for (const element of plain) expect(element.emoji).toBe(false);
    for (const { text } of mrkdwnTexts(message)) {
      expect(text).not.toMatch(/<!channel>|<!here>|<@U0BOSS>|<https:\/\/evil/);
      expect(text).not.toContain('*bold*');
    }
    expect(String(message.text)).not.toMatch(/<!channel>|<@U0BOSS>|evil/);
  });
});

describe('/license-status without Zendesk credentials', () => {
  const { t, zd } = useBotWithZendesk({ credentials: false, transport: 'in-process' });

  it('the answer is today’s ack only: no Zendesk call, no follow-up', async () => {
    zd.addTicket({ id: 4242, requester: { email: 'ada@acme.example' } });
    const { ack, responseId } = await licenseStatus(t, '4242');
    expect(ack.response_type).toBe('ephemeral');
    expect(textOf(ack.blocks as JsonObject[])).toContain('No emergency license requests found');
    // With a ticket: the follow-up would read it right after the ack; a second command's ack gives it that time.
    await licenseStatus(t, '4243');
    expect(t.fake.responses.filter((r) => r.id === responseId)).toEqual([]);
    expect(zd.requests).toHaveLength(0);
    expect(t.bot.services.zendesk).toBeUndefined();
  });
});
