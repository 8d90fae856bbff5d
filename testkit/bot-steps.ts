/**
 * Shared steps for the flow, fault, authorization, health and crash-recovery tests: drive a
 * /star-check to a verdict or an emergency license request through the real app, with explicit
 * trigger IDs so that several can run at once, and read what the licensing channel shows.
 */
import { DateTime } from 'luxon';
import { applySubmissionAck, type BotUnderTest, LICENSING_CHANNEL } from './bot-under-test';
import { DEFAULT_CHANNEL, DEFAULT_USER } from './constants';
import type { FakeSlack, JsonObject, RecordedCall } from './fake-slack';
import { messageBlockActions, newTriggerId, slashCommand, textOf, viewSubmission } from './payloads';
import type { SlackHttpResponse } from './signed-request';
export { freePort } from './processes';

export const ZENDESK = 'https://gitlab.zendesk.com/agent/tickets/';
export const ticketUrl = (ticket: string | number) => `${ZENDESK}${ticket}`;

export const daysAgo = (n: number) => DateTime.utc().startOf('day').minus({ days: n }).toISODate();

/** Grace period (14 days) ended about a day ago: in scope. */
export const IN_SCOPE_EXPIRY = daysAgo(15);

/** The emergency license form as an engineer fills it in (in scope unless overridden). */
export function emergencyForm(overrides: Record<string, unknown> = {}): Record<string, never> {
  return {
    ticket: '424242',
    deployment: 'self_managed',
    paid_plan: 'yes',
    prospect: 'no',
    expiration_date: IN_SCOPE_EXPIRY,
    license_kind: 'paid',
    screenshots: ['dashboard', 'license_page'],
    user_count: '250',
    email: 'Admin@Customer.example',
    username: 'jdoe',
    ...overrides,
  } as unknown as Record<string, never>;
}

export interface Opened {
  res: SlackHttpResponse;
  triggerId: string;
  responseId: string;
  /** The modal as Slack shows it (undefined when views.open failed). */
  view?: JsonObject;
  call: RecordedCall;
}

/** Runs a slash command with its own trigger_id and response_url, and waits for its views.open. */
export async function runCommand(
  t: BotUnderTest,
  command: string,
  text: string,
  userId: string = DEFAULT_USER.id,
  timeoutMs = 5000,
): Promise<Opened> {
  const triggerId = newTriggerId();
  const responseId = `r-${triggerId.slice(-12)}`;
  const res = await t.send(
    'command',
    slashCommand({
      command,
      text,
      userId,
      channelId: DEFAULT_CHANNEL.id,
      responseUrl: t.fake.responseUrl(responseId),
      triggerId,
    }),
  );
  if (res.status !== 200) throw new Error(`${command} answered HTTP ${res.status}: ${res.body}`);
  const call = await t.fake.waitForCall('views.open', (c) => c.args.trigger_id === triggerId, timeoutMs);
  const view = call.response?.ok ? (call.response.view as JsonObject) : undefined;
  return { res, triggerId, responseId, view, call };
}

export function submitView(
  t: BotUnderTest,
  view: JsonObject,
  values: Record<string, unknown>,
  userId: string = DEFAULT_USER.id,
): Promise<SlackHttpResponse> {
  const user = { id: userId, username: 'engineer', name: 'engineer', teamId: 'T0FAKETEAM' };
  return t.send('interaction', viewSubmission({ view, values: values as Record<string, never>, user }));
}

/**
 * /star-check <ticket> → "force reassociate" → "not an edge case" → verdict "Deflect with the docs".
 * Returns the verdict modal and the id of the view (the audit message's outbox key is `star:<id>`).
 */
export async function starCheckVerdict(
  t: BotUnderTest,
  ticket: string | number,
  userId: string = DEFAULT_USER.id,
): Promise<{ verdict: JsonObject; viewId: string; elapsedMs: number }> {
  const started = performance.now();
  const opened = await runCommand(t, '/star-check', String(ticket), userId);
  if (!opened.view) throw new Error(`star_check modal not opened: ${JSON.stringify(opened.call.response)}`);
  let view = opened.view;
  const answers: Record<string, string> = { q_kind: 'force_reassociate', q_edgeCase: 'no' };
  for (let round = 0; round < 4; round += 1) {
    const shown = new Set(
      (view.blocks as JsonObject[]).filter((b) => b.type === 'input').map((b) => b.block_id as string),
    );
    const values = Object.fromEntries(Object.entries(answers).filter(([key]) => shown.has(key)));
    const ack = applySubmissionAck(t.fake, view, await submitView(t, view, values, userId));
    if (ack.kind !== 'update')
      throw new Error(`unexpected star-check ack ${ack.kind}: ${JSON.stringify(ack.errors ?? {})}`);
    view = ack.view as JsonObject;
    if (view.callback_id === 'star_check_verdict')
      return { verdict: view, viewId: opened.view.id as string, elapsedMs: performance.now() - started };
  }
  throw new Error('no star-check verdict after 4 rounds');
}

/** /emergency-license <ticket> → the form filled in → the ack as Slack applies it. */
export async function requestLicense(
  t: BotUnderTest,
  ticket: string | number,
  overrides: Record<string, unknown> = {},
  userId: string = DEFAULT_USER.id,
): Promise<{ form: JsonObject; ack: ReturnType<typeof applySubmissionAck>; res: SlackHttpResponse }> {
  const opened = await runCommand(t, '/emergency-license', String(ticket), userId);
  if (!opened.view) throw new Error(`emergency_license modal not opened: ${JSON.stringify(opened.call.response)}`);
  const res = await submitView(t, opened.view, emergencyForm({ ticket: String(ticket), ...overrides }), userId);
  return { form: opened.view, ack: applySubmissionAck(t.fake, opened.view, res), res };
}

/** Everything a person can read in a posted/updated message. */
export const messageText = (call: RecordedCall) =>
  `${call.args.text ?? ''}\n${call.args.blocks ? textOf(call.args.blocks) : ''}`;

/** chat.postMessage calls to the licensing channel that Slack accepted (HTTP 200, ok:true). */
export function acceptedChannelPosts(fake: FakeSlack, channel = LICENSING_CHANNEL): RecordedCall[] {
  return fake
    .callsTo('chat.postMessage')
    .filter((c) => c.args.channel === channel && c.status === 200 && c.response?.ok === true);
}

/** The accepted channel posts that mention this ticket URL (exactly, not as a prefix of a longer number). */
export function postsForTicket(fake: FakeSlack, ticket: string | number, channel = LICENSING_CHANNEL): RecordedCall[] {
  const url = ticketUrl(ticket);
  const pattern = new RegExp(`${url.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}(?![0-9])`);
  return acceptedChannelPosts(fake, channel).filter((c) => pattern.test(messageText(c)));
}

/** How many accepted posts each ticket got: { '1001': 1, ... }. */
export function postCountsByTicket(fake: FakeSlack, tickets: (string | number)[]): Record<string, number> {
  return Object.fromEntries(tickets.map((ticket) => [String(ticket), postsForTicket(fake, ticket).length]));
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** pino JSON lines of the bot's log, parsed. */
export function parsedLogs(logs: string[]): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  for (const chunk of logs) {
    for (const line of chunk.split('\n')) {
      if (!line.trim()) continue;
      try {
        out.push(JSON.parse(line) as Record<string, unknown>);
      } catch {
        // not a JSON line
      }
    }
  }
  return out;
}

/**
 * A click on "Send me the license file" (the /license-status answer's button) by `userId`, answered
 * on the response_url `responseId`. One payload is one click: posting it twice is Slack redelivering it.
 */
export function sendMeTheLicenseClick(
  fake: FakeSlack,
  requestId: string,
  userId: string,
  responseId: string,
): JsonObject {
  const message = {
    ts: '1700000000.000300',
    blocks: [
      {
        type: 'actions',
        block_id: `request_${requestId}`,
        elements: [
          {
            type: 'button',
            action_id: 'resend_license',
            value: requestId,
            text: { type: 'plain_text', text: 'Send me the license file' },
          },
        ],
      },
    ],
  };
  return messageBlockActions({
    message,
    channelId: DEFAULT_CHANNEL.id,
    actionId: 'resend_license',
    isEphemeral: true,
    responseUrl: fake.responseUrl(responseId),
    user: { id: userId, username: 'e', name: 'e', team_id: 'T0FAKETEAM' } as never,
  });
}
