/**
 * What the gallery records: each screen the bot showed through the fake Slack (views opened, pushed,
 * updated or published, messages posted, updated, uploaded or answered through a response_url, and the
 * views and field errors a submission's ack carries), labelled with the workflow and path that made it.
 */
import { performance } from 'node:perf_hooks';
import type { BotUnderTest } from '../testkit/bot-under-test';
import type { JsonObject, RecordedCall, RecordedResponse } from '../testkit/fake-slack';
import type { BuilderRecorder } from './builders';

export type Surface = 'modal' | 'home' | 'message';

export interface Screen {
  /** Stable anchor, e.g. `s12`. */
  id: string;
  /** The workflow, e.g. "/star-check: verdicts". */
  group: string;
  /** The path within it, e.g. "Plan/License → trial → sales-assisted → expires in > 24h". */
  path: string;
  /** How Slack got it: "views.open", "chat.update in #support_licensing-subscription", ... */
  caption: string;
  surface: Surface;
  /** Exactly what the bot sent (a view, or `{ text, blocks }` of a message). */
  payload: JsonObject;
  /** Field errors of a `response_action: errors` ack, shown under their inputs. */
  errors?: Record<string, string>;
  /** A file that came with the message. */
  file?: string;
  /** Message in a thread (the notice's replies). */
  inThread?: boolean;
  /** The gallery clock when the screen was shown: relative times (`{ago}`, "today") are read from it. */
  at: string;
  /** Screen builders (src/slack/views, src/slack/messages) the real code called during this step. */
  builders: string[];
}

interface Pending {
  at: number;
  screen: Omit<Screen, 'id' | 'group' | 'path' | 'builders' | 'at'>;
}

export interface StepContext {
  /**
   * Records the view or field errors a view_submission ack carried (not a Web API call, so the fake does
   * not see it).
   */
  ack(caption: string, body: JsonObject, submitted: JsonObject, answers?: Record<string, unknown>): void;
  /** Records an ephemeral answer carried by a command's ack. */
  ephemeral(caption: string, body: JsonObject): void;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export class ScreenRecorder {
  readonly screens: Screen[] = [];
  /** Person or channel names for captions, by Slack ID. */
  private readonly dmOwners = new Map<string, string>();
  private readonly noticeTs = new Set<string>();

  constructor(
    private readonly bot: () => BotUnderTest,
    private readonly builders: BuilderRecorder,
    private readonly names: { licensingChannel: string; channelName: string; people: Record<string, string> },
  ) {}

  /** Runs one step of a workflow and keeps every screen it produced, in the order Slack saw them. */
  async step(
    group: string,
    path: string,
    run: (ctx: StepContext) => Promise<void>,
    keep: (screen: Screen) => boolean = () => true,
  ): Promise<void> {
    const fake = this.bot().fake;
    const callMark = fake.calls.length;
    const responseMark = fake.responses.length;
    const builderMark = this.builders.calls.length;
    const explicit: Pending[] = [];
    const ctx: StepContext = {
      ack: (caption, body, submitted, answers = {}) => {
        if (body.response_action === 'errors')
          explicit.push({
            at: performance.now(),
            screen: {
              caption,
              surface: 'modal',
              // Slack keeps what the person typed while it shows the errors: so does the gallery.
              payload: withAnswers(stripViewState(submitted), answers),
              errors: body.errors as Record<string, string>,
            },
          });
        else if (body.response_action === 'update' || body.response_action === 'push')
          explicit.push({
            at: performance.now(),
            screen: { caption, surface: 'modal', payload: body.view as JsonObject },
          });
      },
      ephemeral: (caption, body) =>
        explicit.push({
          at: performance.now(),
          screen: { caption, surface: 'message', payload: messagePayload(body) },
        }),
    };
    await run(ctx);
    await this.settle();
    const fromCalls = fake.calls.slice(callMark).flatMap((call) => this.fromCall(call));
    const fromResponses = fake.responses.slice(responseMark).flatMap((r) => this.fromResponse(r));
    const all = [...fromCalls, ...fromResponses, ...explicit].sort((a, b) => a.at - b.at);
    const builders = [...new Set(this.builders.calls.slice(builderMark).map((c) => c.builder))].sort();
    if (all.length === 0) throw new Error(`gallery: "${group} / ${path}" showed nothing`);
    // The fixed clock (see clock.ts): the instant the step ended.
    const at = new Date().toISOString();
    for (const { screen } of all) {
      const full = { id: `s${this.screens.length + 1}`, group, path, builders, at, ...screen };
      if (keep(full)) this.screens.push(full);
    }
  }

  /** Waits until the bot has stopped calling Slack (audit posts go through an outbox, a little later). */
  async settle(quietMs = 350, maxMs = 8000): Promise<void> {
    const fake = this.bot().fake;
    const started = performance.now();
    let seen = -1;
    let quietSince = performance.now();
    while (performance.now() - started < maxMs) {
      const count = fake.calls.length + fake.responses.length;
      const backlog = await this.bot().bot.services.store.outbox.backlog();
      if (count !== seen || backlog > 0) {
        seen = count;
        quietSince = performance.now();
      } else if (performance.now() - quietSince >= quietMs) return;
      await sleep(25);
    }
  }

  private person(id: unknown): string {
    return this.names.people[String(id)] ?? String(id);
  }

  private where(channel: string, threadTs?: unknown): string {
    if (channel === this.names.licensingChannel)
      return `#${this.names.channelName}${threadTs ? ' (thread reply)' : ''}`;
    if (channel.startsWith('D')) return `DM to ${this.dmOwners.get(channel) ?? channel}`;
    return channel;
  }

  private fromCall(call: RecordedCall): Pending[] {
    const ok = call.status === 200 && call.response?.ok === true;
    const args = call.args;
    if (call.method === 'conversations.open' && ok && typeof args.users === 'string') {
      const id = (call.response.channel as JsonObject).id as string;
      this.dmOwners.set(id, this.names.people[args.users] ?? args.users);
    }
    if (!ok) return [];
    const at = call.receivedAt;
    switch (call.method) {
      case 'views.open':
      case 'views.push':
      case 'views.update':
        return [{ at, screen: { caption: call.method, surface: 'modal', payload: args.view as JsonObject } }];
      case 'views.publish':
        return [
          {
            at,
            screen: {
              caption: `views.publish: App Home of ${this.person(args.user_id)}`,
              surface: 'home',
              payload: args.view as JsonObject,
            },
          },
        ];
      case 'chat.postMessage': {
        const channel = call.response.channel as string;
        if (channel === this.names.licensingChannel && !args.thread_ts) this.noticeTs.add(call.response.ts as string);
        return [
          {
            at,
            screen: {
              caption: `chat.postMessage: ${this.where(channel, args.thread_ts)}`,
              surface: 'message',
              payload: messagePayload(args),
              inThread: Boolean(args.thread_ts),
            },
          },
        ];
      }
      case 'chat.update':
        return [
          {
            at,
            screen: {
              caption: `chat.update: ${this.where(call.response.channel as string)} (the message is replaced)`,
              surface: 'message',
              payload: messagePayload(args),
            },
          },
        ];
      case 'chat.postEphemeral':
        return [
          {
            at,
            screen: {
              caption: `chat.postEphemeral: only ${this.person(args.user)} sees it`,
              surface: 'message',
              payload: messagePayload(args),
            },
          },
        ];
      case 'files.completeUploadExternal': {
        const files = (call.response.files as JsonObject[]) ?? [];
        const channel = typeof args.channel_id === 'string' ? args.channel_id : '';
        return [
          {
            at,
            screen: {
              caption: `file upload: ${this.where(channel, args.thread_ts)}`,
              surface: 'message',
              payload: messagePayload({ text: args.initial_comment ?? '', blocks: args.blocks }),
              file: files.map((f) => String(f.name)).join(', '),
              inThread: Boolean(args.thread_ts),
            },
          },
        ];
      }
      default:
        return [];
    }
  }

  private fromResponse(response: RecordedResponse): Pending[] {
    if (response.status !== 200) return [];
    const body = response.body;
    const how = body.replace_original ? 'replaces the message' : body.delete_original ? 'deletes it' : 'ephemeral';
    return [
      {
        at: response.receivedAt,
        screen: { caption: `response_url (${how})`, surface: 'message', payload: messagePayload(body) },
      },
    ];
  }
}

/** The parts of a message Slack shows (and Block Kit Builder takes). */
function messagePayload(args: JsonObject): JsonObject {
  const out: JsonObject = {};
  if (typeof args.text === 'string') out.text = args.text;
  if (Array.isArray(args.blocks)) out.blocks = args.blocks;
  return out;
}

/** A view as the bot sent it: without the state, ids and hashes Slack added. */
function stripViewState(view: JsonObject): JsonObject {
  const keep = ['type', 'callback_id', 'title', 'submit', 'close', 'blocks', 'private_metadata', 'notify_on_close'];
  return Object.fromEntries(Object.entries(view).filter(([k, v]) => keep.includes(k) && v !== null && v !== undefined));
}

/** The view with the person's answers as initial values, the way Slack shows it with field errors. */
function withAnswers(view: JsonObject, answers: Record<string, unknown>): JsonObject {
  const blocks = ((view.blocks as JsonObject[]) ?? []).map((block) => {
    if (block.type !== 'input' || !(String(block.block_id) in answers)) return block;
    const answer = answers[String(block.block_id)];
    const element = { ...(block.element as JsonObject) };
    const options = (element.options as JsonObject[] | undefined) ?? [];
    const pick = (value: unknown) => options.find((o) => o.value === value);
    switch (element.type) {
      case 'radio_buttons':
      case 'static_select':
        if (pick(answer)) element.initial_option = pick(answer);
        break;
      case 'checkboxes':
        element.initial_options = (Array.isArray(answer) ? answer : [answer]).map(pick).filter(Boolean);
        break;
      case 'datepicker':
        element.initial_date = String(answer);
        break;
      default:
        element.initial_value = String(answer);
    }
    return { ...block, element };
  });
  return { ...view, blocks };
}
