/**
 * Drives the real bot (src/bot.ts, in process behind the testkit's FakeReceiver, its Web API calls
 * answered by the testkit's fake Slack) through every workflow and path, with a fixed clock and
 * sample data, and records every screen it shows. Nothing here builds a screen: the bot does.
 */
import { mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { DateTime } from 'luxon';
import { applySubmissionAck, type BotUnderTest, LICENSING_CHANNEL, startInProcessBot } from '../testkit/bot-under-test';
import { emergencyForm, runCommand, sleep, ticketUrl } from '../testkit/bot-steps';
import { DEFAULT_CHANNEL } from '../testkit/constants';
import { FakeSlack, type JsonObject } from '../testkit/fake-slack';
import { FakeZendesk, type NewAttachment } from '../testkit/fake-zendesk';
import {
  appHomeOpened,
  blockActions,
  globalShortcut,
  messageBlockActions,
  newTriggerId,
  olderVersionModal,
  slashCommand,
  viewSubmission,
} from '../testkit/payloads';
import { LICENSES_SUBDIR } from '../src/licenses';
import type { LicenseDelivery, LicenseRequestRecord } from '../src/store';
import { recordBuilderCalls } from './builders';
import { ScreenRecorder, type Screen, type StepContext } from './capture';
import { installFixedClock } from './clock';

/** Saturday afternoon (UTC): the weekend the emergency workflow is written for. */
export const GALLERY_NOW = '2026-11-14T15:30:00Z';

/** Saturday 22:00 UTC, and an expiry whose grace period (14 days) ends at the next 00:00 UTC. */
const SATURDAY_LATE = '2026-11-14T22:00:00Z';
const OPENS_SOON_EXPIRY = '2026-11-01';

export const PEOPLE = {
  U0ENGINEER: { name: 'jdoe', real_name: 'Jane Doe', tz: 'America/New_York' },
  U0MANAGER: { name: 'msmith', real_name: 'Maria Smith', tz: 'Europe/Berlin' },
  U0LRLEAD: { name: 'lr.lead', real_name: 'Lee Renewals', tz: 'Europe/Dublin' },
  U0OUTSIDER: { name: 'sam.sales', real_name: 'Sam Outsider', tz: 'America/Chicago' },
} as const;
type Person = keyof typeof PEOPLE;

export const GROUPS: Record<string, { handle: string; members: Person[] }> = {
  S0STAR: { handle: 'support-managers', members: ['U0MANAGER', 'U0ENGINEER'] },
  S0REQUEST: { handle: 'support-oncall', members: ['U0ENGINEER', 'U0MANAGER'] },
  S0MANAGER: { handle: 'support-managers-oncall', members: ['U0MANAGER'] },
  S0LRTEAM: { handle: 'lr-team', members: ['U0LRLEAD'] },
};

export const CHANNELS: Record<string, string> = {
  [LICENSING_CHANNEL]: 'support_licensing-subscription',
  [DEFAULT_CHANNEL.id]: DEFAULT_CHANNEL.name,
};

const ENV = {
  LOG_LEVEL: 'warn',
  AUTHORIZATION_MODE: 'groups',
  STAR_CHECK_USERGROUPS: 'S0STAR',
  LICENSE_REQUESTER_USERGROUPS: 'S0REQUEST',
  LICENSE_OVERRIDE_USERGROUPS: 'S0MANAGER',
  LR_TEAM_USERGROUP: 'S0LRTEAM',
  OUTBOX_POLL_INTERVAL_MS: '50',
  OUTBOX_MIN_BACKOFF_MS: '50',
};

export interface GalleryResult {
  screens: Screen[];
  /** Screen builders the real code called while the gallery ran. */
  buildersCalled: string[];
  /** The instant the clock showed at the start (relative times in the page are computed from each screen's time). */
  now: string;
}

/** The gallery's loopback Zendesk: the credentials the bot is given to read sample tickets. */
const ZENDESK_EMAIL = 'lr-bot@example.com';
const ZENDESK_API_TOKEN = 'galleryZendeskToken0123456789abcdef';

const day = (offset: number) =>
  DateTime.fromISO(GALLERY_NOW, { zone: 'utc' }).startOf('day').plus({ days: offset }).toISODate()!;

type Answers = Record<string, string | string[]>;

/** Runs every scenario and returns the screens. Starts and stops its own bot, fake Slack and data folder. */
export async function collectScreens(): Promise<GalleryResult> {
  const clock = installFixedClock(GALLERY_NOW);
  const builders = recordBuilderCalls();
  const fake = new FakeSlack({ logErrors: false });
  const zendesk = new FakeZendesk({ email: ZENDESK_EMAIL, apiToken: ZENDESK_API_TOKEN });
  const dataDir = mkdtempSync(join(tmpdir(), 'lr-gallery-'));
  let t: BotUnderTest | undefined;
  try {
    await fake.start();
    await zendesk.start();
    for (const [id, person] of Object.entries(PEOPLE)) fake.setUser(id, person);
    for (const [id, group] of Object.entries(GROUPS)) fake.setUsergroup(id, group.members);
    t = await startInProcessBot(ENV, { fake, dataDir });
    const bot = () => t!;
    const rec = new ScreenRecorder(bot, builders, {
      licensingChannel: LICENSING_CHANNEL,
      channelName: CHANNELS[LICENSING_CHANNEL],
      people: Object.fromEntries(Object.entries(PEOPLE).map(([id, p]) => [id, p.real_name])),
    });
    const d = new Driver(bot, rec);

    await starCheckSteps(d);
    await starCheckVerdicts(d);
    await playbookCases(d, clock);
    await emergencyForms(d);
    await emergencyAnswers(d, dataDir, clock);
    await licenseStatus(d);
    await refusals(d, clock);
    await unhandledRequests(d);
    await unanswered(d);
    await givenUpHandOvers(d, clock);
    await appHome(d, 'App Home', 'before the trial follow-up');
    await saturdayLate(d, clock);

    // Monday 09:00 UTC: the weekly digest (the schedule checks when the bot starts, then every minute).
    await t.stop();
    clock.set('2026-11-16T09:00:30Z');
    await rec.step('Weekly STAR digest', 'Monday 09:00 UTC, the week of decisions above', async () => {
      t = await startInProcessBot({ ...ENV, STAR_DIGEST_CRON: '0 9 * * 1' }, { fake, dataDir });
    });

    await followUp(d, clock);
    await appHome(d, 'App Home', 'after the follow-up (resolved, needs L&R, lapsed)');

    // Last, the bot again with Zendesk credentials: the screens above are the bot without Zendesk.
    await t.stop();
    t = await startInProcessBot(
      {
        ...ENV,
        ZENDESK_API_URL: zendesk.apiUrl,
        ZENDESK_EMAIL,
        ZENDESK_API_TOKEN,
      },
      { fake, dataDir },
    );
    await readFromZendesk(d, zendesk);
    await writeToZendesk(d, zendesk, clock);
    // App Home is republished whenever a request of its owner changes: shown in its own group only.
    const screens = rec.screens
      .filter((s) => s.surface !== 'home' || s.group === 'App Home')
      .map((s, i) => ({ ...s, id: `s${i + 1}` }));
    return { screens, buildersCalled: [...new Set(builders.calls.map((c) => c.builder))].sort(), now: GALLERY_NOW };
  } finally {
    await t?.stop().catch(() => undefined);
    await fake.stop().catch(() => undefined);
    await zendesk.stop().catch(() => undefined);
    rmSync(dataDir, { recursive: true, force: true });
    builders.restore();
    clock.restore();
  }
}

/** Slack's side of the conversation: commands, submissions and clicks, each recorded in a step. */
class Driver {
  constructor(
    readonly bot: () => BotUnderTest,
    readonly rec: ScreenRecorder,
  ) {}

  get fake(): FakeSlack {
    return this.bot().fake;
  }

  /** A slash command that opens a modal; returns the modal as Slack shows it. */
  async open(command: string, text: string, user: Person = 'U0ENGINEER'): Promise<JsonObject> {
    const opened = await runCommand(this.bot(), command, text, user);
    if (!opened.view) throw new Error(`${command} ${text}: no modal: ${JSON.stringify(opened.call.response)}`);
    return opened.view;
  }

  /** A slash command answered in its ack (an ephemeral message, no modal). */
  async commandAck(
    ctx: StepContext,
    command: string,
    text: string,
    user: Person,
    caption: string,
  ): Promise<JsonObject> {
    const res = await this.bot().send(
      'command',
      slashCommand({
        command,
        text,
        userId: user,
        channelId: DEFAULT_CHANNEL.id,
        responseUrl: this.fake.responseUrl(`r-${newTriggerId().slice(-10)}`),
        triggerId: newTriggerId(),
      }),
    );
    const body = res.body ? res.json<JsonObject>() : {};
    if (body.text || body.blocks) ctx.ephemeral(caption, body);
    return body;
  }

  /** Submits a modal the way a person does; records what the ack shows; returns the modal now shown. */
  async submit(ctx: StepContext, view: JsonObject, values: Answers, user: Person = 'U0ENGINEER'): Promise<JsonObject> {
    const res = await this.bot().send(
      'interaction',
      viewSubmission({
        view,
        values: values,
        user: { id: user, username: PEOPLE[user].name, name: PEOPLE[user].name },
      }),
    );
    const body = res.body ? res.json<JsonObject>() : {};
    ctx.ack(
      body.response_action === 'errors'
        ? 'view_submission ack: field errors'
        : 'view_submission ack: the modal is replaced',
      body,
      view,
      values,
    );
    const applied = applySubmissionAck(this.fake, view, res);
    return applied.view ?? view;
  }

  /**
   * Walks /star-check from the command to the verdict. `showSteps` keeps every modal on the way; otherwise
   * only the verdict and what it posted are kept (the steps are shown once, in the first group).
   */
  async starCheck(group: string, path: string, answers: Answers, opts: { showSteps?: boolean; user?: Person } = {}) {
    const user = opts.user ?? 'U0MANAGER';
    let verdict: JsonObject | undefined;
    const keep = opts.showSteps
      ? undefined
      : (screen: Screen) => screen.surface !== 'modal' || screen.payload.callback_id === 'star_check_verdict';
    await this.rec.step(
      group,
      path,
      async (ctx) => {
        let view = await this.open('/star-check', answers.ticket as string, user);
        for (let round = 0; round < 6; round += 1) {
          const shown = new Set(
            (view.blocks as JsonObject[]).filter((b) => b.type === 'input').map((b) => b.block_id as string),
          );
          const values = Object.fromEntries(Object.entries(answers).filter(([key]) => shown.has(key)));
          view = await this.submit(ctx, view, values, user);
          if (view.callback_id === 'star_check_verdict') {
            verdict = view;
            return;
          }
        }
        throw new Error(`${path}: no verdict after 6 rounds`);
      },
      keep,
    );
    return verdict!;
  }

  async click(view: JsonObject, actionId: string, user: Person = 'U0ENGINEER', value?: string): Promise<void> {
    const res = await this.bot().send(
      'interaction',
      blockActions({ view, actionId, value, user: { id: user, username: PEOPLE[user].name, name: PEOPLE[user].name } }),
    );
    if (res.status !== 200) throw new Error(`click ${actionId}: HTTP ${res.status}`);
  }

  /** A click on a button of a message the bot posted (channel, DM or an ephemeral answer). */
  async clickMessage(
    message: JsonObject,
    channelId: string,
    actionId: string,
    user: Person,
    { isEphemeral = false, blockId }: { isEphemeral?: boolean; blockId?: string } = {},
  ) {
    const res = await this.bot().send(
      'interaction',
      messageBlockActions({
        message,
        channelId,
        actionId,
        blockId,
        isEphemeral,
        responseUrl: this.fake.responseUrl(`r-${newTriggerId().slice(-10)}`),
        user: { id: user, username: PEOPLE[user].name, name: PEOPLE[user].name },
      }),
    );
    if (res.status !== 200) throw new Error(`click ${actionId}: HTTP ${res.status}`);
  }
}

// ------------------------------------------------------------------------------------------ /star-check

async function starCheckSteps(d: Driver): Promise<void> {
  const group = '/star-check: each step';
  const answers: Answers = {
    ticket: '880001',
    q_kind: 'plan_license',
    deployment: 'self_managed',
    request_type: 'sm_trial_license',
    q_trial: 'no',
    expiration_date: day(-15),
  };
  let opened: JsonObject | undefined;
  await d.rec.step(group, '1. /star-check 880001 opens the modal: the ticket and the first question', async () => {
    opened = await d.open('/star-check', '880001', 'U0MANAGER');
  });
  let view = opened!;
  await d.rec.step(group, '2. Picking an answer grows the modal at once (dispatch action → views.update)', async () => {
    await d.click(view, 'star_q_kind', 'U0MANAGER', 'plan_license');
  });
  view = d.fake.lastView('star_check') ?? view;
  await d.rec.step(
    group,
    '3. Plan/License, Self-Managed, not a trial: the modal asks for the expiration date',
    async (ctx) => {
      for (let round = 0; round < 6 && view.callback_id !== 'star_check_verdict'; round += 1) {
        const shown = new Set(
          (view.blocks as JsonObject[]).filter((b) => b.type === 'input').map((b) => b.block_id as string),
        );
        const values = Object.fromEntries(Object.entries(answers).filter(([key]) => shown.has(key)));
        view = await d.submit(ctx, view, values, 'U0MANAGER');
      }
    },
  );
  await d.rec.step(
    group,
    '4. The verdict offers the emergency form (in scope): its button pushes the form, prefilled',
    async () => {
      await d.click(view, 'open_emergency_license', 'U0MANAGER');
    },
  );
  await d.rec.step(group, '5. A ticket of another Zendesk is refused with a field error', async (ctx) => {
    const other = await d.open('/star-check', '', 'U0MANAGER');
    await d.submit(
      ctx,
      other,
      { ticket: 'https://evil.example/agent/tickets/1', q_kind: 'wrong_product' },
      'U0MANAGER',
    );
  });
}

const FLOWCHART: [string, Answers][] = [
  [
    'Plan/License → trial → sales-assisted → expires in more than 24h (Self-Managed, trial license request)',
    {
      q_kind: 'plan_license',
      deployment: 'self_managed',
      request_type: 'sm_trial_license',
      q_trial: 'yes',
      q_salesAssisted: 'yes',
      expiration_date: day(5),
    },
  ],
  [
    'Plan/License → trial → sales-assisted → expires within 24h (Self-Managed)',
    {
      q_kind: 'plan_license',
      deployment: 'self_managed',
      request_type: 'sm_trial_license',
      q_trial: 'yes',
      q_salesAssisted: 'yes',
      expiration_date: day(1),
    },
  ],
  [
    'Plan/License → trial → not sales-assisted (SaaS trial extension)',
    {
      q_kind: 'plan_license',
      deployment: 'saas',
      request_type: 'saas_trial_extension',
      q_trial: 'yes',
      q_salesAssisted: 'no',
    },
  ],
  [
    'Plan/License → not a trial → in grace period → grace ends in more than 24h (license not working)',
    {
      q_kind: 'plan_license',
      deployment: 'self_managed',
      request_type: 'sm_license_not_working',
      q_trial: 'no',
      expiration_date: day(-3),
    },
  ],
  [
    'Plan/License → not a trial → in grace period → grace ends within 24h (license not working)',
    {
      q_kind: 'plan_license',
      deployment: 'self_managed',
      request_type: 'sm_license_not_working',
      q_trial: 'no',
      expiration_date: day(-13),
    },
  ],
  [
    'Plan/License → not a trial → not in grace period → expires in more than 24h (license not received)',
    {
      q_kind: 'plan_license',
      deployment: 'self_managed',
      request_type: 'sm_license_not_received',
      q_trial: 'no',
      expiration_date: day(30),
    },
  ],
  [
    'Plan/License → not a trial → grace period over 6 days ago → Ok to STAR, outside the weekend window (L&R)',
    {
      q_kind: 'plan_license',
      deployment: 'self_managed',
      request_type: 'sm_trial_license',
      q_trial: 'no',
      expiration_date: day(-20),
    },
  ],
  [
    'Plan/License → not a trial → answered directly, no date: in grace, grace ends within 24h (something else)',
    {
      q_kind: 'plan_license',
      deployment: 'self_managed',
      request_type: 'sm_other',
      q_trial: 'no',
      q_inGracePeriod: 'yes',
      q_graceEndsInMoreThan24h: 'no',
    },
  ],
  ['Wrong product sold → Sales has intervened', { q_kind: 'wrong_product', q_salesIntervened: 'yes' }],
  ['Wrong product sold → Sales has not intervened yet', { q_kind: 'wrong_product', q_salesIntervened: 'no' }],
  ['Force reassociate → not an edge case', { q_kind: 'force_reassociate', q_edgeCase: 'no' }],
  [
    'Force reassociate → edge case (process followed, system fails)',
    { q_kind: 'force_reassociate', q_edgeCase: 'yes' },
  ],
];

async function starCheckVerdicts(d: Driver): Promise<void> {
  let ticket = 881000;
  for (const [path, answers] of FLOWCHART) {
    ticket += 1;
    await d.starCheck('/star-check: every flowchart path (verdict and channel post)', path, {
      ticket: String(ticket),
      ...answers,
    });
  }
}

async function playbookCases(d: Driver, clock: ReturnType<typeof installFixedClock>): Promise<void> {
  const group = '/star-check: request-type playbook and time facts';
  const cases: [string, Answers][] = [
    [
      'SaaS: paid group unexpectedly on Free (not a trial, plan ended yesterday)',
      {
        q_kind: 'plan_license',
        deployment: 'saas',
        request_type: 'saas_paid_on_free',
        q_trial: 'no',
        expiration_date: day(-1),
      },
    ],
    [
      'SaaS: trial extension, sales-assisted, the trial ends tonight',
      {
        q_kind: 'plan_license',
        deployment: 'saas',
        request_type: 'saas_trial_extension',
        q_trial: 'yes',
        q_salesAssisted: 'yes',
        expiration_date: day(0),
      },
    ],
    [
      'SaaS: something else, plan ends in 10 days',
      {
        q_kind: 'plan_license',
        deployment: 'saas',
        request_type: 'saas_other',
        q_trial: 'no',
        expiration_date: day(10),
      },
    ],
    [
      'Self-Managed: something else, expired yesterday (in the grace period)',
      {
        q_kind: 'plan_license',
        deployment: 'self_managed',
        request_type: 'sm_other',
        q_trial: 'no',
        expiration_date: day(-1),
      },
    ],
    [
      'Self-Managed: license not received, grace period over (no license to another address)',
      {
        q_kind: 'plan_license',
        deployment: 'self_managed',
        request_type: 'sm_license_not_received',
        q_trial: 'no',
        expiration_date: day(-16),
      },
    ],
    [
      'Self-Managed: the weekend window opens within hours (grace period ends tonight, 00:00 UTC)',
      {
        q_kind: 'plan_license',
        deployment: 'self_managed',
        request_type: 'sm_trial_license',
        q_trial: 'no',
        expiration_date: day(-13),
      },
    ],
    [
      'Self-Managed: a sales-assisted trial that expired yesterday: Ok to STAR, the form asks for the paid plan',
      {
        q_kind: 'plan_license',
        deployment: 'self_managed',
        request_type: 'sm_trial_license',
        q_trial: 'yes',
        q_salesAssisted: 'yes',
        expiration_date: day(-1),
      },
    ],
    [
      'Self-Managed: expiration date unknown, answered directly (scope unknown: the form checks it)',
      {
        q_kind: 'plan_license',
        deployment: 'self_managed',
        request_type: 'sm_trial_license',
        q_trial: 'no',
        q_inGracePeriod: 'no',
        q_expiresInMoreThan24h: 'no',
      },
    ],
  ];
  let ticket = 882000;
  for (const [path, answers] of cases) {
    ticket += 1;
    await d.starCheck(group, path, { ticket: String(ticket), ...answers });
  }
  // Saturday 22:00 UTC: the grace period ends at 00:00 UTC, in two hours.
  clock.set(SATURDAY_LATE);
  await d.starCheck(
    group,
    'Saturday 22:00 UTC: the weekend window opens at 00:00 UTC, in 2 hours (the grace period ends then)',
    {
      ticket: '882050',
      q_kind: 'plan_license',
      deployment: 'self_managed',
      request_type: 'sm_license_not_working',
      q_trial: 'no',
      expiration_date: OPENS_SOON_EXPIRY,
    },
  );
  clock.set(GALLERY_NOW);
  // A weekday: the guidance first says to ask the L&R team in the channel.
  clock.set('2026-11-11T14:00:00Z');
  await d.starCheck(
    group,
    'On a weekday (Wednesday): ask the L&R team first, the form for when they cannot help in time',
    {
      ticket: '882100',
      q_kind: 'plan_license',
      deployment: 'self_managed',
      request_type: 'sm_trial_license',
      q_trial: 'no',
      expiration_date: '2026-10-27',
    },
  );
  clock.set(GALLERY_NOW);
}

// ------------------------------------------------------------------------------------------ emergency

async function emergencyForms(d: Driver): Promise<void> {
  const group = 'Emergency license: the form';
  await d.rec.step(group, '/emergency-license 424242 opens the form, prefilled with the ticket', async () => {
    await d.open('/emergency-license', '424242');
  });
  await d.rec.step(group, 'The global shortcut "Emergency trial license" opens the empty form', async () => {
    const opened = d.fake.callsTo('views.open').length;
    await d.bot().send('interaction', globalShortcut({ callbackId: 'emergency_license_shortcut', user: 'U0ENGINEER' }));
    await d.fake.waitForCalls('views.open', opened + 1, 3000);
  });
  const form = await d.open('/emergency-license', '424243');
  await d.rec.step(
    group,
    'Field errors: a ticket of another host, one screenshot, a user count that is not a number',
    async (ctx) => {
      await d.submit(ctx, form, {
        ...emergencyFormAnswers({
          ticket: 'https://evil.example/tickets/1',
          screenshots: ['dashboard'],
          user_count: 'many',
        }),
      });
    },
  );
}

// ------------------------------------------------------------------------------------------ Zendesk

const png = (name: string): NewAttachment => ({ file_name: name, content_type: 'image/png', size: 2048 });

async function readFromZendesk(d: Driver, zendesk: FakeZendesk): Promise<void> {
  const group = 'Read from Zendesk: the form and /star-check with a ticket';
  /** Opens the modal, then waits until the bot has updated it with what Zendesk answered. */
  const openAndRead = async (command: string, ticket: string, user: Person = 'U0ENGINEER') => {
    const updates = d.fake.callsTo('views.update').length;
    await d.open(command, ticket, user);
    await d.fake.waitForCalls('views.update', updates + 1, 5000);
  };
  const filled = zendesk.addTicket({
    id: 530001,
    subject: 'License expired, instance down',
    status: 'open',
    requester: { name: 'Ada Admin', email: 'ada@acme.example' },
    organization: 'Acme Corp',
    comments: [
      { body: 'Screenshots attached', attachments: [png('subscription.png'), png('dashboard.png')] },
      { body: 'Logs', attachments: [{ file_name: 'gitlab.log', content_type: 'text/plain' }] },
    ],
  });
  const solved = zendesk.addTicket({
    id: 530002,
    subject: 'Trial license not received',
    status: 'solved',
    requester: { name: 'Bo Builder', email: 'bo@globex.example' },
    organization: 'Globex',
    comments: [{ body: 'Here is the subscription page', attachments: [png('subscription.png')] }],
  });
  await d.rec.step(
    group,
    `/emergency-license ${filled.id}: the form opens, then is filled from the ticket (requester email prefilled, ` +
      'organization, subject, status, the two screenshots listed)',
    () => openAndRead('/emergency-license', String(filled.id)),
  );
  await d.rec.step(
    group,
    `/emergency-license ${solved.id}: fewer than two images and a solved ticket: the form warns`,
    () => openAndRead('/emergency-license', String(solved.id)),
  );
  await d.rec.step(
    group,
    '/emergency-license 539999: Zendesk answers 404: one line says so, the form is as without Zendesk',
    () => openAndRead('/emergency-license', '539999'),
  );
  await d.rec.step(group, `/star-check ${filled.id}: the first step shows the ticket's organization and subject`, () =>
    openAndRead('/star-check', String(filled.id), 'U0MANAGER'),
  );
}

/** The license written on the ticket (issue 20): the line the notice and /license-status show for each state. */
async function writeToZendesk(
  d: Driver,
  zendesk: FakeZendesk,
  clock: ReturnType<typeof installFixedClock>,
): Promise<void> {
  const group = 'Write to Zendesk: the license on the ticket, as the notice shows it';
  const noticeSays = (text: string) =>
    d.fake.waitForCall(
      'chat.update',
      (c) => c.args.channel === LICENSING_CHANNEL && JSON.stringify(c.args.blocks).includes(text),
      8000,
    );
  const request = async (ctx: StepContext, ticket: number, email: string) => {
    const view = await d.open('/emergency-license', String(ticket));
    // In scope at the clock's current day (the follow-up above moved it on).
    const expiration = DateTime.fromJSDate(clock.now(), { zone: 'utc' })
      .startOf('day')
      .minus({ days: 15 })
      .toISODate()!;
    await d.submit(ctx, view, emergencyFormAnswers({ ticket: String(ticket), email, expiration_date: expiration }));
  };
  const attached = zendesk.addTicket({ id: 530010, requester: { name: 'Cy Ops', email: 'cy@initech.example' } });
  await d.rec.step(
    group,
    `Generated for ticket ${attached.id}: the license file attached to an internal note, a note for the outcome`,
    async (ctx) => {
      await request(ctx, attached.id, 'cy@initech.example');
      await noticeSays('license attached as an internal note');
    },
  );
  const busy = zendesk.addTicket({ id: 530011, requester: { name: 'Di Dev', email: 'di@umbrella.example' } });
  zendesk.fail({ path: '/uploads', status: 503, times: Infinity });
  await d.rec.step(group, `Zendesk unavailable (ticket ${busy.id}): the notice says it is retried`, async (ctx) => {
    await request(ctx, busy.id, 'di@umbrella.example');
    await noticeSays('yet, retrying.');
  });
  zendesk.clearFaults();
  await d.rec.step(group, 'Zendesk back a few minutes later: the retry attaches it, the notice says so', async () => {
    clock.set(DateTime.fromJSDate(clock.now()).plus({ minutes: 5 }).toISO()!);
    await noticeSays(`Zendesk ticket ${busy.id}: license attached`);
  });
  const closed = zendesk.addTicket({ id: 530012, status: 'closed', requester: { email: 'ed@hooli.example' } });
  await d.rec.step(
    group,
    `A closed ticket (${closed.id}): Zendesk refuses the update, the notice says why`,
    async (ctx) => {
      await request(ctx, closed.id, 'ed@hooli.example');
      await noticeSays(`License not attached to Zendesk ticket ${closed.id}.`);
    },
  );
  await d.rec.step(
    group,
    `/license-status ${attached.id}: the ticket's line, then what the ticket says (the license went to its requester)`,
    async (ctx) => {
      await d.commandAck(ctx, '/license-status', String(attached.id), 'U0ENGINEER', 'command ack: ephemeral answer');
    },
  );
  const elsewhere = zendesk.addTicket({
    id: 530013,
    subject: 'The license email never arrived',
    requester: { name: 'Fay Buyer', email: 'fay@vandelay.example' },
    organization: 'Vandelay Industries',
  });
  await d.rec.step(
    group,
    `Generated for ticket ${elsewhere.id}, for another email than the ticket's requester`,
    async (ctx) => {
      await request(ctx, elsewhere.id, 'it-admin@vandelay.example');
      await noticeSays(`Zendesk ticket ${elsewhere.id}: license attached`);
    },
  );
  await d.rec.step(
    group,
    `/license-status ${elsewhere.id}: the ticket's requester is not the license's email: the follow-up says so`,
    async (ctx) => {
      await d.commandAck(ctx, '/license-status', String(elsewhere.id), 'U0ENGINEER', 'command ack: ephemeral answer');
    },
  );
  await d.rec.step(group, `/license-status ${closed.id}: the follow-up says the ticket is closed`, async (ctx) => {
    await d.commandAck(ctx, '/license-status', String(closed.id), 'U0ENGINEER', 'command ack: ephemeral answer');
  });
}

function emergencyFormAnswers(overrides: Answers = {}): Answers {
  return { ...(emergencyForm({ expiration_date: day(-15) }) as unknown as Answers), ...overrides };
}

async function emergencyAnswers(
  d: Driver,
  dataDir: string,
  clock: ReturnType<typeof installFixedClock>,
): Promise<void> {
  const group = 'Emergency license: the answers';
  const submitForm = async (ctx: StepContext, ticket: string, overrides: Answers, user: Person = 'U0ENGINEER') => {
    const view = await d.open('/emergency-license', ticket, user);
    return d.submit(ctx, view, emergencyFormAnswers({ ticket, ...overrides }), user);
  };

  await d.rec.step(group, 'In scope: started, then generated; the notice, the license file and the DM', async (ctx) => {
    await submitForm(ctx, '424242', { email: 'admin@customer.example', user_count: '250' });
    await d.fake.waitForUpload(() => true, 5000);
  });
  await d.rec.step(
    group,
    'In scope: a Sales-generated temporary extension that expired yesterday (no grace period: the window counts ' +
      'from its expiry); the notice names it',
    async (ctx) => {
      await submitForm(ctx, '424250', {
        license_kind: 'temporary',
        expiration_date: day(-1),
        email: 'ops@extension.example',
        user_count: '120',
      });
      await d.fake
        .waitForUpload((u) => u.completed && JSON.stringify(u).includes('424250'), 5000)
        .catch(() => undefined);
    },
  );
  await d.rec.step(group, 'Out of scope, never overridable: SaaS (points to the SaaS path)', async (ctx) => {
    await submitForm(ctx, '500100', { deployment: 'saas', email: 'owner@saas-customer.example' });
  });
  await d.rec.step(group, 'Out of scope, never overridable: no paid plan, a prospect', async (ctx) => {
    await submitForm(ctx, '500101', { paid_plan: 'no', prospect: 'yes', email: 'eval@prospect.example' });
  });
  await d.rec.step(group, 'Out of scope: the grace period ended 6 days ago (an engineer: no override)', async (ctx) => {
    await submitForm(ctx, '500102', { expiration_date: day(-20), email: 'ops@late.example' });
  });
  let override: JsonObject | undefined;
  await d.rec.step(group, 'Out of scope, same facts, a manager: the override asks for a justification', async (ctx) => {
    override = await submitForm(
      ctx,
      '500103',
      { expiration_date: day(-20), email: 'ops@override.example' },
      'U0MANAGER',
    );
  });
  await d.rec.step(group, 'Override submitted: generated, the notice flags the override', async (ctx) => {
    await d.submit(
      ctx,
      override!,
      { justification: 'Production down for 2,000 users; the L&R lead agreed by phone.' },
      'U0MANAGER',
    );
    await d.fake
      .waitForUpload((u) => u.completed && /override|500103/.test(JSON.stringify(u)), 5000)
      .catch(() => undefined);
  });
  let reissue: JsonObject | undefined;
  await d.rec.step(group, 'Re-issue: the same ticket again asks before a second license', async (ctx) => {
    reissue = await submitForm(ctx, '424242', { email: 'admin@customer.example', user_count: '250' });
  });
  await d.rec.step(group, 'Re-issue confirmed', async (ctx) => {
    if (reissue?.submit) await d.submit(ctx, reissue, {});
  });

  // Failed: the local adapter cannot store the file (its folder is a file for a moment).
  const licensesDir = join(dataDir, LICENSES_SUBDIR);
  const aside = `${licensesDir}.aside`;
  renameSync(licensesDir, aside);
  writeFileSync(licensesDir, 'not a folder');
  let failedNotice: JsonObject | undefined;
  try {
    await d.rec.step(group, 'Failed: the license could not be made; the notice offers Retry', async (ctx) => {
      const mark = d.fake.calls.length;
      await submitForm(ctx, '424300', { email: 'it@failing.example', user_count: '40' });
      await d.rec.settle();
      const posted = d.fake.calls
        .slice(mark)
        .filter(
          (c) =>
            (c.method === 'chat.postMessage' || c.method === 'chat.update') &&
            c.args.channel === LICENSING_CHANNEL &&
            !c.args.thread_ts,
        )
        .pop();
      failedNotice = posted ? { ...(posted.response.message as JsonObject) } : undefined;
    });
  } finally {
    rmSync(licensesDir, { force: true });
    renameSync(aside, licensesDir);
  }
  if (failedNotice)
    await d.rec.step(
      group,
      'Failed, then Retry pressed in the channel: generated, and the person who pressed it is told',
      async () => {
        await d.clickMessage(failedNotice!, LICENSING_CHANNEL, 'retry_license', 'U0ENGINEER');
      },
    );

  d.fake.fail('files.getUploadURLExternal', { error: 'not_allowed_token_type', times: 5 });
  await d.rec.step(
    group,
    'Not delivered yet: Slack refused the file; the status modal shows the license itself',
    async (ctx) => {
      await submitForm(ctx, '424400', { email: 'admin@no-upload.example', user_count: '75' });
      await d.fake.waitForCall('views.update', (c) => JSON.stringify(c.args.view).includes('could not be sent'), 5000);
    },
  );
  d.fake.clearFaults();
  // The file is handed over again on the delivery's own retry schedule, once Slack takes it.
  clock.set('2026-11-14T15:33:00Z');
  await d.rec.step(
    group,
    'Not delivered yet, then delivered on the retry: the file in the DM, the notice updated',
    async () => {
      // This request's file (its DM names the ticket), not one handed over in an earlier step.
      await d.fake.waitForUpload(
        (u) => u.completed && `${u.initialComment ?? ''}${JSON.stringify(u.blocks ?? '')}`.includes('424400'),
        8000,
      );
    },
  );
}

/** Later on Saturday (after the screens above, so that their "today" stays the afternoon). */
async function saturdayLate(d: Driver, clock: ReturnType<typeof installFixedClock>): Promise<void> {
  clock.set(SATURDAY_LATE);
  await d.rec.step(
    'Emergency license: the answers',
    'Saturday 22:00 UTC, out of scope: the window opens at 00:00 UTC, in 2 hours (a manager may override now)',
    async (ctx) => {
      const view = await d.open('/emergency-license', '500104');
      await d.submit(
        ctx,
        view,
        emergencyFormAnswers({ ticket: '500104', expiration_date: OPENS_SOON_EXPIRY, email: 'ops@soon.example' }),
      );
    },
  );
}

async function licenseStatus(d: Driver): Promise<void> {
  const group = '/license-status';
  let answer: JsonObject | undefined;
  await d.rec.step(group, '/license-status 424242: the requests of a ticket', async (ctx) => {
    answer = await d.commandAck(ctx, '/license-status', '424242', 'U0ENGINEER', 'command ack: ephemeral answer');
  });
  await d.rec.step(
    group,
    '/license-status it@failing.example: by the requester email (failed, then retried)',
    async (ctx) => {
      await d.commandAck(ctx, '/license-status', 'it@failing.example', 'U0ENGINEER', 'command ack: ephemeral answer');
    },
  );
  await d.rec.step(group, '/license-status with nothing after it: how to use it', async (ctx) => {
    await d.commandAck(ctx, '/license-status', '', 'U0ENGINEER', 'command ack: ephemeral answer');
  });
  await d.rec.step(group, '/license-status 999999: nothing found', async (ctx) => {
    await d.commandAck(ctx, '/license-status', '999999', 'U0ENGINEER', 'command ack: ephemeral answer');
  });
  if (answer && resendBlockOf(answer))
    await d.rec.step(
      group,
      '"Send me the license file": on its way, then the file in a DM and a line in the thread',
      async () => {
        const uploadsBefore = d.fake.uploads.length;
        await sendMeTheLicense(d, answer!, 'U0ENGINEER');
        // The copy is handed over by the job runner after the answer: this click's own file, not an earlier one.
        await d.fake
          .waitForUpload((u) => u.completed && d.fake.uploads.indexOf(u) >= uploadsBefore, 5000)
          .catch(() => undefined);
      },
    );
}

/** The block of a /license-status answer that holds its "Send me the license file" button. */
function resendBlockOf(answer: JsonObject): JsonObject | undefined {
  return (answer.blocks as JsonObject[] | undefined)?.find((b) =>
    ((b.elements as JsonObject[] | undefined) ?? []).some((e) => e.action_id === 'resend_license'),
  );
}

/** Clicks "Send me the license file" in a /license-status answer (an ephemeral message). */
async function sendMeTheLicense(d: Driver, answer: JsonObject, user: Person): Promise<void> {
  const block = resendBlockOf(answer);
  if (!block) throw new Error(`no "Send me the license file" button in ${JSON.stringify(answer).slice(0, 300)}`);
  await d.clickMessage({ ts: '1800000000.000100', ...answer }, DEFAULT_CHANNEL.id, 'resend_license', user, {
    isEphemeral: true,
    blockId: block.block_id as string,
  });
}

/** A `keep` for a step whose retries edit a message to the same words again: each screen is shown once. */
function withoutRepeats(): (screen: Screen) => boolean {
  const shown = new Set<string>();
  return (screen) => {
    const seen = `${screen.caption}\n${JSON.stringify(screen.payload)}`;
    if (shown.has(seen)) return false;
    shown.add(seen);
    return true;
  };
}

/** The copies named in the bot's log lines (pino JSON), oldest first. */
function loggedCopyIds(logs: string[]): string[] {
  const ids = logs
    .flatMap((chunk) => chunk.split('\n'))
    .map((line) => /"copyId":"([^"]+)"/.exec(line)?.[1])
    .filter((id): id is string => id !== undefined);
  return [...new Set(ids)];
}

/**
 * Slack cannot open the DM of whom a license is for, ever: the hand-over is given up after its 12
 * attempts, and the notice's thread says so to that person. The attempts are due on the fixed clock,
 * so it moves on a minute (longer than the longest backoff of the gallery's bounds) after each one.
 */
async function givenUpHandOvers(d: Driver, clock: ReturnType<typeof installFixedClock>): Promise<void> {
  const group = 'Emergency license: the answers';
  const store = () => d.bot().bot.services.store.requests;
  const untilGivenUp = async (delivery: () => Promise<LicenseDelivery | undefined>) => {
    const deadline = performance.now() + 30_000;
    for (let seen = 0; performance.now() < deadline; await sleep(25)) {
      const now = await delivery();
      if (now?.status === 'failed') return;
      if (now && now.attempts > seen) {
        seen = now.attempts;
        clock.set(DateTime.fromJSDate(clock.now()).plus({ minutes: 1 }).toISO()!);
      }
    }
    throw new Error('gallery: the hand-over was not given up within 30 s');
  };
  const ticket = '424500';
  let record: LicenseRequestRecord | undefined;
  let answer: JsonObject | undefined;
  d.fake.fail('conversations.open', { error: 'internal_error', times: Infinity });
  try {
    await d.rec.step(
      group,
      'Not delivered, given up: Slack could not open the DM 12 times; the notice says so and its thread ' +
        'tells the requester',
      async (ctx) => {
        const view = await d.open('/emergency-license', ticket);
        await d.submit(ctx, view, emergencyFormAnswers({ ticket, email: 'admin@no-dm.example', user_count: '60' }));
        await untilGivenUp(async () => {
          [record] = await store().findByTicket(ticketUrl(ticket), 1);
          return record?.status === 'generated' ? record.delivery : undefined;
        });
      },
      withoutRepeats(),
    );
    await d.rec.step(
      group,
      'Given up, then "Send me the license file" by someone else: that copy given up too; the thread tells them',
      async (ctx) => {
        answer = await d.commandAck(ctx, '/license-status', ticket, 'U0MANAGER', 'command ack: ephemeral answer');
        const mark = d.fake.responses.length;
        await sendMeTheLicense(d, answer, 'U0MANAGER');
        await d.fake.waitForResponse(undefined, (r) => d.fake.responses.indexOf(r) >= mark, 3000);
        // Which copy the click stored is said only in the bot's log (the click's answer does not name it).
        await untilGivenUp(async () => {
          const copyId = loggedCopyIds(d.bot().logs).at(-1);
          return copyId ? (await store().getCopy(copyId))?.delivery : undefined;
        });
      },
    );
  } finally {
    d.fake.clearFaults();
  }
}

async function refusals(d: Driver, clock: ReturnType<typeof installFixedClock>): Promise<void> {
  const group = 'Who may: refusals';
  await d.rec.step(group, '/star-check by someone outside the STAR groups: an ephemeral refusal', async (ctx) => {
    await d.commandAck(ctx, '/star-check', '1', 'U0OUTSIDER', 'command ack: ephemeral refusal');
  });
  await d.rec.step(group, '/emergency-license by someone outside the requester groups', async (ctx) => {
    await d.commandAck(ctx, '/emergency-license', '1', 'U0OUTSIDER', 'command ack: ephemeral refusal');
  });
  await d.rec.step(group, 'The global shortcut by someone outside the requester groups: a refusal modal', async () => {
    const opened = d.fake.callsTo('views.open').length;
    await d.bot().send('interaction', globalShortcut({ callbackId: 'emergency_license_shortcut', user: 'U0OUTSIDER' }));
    await d.fake.waitForCalls('views.open', opened + 1, 3000);
  });
  // Access removed while a modal is open: the submission is refused. Group membership is cached for 5
  // minutes (and refreshed by every App Home publish, the last one at 15:33 above), so the clock moves on
  // past the cache before each change is read.
  clock.set('2026-11-14T15:39:00Z');
  d.fake.setUser('U0LEAVER', { name: 'pat.leaver', real_name: 'Pat Leaver', tz: 'America/Denver' });
  d.fake.setUsergroup('S0STAR', [...GROUPS.S0STAR.members, 'U0LEAVER']);
  d.fake.setUsergroup('S0REQUEST', [...GROUPS.S0REQUEST.members, 'U0LEAVER']);
  const star = await runCommand(d.bot(), '/star-check', '883001', 'U0LEAVER');
  const form = await runCommand(d.bot(), '/emergency-license', '883002', 'U0LEAVER');
  d.fake.setUsergroup('S0STAR', GROUPS.S0STAR.members);
  d.fake.setUsergroup('S0REQUEST', GROUPS.S0REQUEST.members);
  clock.set('2026-11-14T15:45:00Z');
  const leaver = { id: 'U0LEAVER', username: 'pat.leaver', name: 'pat.leaver' };
  await d.rec.step(group, '/star-check submitted after the person left the STAR groups', async (ctx) => {
    const res = await d
      .bot()
      .send('interaction', viewSubmission({ view: star.view!, values: { q_kind: 'wrong_product' }, user: leaver }));
    ctx.ack('view_submission ack: the modal is replaced', res.json<JsonObject>(), star.view!);
  });
  await d.rec.step(group, 'Emergency form submitted after the person left the requester groups', async (ctx) => {
    const values = emergencyFormAnswers({ ticket: '883002', email: 'x@leaver.example' });
    const res = await d.bot().send('interaction', viewSubmission({ view: form.view!, values: values, user: leaver }));
    ctx.ack('view_submission ack: the modal is replaced', res.json<JsonObject>(), form.view!);
  });
}

/** What listeners/unhandled.ts answers to a request no listener of this version takes. */
async function unhandledRequests(d: Driver): Promise<void> {
  const group = 'Requests the bot no longer knows';
  const jane = { id: 'U0ENGINEER', username: PEOPLE.U0ENGINEER.name, name: PEOPLE.U0ENGINEER.name };
  await d.rec.step(group, 'A button of an older version of a message: an ephemeral answer', async () => {
    const message: JsonObject = {
      ts: '1700000000.000100',
      text: 'An emergency license notice of an older version',
      blocks: [
        {
          type: 'actions',
          block_id: 'old_actions',
          elements: [{ type: 'button', action_id: 'retry_license_v0', text: { type: 'plain_text', text: 'Retry' } }],
        },
      ],
    };
    await d.clickMessage(message, LICENSING_CHANNEL, 'retry_license_v0', 'U0ENGINEER', { blockId: 'old_actions' });
    await d.fake.waitForResponse(undefined, (r) => JSON.stringify(r.body).includes('older version'), 3000);
  });
  await d.rec.step(group, 'A modal opened by an older version, submitted: the modal says so', async (ctx) => {
    const view = olderVersionModal();
    const res = await d.bot().send('interaction', viewSubmission({ view, values: {}, user: jane }));
    ctx.ack('view_submission ack: the modal is replaced', res.json<JsonObject>(), view);
  });
  await d.rec.step(group, 'A command the bot does not have (/star-check-old): answered in the ack', async (ctx) => {
    await d.commandAck(ctx, '/star-check-old', '424242', 'U0ENGINEER', 'command ack: ephemeral answer');
  });
}

/** The methods of a class instance, its base classes' included. */
function methodNames(instance: object): Set<string> {
  const names = new Set<string>();
  for (
    let proto = Object.getPrototypeOf(instance);
    proto && proto !== Object.prototype;
    proto = Object.getPrototypeOf(proto)
  )
    for (const key of Object.getOwnPropertyNames(proto))
      if (key !== 'constructor' && typeof Reflect.get(instance, key) === 'function') names.add(key);
  return names;
}

/**
 * Replaces, on the running bot's own store (every service holds these objects), each method of the
 * repositories a form submission and /license-status use before their ack with one that rejects, as the
 * database driver does when the database refuses or a query fails; `databaseAnswers: false` also makes the
 * write probe the ack guard asks say so. Everything is put back when `run` ends.
 */
async function withFailingStore(d: Driver, databaseAnswers: boolean, run: () => Promise<void>): Promise<void> {
  const store = d.bot().bot.services.store;
  const failure = databaseAnswers
    ? () => new Error('SQLITE_ERROR: no such column: ticket_url (a query this version gets wrong)')
    : () => new Error('SQLITE_BUSY: database is locked');
  const undo: (() => void)[] = [];
  const replace = (target: object, key: string, value: () => Promise<unknown>) => {
    const own = Object.getOwnPropertyDescriptor(target, key);
    Object.defineProperty(target, key, { value, configurable: true, writable: true });
    undo.push(() => (own ? Object.defineProperty(target, key, own) : delete (target as Record<string, unknown>)[key]));
  };
  for (const repository of [store.requests, store.openRequests])
    for (const key of methodNames(repository)) replace(repository, key, () => Promise.reject(failure()));
  if (!databaseAnswers) replace(store, 'isWritable', async () => false);
  try {
    await run();
  } finally {
    undo.reverse().forEach((put) => put());
  }
}

/**
 * What src/ops/ack-guard.ts answers in a listener's place: while the database does not answer, and
 * when a listener fails while it does. The error handler's line with a reference comes first.
 */
async function unanswered(d: Driver): Promise<void> {
  const group = 'When the bot cannot answer';
  for (const [databaseAnswers, when] of [
    [false, 'while the database does not answer'],
    [true, 'when its listener fails while the database answers'],
  ] as const) {
    await d.rec.step(group, `/license-status 424242 ${when}: answered in the listener’s place`, async (ctx) => {
      await withFailingStore(d, databaseAnswers, async () => {
        await d.commandAck(ctx, '/license-status', '424242', 'U0ENGINEER', 'command ack: ephemeral answer');
      });
    });
    const ticket = databaseAnswers ? '424911' : '424910';
    await d.rec.step(
      group,
      `The emergency form submitted ${when}: the modal is replaced`,
      async (ctx) => {
        const view = await d.open('/emergency-license', ticket);
        await withFailingStore(d, databaseAnswers, async () => {
          await d.submit(ctx, view, emergencyFormAnswers({ ticket, email: 'admin@unanswered.example' }));
        });
        // The form as it opened is shown in its own group.
      },
      (screen) => screen.caption !== 'views.open',
    );
  }
}

async function appHome(d: Driver, group: string, when: string): Promise<void> {
  await d.rec.step(group, `A member (Jane Doe, requester), ${when}`, async () => {
    await d.bot().send('event', appHomeOpened({ user: 'U0ENGINEER' }));
    await d.fake.waitForCall('views.publish', (c) => c.args.user_id === 'U0ENGINEER', 3000);
  });
  await d.rec.step(group, `Someone outside every group (Sam Outsider), ${when}`, async () => {
    await d.bot().send('event', appHomeOpened({ user: 'U0OUTSIDER' }));
    await d.fake.waitForCall('views.publish', (c) => c.args.user_id === 'U0OUTSIDER', 3000);
  });
}

// ------------------------------------------------------------------------------------------ follow-up

async function followUp(d: Driver, clock: ReturnType<typeof installFixedClock>): Promise<void> {
  const group = 'After the trial: reminder, Resolved, Needs L&R, lapse';
  const lifecycle = () => d.bot().bot.services.lifecycle;
  const mark = d.fake.calls.length;
  // The trials were made on Saturday 14 (UTC-12 date) and lapse on the 24th at 00:00 UTC; the reminder is 48h before.
  clock.set('2026-11-22T00:05:00Z');
  await d.rec.step(
    group,
    'Reminder, 48 hours before the lapse: in the notice thread (mentions L&R) and to the requester',
    async () => {
      await lifecycle().kick();
    },
  );
  const reminders = d.fake.calls
    .slice(mark)
    .filter(
      (c) =>
        c.method === 'chat.postMessage' &&
        c.response?.ok &&
        JSON.stringify(c.args.blocks ?? []).includes('license_needs_lr'),
    );
  const inThread = reminders.filter((c) => c.args.channel === LICENSING_CHANNEL);
  const inDm = reminders.filter((c) => String(c.response.channel).startsWith('D'));
  const message = (c: (typeof reminders)[number]) => ({ ...(c.response.message as JsonObject), ts: c.response.ts });
  if (inDm[0])
    await d.rec.step(group, '"Resolved" pressed in the DM: recorded, the notice says Resolved', async () => {
      await d.clickMessage(message(inDm[0]), inDm[0].response.channel as string, 'license_resolved', 'U0ENGINEER');
    });
  if (inThread[1])
    await d.rec.step(group, '"Needs L&R" pressed in the thread: the L&R team is mentioned', async () => {
      await d.clickMessage(message(inThread[1]), LICENSING_CHANNEL, 'license_needs_lr', 'U0MANAGER');
    });
  clock.set('2026-11-24T00:05:00Z');
  await d.rec.step(group, 'Lapse: the trials not resolved lapse at 00:00 UTC on their expiry date', async () => {
    await lifecycle().kick();
  });
}
