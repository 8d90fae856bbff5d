/**
 * Whole conversations with the bot, one at a time, timing each step on the shared monotonic clock:
 *
 *  - /star-check: command → views.open at the fake → view_submission (kind = wrong product) → the
 *    modal grows (ack with response_action=update) → view_submission (Sales intervened = yes) →
 *    verdict ack → audit chat.postMessage at the fake.
 *  - /emergency-license (local adapter): command → views.open → view_submission of an in-scope form
 *    → status-view ack → license file upload completed at the fake (files.completeUploadExternal).
 */
import type { FakeEvent } from './fake-slack';
import type { FakeSlackClient } from './fake-client';
import { slashCommand, viewSubmission, type ViewState } from '../testkit/payloads';
import { hr, postInteraction, postSlashCommand, type SlackHttpResponse } from '../testkit/signed-request';
import { summarize, type Summary } from './stats';
import {
  STAR_ACTIONS,
  STAR_BLOCKS,
  STAR_CHECK_CALLBACK,
  STAR_VERDICT_CALLBACK,
} from '../src/slack/views/star-check-ids';
import { EMERGENCY_BLOCKS, EMERGENCY_CALLBACKS, emergencyAction } from '../src/slack/views/emergency-license-ids';

export interface FlowTarget {
  port: number;
  signingSecret: string;
  licensingChannel: string;
}

const STEP_TIMEOUT_MS = 10_000;
const appUrl = (target: FlowTarget) => `http://127.0.0.1:${target.port}`;
const USER = 'U0FLOW0001';

const radio = (value: string) => ({ type: 'radio_buttons', selected_option: { value } });
const text = (value: string) => ({ type: 'plain_text_input', value });

type PostResult = SlackHttpResponse & { sentAt: number; doneAt: number };

/** The signed POST, with its monotonic send/done times (always set over HTTP). */
async function timed(posting: Promise<SlackHttpResponse>): Promise<PostResult> {
  const result = await posting;
  return { ...result, sentAt: result.sentAt ?? NaN, doneAt: result.doneAt ?? NaN };
}

function ackJson(result: PostResult, what: string): Record<string, unknown> {
  if (result.status !== 200) throw new Error(`${what}: HTTP ${result.status} ${result.body.slice(0, 300)}`);
  try {
    return result.body ? (JSON.parse(result.body) as Record<string, unknown>) : {};
  } catch {
    throw new Error(`${what}: ack body is not JSON: ${result.body.slice(0, 300)}`);
  }
}

async function command(target: FlowTarget, fake: FakeSlackClient, name: string, textArg: string, trigger: string) {
  const fields = slashCommand({
    command: name,
    text: textArg,
    userId: USER,
    triggerId: trigger,
    responseUrl: `${fake.baseUrl}/response/${trigger}`,
  });
  const waiting = fake.waitFor(
    (e) => e.method === 'views.open' && e.triggerId === trigger,
    STEP_TIMEOUT_MS,
    `views.open for ${name}`,
  );
  const ack = await timed(
    postSlashCommand(appUrl(target), target.signingSecret, fields, { timeoutMs: STEP_TIMEOUT_MS }),
  );
  if (ack.status !== 200) throw new Error(`${name}: HTTP ${ack.status} ${ack.body.slice(0, 300)}`);
  const open = await waiting;
  if (!open.view) throw new Error(`${name}: views.open without a view`);
  return { ack, open };
}

async function submit(
  target: FlowTarget,
  view: Record<string, unknown>,
  values: Record<string, Record<string, unknown>>,
  trigger: string,
) {
  const payload = viewSubmission({ view, state: { values } as ViewState, user: USER, triggerId: trigger });
  return timed(postInteraction(appUrl(target), target.signingSecret, payload, { timeoutMs: STEP_TIMEOUT_MS }));
}

export interface StarFlowResult {
  n: number;
  failures: string[];
  commandAck: Summary;
  commandToOpen: Summary;
  growAck: Summary;
  verdictAck: Summary;
  verdictToAudit: Summary;
  total: Summary;
}

export async function runStarCheckFlows(
  target: FlowTarget,
  fake: FakeSlackClient,
  count: number,
  budgetMs: number,
): Promise<StarFlowResult> {
  const steps = {
    commandAck: [] as number[],
    commandToOpen: [] as number[],
    growAck: [] as number[],
    verdictAck: [] as number[],
    verdictToAudit: [] as number[],
    total: [] as number[],
  };
  const failures: string[] = [];
  const deadline = hr() + budgetMs;
  await fake.record(true);
  try {
    for (let i = 0; i < count && hr() < deadline; i++) {
      const ticketNumber = 700_000 + i;
      const ticketUrl = `https://gitlab.zendesk.com/agent/tickets/${ticketNumber}`;
      const trigger = `${Date.now()}.flowstar.${i}`;
      try {
        const { ack, open } = await command(target, fake, '/star-check', String(ticketNumber), trigger);
        if (open.callbackId !== STAR_CHECK_CALLBACK) throw new Error(`unexpected modal ${open.callbackId}`);
        const view = open.view as Record<string, unknown>;

        const answers1 = {
          [STAR_BLOCKS.ticket]: { [STAR_ACTIONS.ticket]: text(ticketUrl) },
          [STAR_BLOCKS.question('kind')]: { [STAR_ACTIONS.question('kind')]: radio('wrong_product') },
        };
        const grow = await submit(target, view, answers1, `${trigger}.s1`);
        const grown = ackJson(grow, 'first submission');
        const grownView = grown.view as Record<string, unknown> | undefined;
        if (
          grown.response_action !== 'update' ||
          !grownView ||
          !JSON.stringify(grownView.blocks).includes(STAR_BLOCKS.question('salesIntervened'))
        ) {
          throw new Error(`first submission did not grow the modal: ${grow.body.slice(0, 300)}`);
        }

        const answers2 = {
          ...answers1,
          [STAR_BLOCKS.question('salesIntervened')]: { [STAR_ACTIONS.question('salesIntervened')]: radio('yes') },
        };
        const auditPattern = new RegExp(`tickets/${ticketNumber}(?!\\d)`);
        const auditArrives = fake.waitFor(
          (e: FakeEvent) =>
            e.method === 'chat.postMessage' && e.channel === target.licensingChannel && auditPattern.test(e.text ?? ''),
          STEP_TIMEOUT_MS,
          'the audit chat.postMessage',
        );
        auditArrives.catch(() => undefined);
        const verdict = await submit(
          target,
          { ...view, ...grownView, id: view.id, hash: view.hash },
          answers2,
          `${trigger}.s2`,
        );
        const verdictBody = ackJson(verdict, 'second submission');
        const verdictView = verdictBody.view as Record<string, unknown> | undefined;
        if (verdictBody.response_action !== 'update' || verdictView?.callback_id !== STAR_VERDICT_CALLBACK) {
          throw new Error(`second submission did not show the verdict: ${verdict.body.slice(0, 300)}`);
        }
        const audit = await auditArrives;

        steps.commandAck.push(ack.doneAt - ack.sentAt);
        steps.commandToOpen.push(open.t - ack.sentAt);
        steps.growAck.push(grow.doneAt - grow.sentAt);
        steps.verdictAck.push(verdict.doneAt - verdict.sentAt);
        steps.verdictToAudit.push(audit.t - verdict.sentAt);
        steps.total.push(audit.t - ack.sentAt);
      } catch (error) {
        failures.push(`star-check #${i}: ${(error as Error).message}`);
        if (failures.length >= 5) break;
      }
    }
  } finally {
    await fake.record(false);
  }
  return {
    n: steps.total.length,
    failures,
    commandAck: summarize(steps.commandAck),
    commandToOpen: summarize(steps.commandToOpen),
    growAck: summarize(steps.growAck),
    verdictAck: summarize(steps.verdictAck),
    verdictToAudit: summarize(steps.verdictToAudit),
    total: summarize(steps.total),
  };
}

export interface EmergencyFlowResult {
  n: number;
  failures: string[];
  expirationDate: string;
  commandAck: Summary;
  commandToOpen: Summary;
  statusAck: Summary;
  submitToNotice: Summary;
  submitToUpload: Summary;
}

/** yyyy-mm-dd, `days` before today (UTC). */
export function utcDateDaysAgo(days: number): string {
  return new Date(Date.now() - days * 86_400_000).toISOString().slice(0, 10);
}

export async function runEmergencyFlows(
  target: FlowTarget,
  fake: FakeSlackClient,
  count: number,
  budgetMs: number,
): Promise<EmergencyFlowResult> {
  const steps = {
    commandAck: [] as number[],
    commandToOpen: [] as number[],
    statusAck: [] as number[],
    submitToNotice: [] as number[],
    submitToUpload: [] as number[],
  };
  const failures: string[] = [];
  // Grace period (14 days) ended 1 day ago: inside the 3-day emergency window.
  const expirationDate = utcDateDaysAgo(15);
  const deadline = hr() + budgetMs;
  const B = EMERGENCY_BLOCKS;
  const a = emergencyAction;
  await fake.record(true);
  try {
    for (let i = 0; i < count && hr() < deadline; i++) {
      const ticketNumber = 800_000 + i;
      const trigger = `${Date.now()}.flowlic.${i}`;
      try {
        const { ack, open } = await command(target, fake, '/emergency-license', String(ticketNumber), trigger);
        if (open.callbackId !== EMERGENCY_CALLBACKS.form) throw new Error(`unexpected modal ${open.callbackId}`);
        const values = {
          [B.ticket]: { [a('ticket')]: text(`https://gitlab.zendesk.com/agent/tickets/${ticketNumber}`) },
          [B.deployment]: { [a('deployment')]: radio('self_managed') },
          [B.paid_plan]: { [a('paid_plan')]: radio('yes') },
          [B.prospect]: { [a('prospect')]: radio('no') },
          [B.license_kind]: { [a('license_kind')]: radio('paid') },
          [B.expiration_date]: { [a('expiration_date')]: { type: 'datepicker', selected_date: expirationDate } },
          [B.screenshots]: {
            [a('screenshots')]: {
              type: 'checkboxes',
              selected_options: [{ value: 'dashboard' }, { value: 'license_page' }],
            },
          },
          [B.user_count]: { [a('user_count')]: text('250') },
          [B.email]: { [a('email')]: { type: 'email_text_input', value: `customer${i}@example.com` } },
          [B.username]: { [a('username')]: text('jdoe') },
        };
        const ticketPattern = new RegExp(`tickets/${ticketNumber}(?!\\d)`);
        const noticeArrives = fake.waitFor(
          (e) =>
            e.method === 'chat.postMessage' &&
            e.channel === target.licensingChannel &&
            ticketPattern.test(e.text ?? ''),
          STEP_TIMEOUT_MS,
          'the license notice chat.postMessage',
        );
        const uploadArrives = fake.waitFor(
          (e) => e.method === 'files.completeUploadExternal' && ticketPattern.test(e.text ?? ''),
          STEP_TIMEOUT_MS,
          'files.completeUploadExternal',
        );
        noticeArrives.catch(() => undefined);
        uploadArrives.catch(() => undefined);
        const submitted = await submit(target, open.view as Record<string, unknown>, values, `${trigger}.s1`);
        const status = ackJson(submitted, 'form submission');
        const statusView = status.view as Record<string, unknown> | undefined;
        if (status.response_action !== 'update' || statusView?.callback_id !== EMERGENCY_CALLBACKS.status) {
          throw new Error(`form submission did not show the status view: ${submitted.body.slice(0, 400)}`);
        }
        const [notice, upload] = await Promise.all([noticeArrives, uploadArrives]);
        steps.commandAck.push(ack.doneAt - ack.sentAt);
        steps.commandToOpen.push(open.t - ack.sentAt);
        steps.statusAck.push(submitted.doneAt - submitted.sentAt);
        steps.submitToNotice.push(notice.t - submitted.sentAt);
        steps.submitToUpload.push(upload.t - submitted.sentAt);
      } catch (error) {
        failures.push(`emergency-license #${i}: ${(error as Error).message}`);
        if (failures.length >= 5) break;
      }
    }
  } finally {
    await fake.record(false);
  }
  return {
    n: steps.statusAck.length,
    failures,
    expirationDate,
    commandAck: summarize(steps.commandAck),
    commandToOpen: summarize(steps.commandToOpen),
    statusAck: summarize(steps.statusAck),
    submitToNotice: summarize(steps.submitToNotice),
    submitToUpload: summarize(steps.submitToUpload),
  };
}
