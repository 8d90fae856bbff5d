/**
 * Builders for what Slack really sends to the app: slash command fields, interactivity payloads
 * (block_actions, view_submission, view_closed, shortcut) and Events API envelopes.
 *
 * Answer modals the way a person does: by what the view shows. Take the view the fake returned
 * (`fake.lastView()` or `call.response.view`: it has the `id`, `hash` and the block_id/action_id Slack
 * fills in), then `stateFromView(view, { 'Ticket link': 'https://...', severity: 'High' })` finds each
 * input by block_id, action_id or label, and picks options by value or visible text.
 *
 * Shapes follow Slack's reference (interaction payloads, view state since the 2020-09 "full state"
 * change: every stateful element of the view is in `state.values`, not only input blocks).
 */
import { randomBytes } from 'node:crypto';
import { DEFAULT_CHANNEL, DEFAULT_USER, FAKE_APP_ID, FAKE_BOT, FAKE_TEAM, VERIFICATION_TOKEN } from './constants';
import type { Json, JsonObject } from './fake-slack';

export type { Json, JsonObject };

export interface UserRef {
  id: string;
  username?: string;
  name?: string;
  teamId?: string;
}
export type UserInput = string | UserRef;

/**
 * What a person enters: text/number for text inputs, an option's value or visible text for selects and
 * radios, a list of those for checkboxes/multi-selects (`true` ticks a single-option checkbox), `YYYY-MM-DD`
 * or a Date (its UTC date) for datepickers, `HH:mm` for timepickers, IDs for user/channel/conversation pickers.
 */
export type AnswerValue = string | number | boolean | Date | null | readonly string[];
export type Answers = Record<string, AnswerValue>;

export interface StateValue {
  type: string;
  [field: string]: Json;
}
export interface ViewState {
  values: Record<string, Record<string, StateValue>>;
}

export interface CommonPayloadOptions {
  user?: UserInput;
  teamId?: string;
  teamDomain?: string;
  apiAppId?: string;
  token?: string;
}

/** Where a response_url points when the test did not give one (nothing listens there: pass `fake.responseUrl()`). */
export const UNSET_RESPONSE_URL = 'http://127.0.0.1:9/response/not-set--pass-fake.responseUrl()';

// ------------------------------------------------------------------ ids

let triggerSeq = 0;

/**
 * A trigger_id like Slack's (`<digits>.<digits>.<hex>`); the first part is the creation time in ms, which FakeSlack
 * uses to expire it after 3 s.
 */
export function newTriggerId(): string {
  triggerSeq += 1;
  return `${Date.now()}.${100000000 + triggerSeq}.${randomBytes(16).toString('hex')}`;
}

/** `1712345678.123456` */
export function newActionTs(): string {
  const micros = Date.now() * 1000 + Math.floor(Math.random() * 1000);
  return `${Math.floor(micros / 1e6)}.${String(micros % 1e6).padStart(6, '0')}`;
}

export function newEventId(): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
  const bytes = randomBytes(10);
  let id = 'Ev';
  for (const b of bytes) id += alphabet[b % alphabet.length];
  return id;
}

function userRef(user: UserInput | undefined): Required<Omit<UserRef, 'teamId'>> & { teamId: string } {
  if (user === undefined) return { ...DEFAULT_USER, teamId: FAKE_TEAM.id };
  if (typeof user === 'string') {
    const username = user === DEFAULT_USER.id ? DEFAULT_USER.username : `user.${user.toLowerCase()}`;
    return { id: user, username, name: username, teamId: FAKE_TEAM.id };
  }
  const username =
    user.username ??
    user.name ??
    (user.id === DEFAULT_USER.id ? DEFAULT_USER.username : `user.${user.id.toLowerCase()}`);
  return { id: user.id, username, name: user.name ?? username, teamId: user.teamId ?? FAKE_TEAM.id };
}

function interactionUser(user: UserInput | undefined): JsonObject {
  const u = userRef(user);
  return { id: u.id, username: u.username, name: u.name, team_id: u.teamId };
}

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function clone<T>(value: T): T {
  return structuredClone(value);
}

// ------------------------------------------------------------------ slash commands

export interface SlashCommandOptions extends CommonPayloadOptions {
  command: string;
  text?: string;
  userId?: string;
  userName?: string;
  triggerId?: string;
  responseUrl?: string;
  channelId?: string;
  channelName?: string;
  enterpriseId?: string;
  enterpriseName?: string;
}

/** The form fields Slack posts for a slash command (all strings, in Slack's order). */
export function slashCommand(options: SlashCommandOptions): Record<string, string> {
  const user = userRef(options.userId ?? options.user);
  const fields: Record<string, string> = {
    token: options.token ?? VERIFICATION_TOKEN,
    team_id: options.teamId ?? FAKE_TEAM.id,
    team_domain: options.teamDomain ?? FAKE_TEAM.domain,
  };
  if (options.enterpriseId !== undefined) {
    fields.enterprise_id = options.enterpriseId;
    fields.enterprise_name = options.enterpriseName ?? 'Enterprise';
  }
  Object.assign(fields, {
    channel_id: options.channelId ?? DEFAULT_CHANNEL.id,
    channel_name: options.channelName ?? (options.channelId?.startsWith('D') ? 'directmessage' : DEFAULT_CHANNEL.name),
    user_id: user.id,
    user_name: options.userName ?? user.username,
    command: options.command.startsWith('/') ? options.command : `/${options.command}`,
    text: options.text ?? '',
    api_app_id: options.apiAppId ?? FAKE_APP_ID,
    is_enterprise_install: 'false',
    response_url: options.responseUrl ?? UNSET_RESPONSE_URL,
    trigger_id: options.triggerId ?? newTriggerId(),
  });
  return fields;
}

// ------------------------------------------------------------------ reading views

const STATEFUL_TYPES = new Set([
  'plain_text_input',
  'email_text_input',
  'url_text_input',
  'number_input',
  'rich_text_input',
  'static_select',
  'multi_static_select',
  'external_select',
  'multi_external_select',
  'users_select',
  'multi_users_select',
  'conversations_select',
  'multi_conversations_select',
  'channels_select',
  'multi_channels_select',
  'radio_buttons',
  'checkboxes',
  'datepicker',
  'timepicker',
  'datetimepicker',
]);

export interface ElementRef {
  blockId: string;
  actionId: string;
  type: string;
  /** Label of the input block (undefined outside input blocks). */
  label?: string;
  isInput: boolean;
  optional: boolean;
  element: JsonObject;
  block: JsonObject;
}

function blocksOf(view: JsonObject): JsonObject[] {
  if (!isObject(view) || !Array.isArray(view.blocks)) throw new Error('payloads: expected a view object with blocks');
  return view.blocks.filter(isObject);
}

/** Every interactive element of the view (buttons and overflow menus too), in display order. */
export function interactiveElements(view: JsonObject): ElementRef[] {
  const refs: ElementRef[] = [];
  blocksOf(view).forEach((block, index) => {
    const elements: JsonObject[] =
      block.type === 'input' && isObject(block.element)
        ? [block.element]
        : block.type === 'actions' && Array.isArray(block.elements)
          ? block.elements.filter(isObject)
          : block.type === 'section' && isObject(block.accessory)
            ? [block.accessory]
            : [];
    for (const element of elements) {
      if (typeof element.type !== 'string' || element.type === 'image') continue;
      if (typeof block.block_id !== 'string' || typeof element.action_id !== 'string') {
        throw new Error(
          `payloads: block #${index} (${block.type}) has no block_id/action_id. Slack fills those in: use the ` +
            `view the fake returned (fake.lastView() or call.response.view), not the one the app sent`,
        );
      }
      refs.push({
        blockId: block.block_id,
        actionId: element.action_id,
        type: element.type,
        label: block.type === 'input' && isObject(block.label) ? String(block.label.text) : undefined,
        isInput: block.type === 'input',
        optional: block.type !== 'input' || block.optional === true,
        element,
        block,
      });
    }
  });
  return refs;
}

/** The elements whose values Slack reports in `view.state.values`. */
export function statefulElements(view: JsonObject): ElementRef[] {
  return interactiveElements(view).filter((r) => STATEFUL_TYPES.has(r.type));
}

function describeRefs(refs: ElementRef[]): string {
  return (
    refs.map((r) => `${r.blockId}/${r.actionId} (${r.type}${r.label ? `, "${r.label}"` : ''})`).join('; ') || '(none)'
  );
}

const norm = (s: string) => s.trim().replace(/\s+/g, ' ').toLowerCase();

/** Find an element by block_id, action_id, `block_id/action_id`, or the input's label (case-insensitive). */
export function findElement(view: JsonObject, key: string, refs: ElementRef[] = interactiveElements(view)): ElementRef {
  const pick = (matches: ElementRef[], how: string): ElementRef | undefined => {
    if (matches.length === 1) return matches[0];
    if (matches.length > 1)
      throw new Error(
        `payloads: "${key}" matches several elements by ${how}: ${describeRefs(matches)}; use block_id/action_id`,
      );
    return undefined;
  };
  const found =
    pick(
      refs.filter((r) => r.blockId === key),
      'block_id',
    ) ??
    pick(
      refs.filter((r) => r.actionId === key),
      'action_id',
    ) ??
    pick(
      refs.filter((r) => `${r.blockId}/${r.actionId}` === key),
      'block_id/action_id',
    ) ??
    pick(
      refs.filter((r) => r.label !== undefined && norm(r.label) === norm(key)),
      'label',
    );
  if (!found)
    throw new Error(
      `payloads: no element "${key}" in view ${String(view.callback_id ?? '')}; it has: ${describeRefs(refs)}`,
    );
  return found;
}

function optionsOf(element: JsonObject): JsonObject[] {
  if (Array.isArray(element.options)) return element.options.filter(isObject);
  if (Array.isArray(element.option_groups))
    return element.option_groups.flatMap((g: Json) =>
      isObject(g) && Array.isArray(g.options) ? g.options.filter(isObject) : [],
    );
  return [];
}

function optionText(option: JsonObject): string {
  return isObject(option.text) ? String(option.text.text) : '';
}

function describeOptions(element: JsonObject): string {
  return optionsOf(element)
    .map((o) => `"${optionText(o)}" (${String(o.value)})`)
    .join(', ');
}

function findOption(ref: ElementRef, answer: string): JsonObject {
  const options = optionsOf(ref.element);
  const found = options.find((o) => o.value === answer) ?? options.find((o) => norm(optionText(o)) === norm(answer));
  if (!found) {
    throw new Error(
      `payloads: ${ref.blockId}/${ref.actionId}${ref.label ? ` ("${ref.label}")` : ''} has no option "${answer}` +
        `"; options: ${describeOptions(ref.element)}`,
    );
  }
  return clone(found);
}

/** The option of a select/radio/checkboxes/overflow whose visible text contains `textContains` (case-insensitive). */
export function optionByText(view: JsonObject, blockId: string, textContains: string): JsonObject {
  const ref = findElement(view, blockId);
  const options = optionsOf(ref.element);
  if (options.length === 0) throw new Error(`payloads: ${ref.blockId}/${ref.actionId} (${ref.type}) has no options`);
  const matches = options.filter((o) => norm(optionText(o)).includes(norm(textContains)));
  if (matches.length === 1) return clone(matches[0]);
  const exact = matches.filter((o) => norm(optionText(o)) === norm(textContains));
  if (exact.length === 1) return clone(exact[0]);
  if (matches.length === 0)
    throw new Error(
      `payloads: no option of ${ref.blockId} shows "${textContains}"; options: ${describeOptions(ref.element)}`,
    );
  throw new Error(
    `payloads: "${textContains}" matches several options of ${ref.blockId}: ` +
      `${matches.map((o) => `"${optionText(o)}"`).join(', ')}`,
  );
}

/**
 * All text a person can read in a view or a list of blocks (titles, labels, sections, options...), one piece per
 * line.
 */
export function textOf(viewOrBlocks: JsonObject | Json[]): string {
  const out: string[] = [];
  const walk = (node: Json) => {
    if (Array.isArray(node)) node.forEach(walk);
    else if (isObject(node)) {
      if ((node.type === 'plain_text' || node.type === 'mrkdwn') && typeof node.text === 'string') out.push(node.text);
      else if (node.type === 'text' && typeof node.text === 'string') out.push(node.text);
      for (const [k, v] of Object.entries(node)) if (k !== 'private_metadata' && k !== 'state') walk(v);
    }
  };
  walk(viewOrBlocks);
  return out.join('\n');
}

// ------------------------------------------------------------------ building state

function toDate(value: AnswerValue, where: string): string {
  if (value instanceof Date) return value.toISOString().slice(0, 10);
  const s = String(value);
  if (
    !/^\d{4}-\d{2}-\d{2}$/.test(s) ||
    Number.isNaN(Date.parse(`${s}T00:00:00Z`)) ||
    new Date(`${s}T00:00:00Z`).toISOString().slice(0, 10) !== s
  ) {
    throw new Error(`payloads: ${where} needs a date as YYYY-MM-DD or a Date, got ${JSON.stringify(value)}`);
  }
  return s;
}

function asList(value: AnswerValue): string[] {
  if (Array.isArray(value)) return value.map(String);
  return [String(value)];
}

function isEmptyState(state: StateValue): boolean {
  const { type: _type, ...rest } = state;
  return Object.values(rest).every(
    (v) => v === null || v === undefined || v === '' || (Array.isArray(v) && v.length === 0),
  );
}

/** The state value an element reports when nobody touched it (its initial_* or empty). */
function initialState(ref: ElementRef): StateValue {
  const el = ref.element;
  const type = ref.type;
  switch (type) {
    case 'plain_text_input':
    case 'email_text_input':
    case 'url_text_input':
    case 'number_input':
      return { type, value: el.initial_value ?? null };
    case 'rich_text_input':
      return { type, rich_text_value: el.initial_value ?? null };
    case 'static_select':
    case 'external_select':
    case 'radio_buttons':
      return { type, selected_option: el.initial_option ?? null };
    case 'multi_static_select':
    case 'multi_external_select':
    case 'checkboxes':
      return { type, selected_options: el.initial_options ?? [] };
    case 'users_select':
      return { type, selected_user: el.initial_user ?? null };
    case 'multi_users_select':
      return { type, selected_users: el.initial_users ?? [] };
    case 'conversations_select':
      return { type, selected_conversation: el.initial_conversation ?? null };
    case 'multi_conversations_select':
      return { type, selected_conversations: el.initial_conversations ?? [] };
    case 'channels_select':
      return { type, selected_channel: el.initial_channel ?? null };
    case 'multi_channels_select':
      return { type, selected_channels: el.initial_channels ?? [] };
    case 'datepicker':
      return { type, selected_date: el.initial_date ?? null };
    case 'timepicker':
      return el.timezone
        ? { type, selected_time: el.initial_time ?? null, timezone: el.timezone }
        : { type, selected_time: el.initial_time ?? null };
    case 'datetimepicker':
      return { type, selected_date_time: el.initial_date_time ?? null };
    default:
      throw new Error(`payloads: ${type} has no state`);
  }
}

/**
 * The state value after a person entered `answer`, with the checks the Slack client makes before it lets them submit.
 */
function answeredState(ref: ElementRef, answer: AnswerValue): StateValue {
  const el = ref.element;
  const type = ref.type;
  const where = `${ref.blockId}/${ref.actionId}${ref.label ? ` ("${ref.label}")` : ''}`;
  if (answer === null) return initialStateCleared(ref);
  switch (type) {
    case 'plain_text_input': {
      const value = String(answer);
      if (value === '') return { type, value: null };
      if (typeof el.min_length === 'number' && value.length < el.min_length)
        throw new Error(`payloads: ${where} needs at least ${el.min_length} characters`);
      if (value.length > (typeof el.max_length === 'number' ? el.max_length : 3000))
        throw new Error(`payloads: ${where} allows at most ${el.max_length ?? 3000} characters`);
      if (value.includes('\n') && el.multiline !== true)
        throw new Error(`payloads: ${where} is a single-line input; a person cannot type a newline`);
      return { type, value };
    }
    case 'email_text_input': {
      const value = String(answer);
      if (value === '') return { type, value: null };
      if (!/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(value))
        throw new Error(`payloads: ${where}: Slack only accepts an email address, got "${value}"`);
      return { type, value };
    }
    case 'url_text_input': {
      const value = String(answer);
      if (value === '') return { type, value: null };
      try {
        new URL(value);
      } catch {
        throw new Error(`payloads: ${where}: Slack only accepts a URL, got "${value}"`);
      }
      return { type, value };
    }
    case 'number_input': {
      const value = String(answer).trim();
      if (value === '') return { type, value: null };
      const decimal = el.is_decimal_allowed === true;
      if (!(decimal ? /^-?\d+(\.\d+)?$/ : /^-?\d+$/).test(value))
        throw new Error(`payloads: ${where} accepts ${decimal ? 'numbers' : 'whole numbers'} only, got "${value}"`);
      if (el.min_value !== undefined && Number(value) < Number(el.min_value))
        throw new Error(`payloads: ${where} minimum is ${el.min_value}`);
      if (el.max_value !== undefined && Number(value) > Number(el.max_value))
        throw new Error(`payloads: ${where} maximum is ${el.max_value}`);
      return { type, value };
    }
    case 'rich_text_input':
      return {
        type,
        rich_text_value: {
          type: 'rich_text',
          elements: [{ type: 'rich_text_section', elements: [{ type: 'text', text: String(answer) }] }],
        },
      };
    case 'static_select':
    case 'radio_buttons':
      if (Array.isArray(answer)) throw new Error(`payloads: ${where} takes one option, got a list`);
      return { type, selected_option: findOption(ref, String(answer)) };
    case 'external_select':
      return {
        type,
        selected_option: { text: { type: 'plain_text', text: String(answer), emoji: true }, value: String(answer) },
      };
    case 'checkboxes':
    case 'multi_static_select': {
      if (typeof answer === 'boolean') {
        const options = optionsOf(el);
        if (options.length !== 1)
          throw new Error(
            `payloads: ${where}: true/false only works for a single checkbox; options: ${describeOptions(el)}`,
          );
        return { type, selected_options: answer ? [clone(options[0])] : [] };
      }
      const selected = asList(answer).map((a) => findOption(ref, a));
      if (typeof el.max_selected_items === 'number' && selected.length > el.max_selected_items)
        throw new Error(`payloads: ${where} allows at most ${el.max_selected_items} choices`);
      return { type, selected_options: selected };
    }
    case 'multi_external_select':
      return {
        type,
        selected_options: asList(answer).map((a) => ({ text: { type: 'plain_text', text: a, emoji: true }, value: a })),
      };
    case 'users_select':
      return { type, selected_user: String(answer) };
    case 'multi_users_select':
      return { type, selected_users: asList(answer) };
    case 'conversations_select':
      return { type, selected_conversation: String(answer) };
    case 'multi_conversations_select':
      return { type, selected_conversations: asList(answer) };
    case 'channels_select':
      return { type, selected_channel: String(answer) };
    case 'multi_channels_select':
      return { type, selected_channels: asList(answer) };
    case 'datepicker':
      return { type, selected_date: toDate(answer, where) };
    case 'timepicker': {
      const value = String(answer);
      if (!/^([01]\d|2[0-3]):[0-5]\d$/.test(value))
        throw new Error(`payloads: ${where} needs a time as HH:mm, got "${value}"`);
      return el.timezone ? { type, selected_time: value, timezone: el.timezone } : { type, selected_time: value };
    }
    case 'datetimepicker': {
      const seconds = answer instanceof Date ? Math.floor(answer.getTime() / 1000) : Number(answer);
      if (!Number.isInteger(seconds)) throw new Error(`payloads: ${where} needs epoch seconds or a Date`);
      return { type, selected_date_time: seconds };
    }
    default:
      throw new Error(`payloads: ${where}: don't know how a ${type} reports state`);
  }
}

function initialStateCleared(ref: ElementRef): StateValue {
  const state = initialState(ref);
  for (const key of Object.keys(state)) {
    if (key === 'type' || key === 'timezone') continue;
    state[key] = Array.isArray(state[key]) ? [] : null;
  }
  return state;
}

export interface StateOptions {
  /**
   * Throw if a required input (input block without `optional: true`) ends up empty: the Slack client would not
   * submit.
   */
  enforceRequired?: boolean;
}

/**
 * `view.state` as Slack reports it after a person filled in `answers`: `values[block_id][action_id]` for every
 * stateful element, typed per element (`value`, `selected_option`, `selected_options`, `selected_date`...).
 * Keys of `answers` are block_id, action_id, `block_id/action_id` or the input's label. Untouched elements
 * report their initial_* value or empty (null / []).
 */
export function stateFromView(view: JsonObject, answers: Answers = {}, options: StateOptions = {}): ViewState {
  const refs = statefulElements(view);
  const answered = new Map<ElementRef, AnswerValue>();
  for (const [key, value] of Object.entries(answers)) {
    const ref = findElement(view, key, interactiveElements(view));
    if (!STATEFUL_TYPES.has(ref.type))
      throw new Error(
        `payloads: "${key}" is a ${ref.type}, which has no value to fill in (use blockActions to click it)`,
      );
    const same = refs.find((r) => r.blockId === ref.blockId && r.actionId === ref.actionId) as ElementRef;
    if (answered.has(same)) throw new Error(`payloads: "${key}" answers ${ref.blockId}/${ref.actionId} a second time`);
    answered.set(same, value);
  }
  const values: ViewState['values'] = {};
  for (const ref of refs) {
    const state = answered.has(ref) ? answeredState(ref, answered.get(ref) as AnswerValue) : clone(initialState(ref));
    if (options.enforceRequired && ref.isInput && !ref.optional && isEmptyState(state)) {
      throw new Error(
        `payloads: "${ref.label ?? ref.blockId}" (${ref.blockId}/${ref.actionId}) is required; the Slack client ` +
          `would not let the person submit without it`,
      );
    }
    (values[ref.blockId] ??= {})[ref.actionId] = state;
  }
  return { values };
}

function viewWithState(view: JsonObject, state: ViewState): JsonObject {
  if (typeof view.id !== 'string' || typeof view.hash !== 'string') {
    throw new Error(
      'payloads: the view has no id/hash; use the view the fake returned (fake.lastView() or call.response.view)',
    );
  }
  return { ...clone(view), state: clone(state) };
}

// ------------------------------------------------------------------ interactions

export interface BlockActionsOptions extends CommonPayloadOptions {
  /** The view (modal or home tab) the person is looking at, as the fake returned it. */
  view: JsonObject;
  actionId: string;
  blockId?: string;
  /**
   * What the person picked/typed in the element (option value or visible text, date, text...). Not needed for
   * buttons.
   */
  value?: AnswerValue;
  /** The rest of the form as filled in so far (goes into `view.state`). */
  answers?: Answers;
  triggerId?: string;
}

/** A `block_actions` payload for a click/selection inside a view (modal or App Home). */
export function blockActions(options: BlockActionsOptions): JsonObject {
  const { view } = options;
  const candidates = interactiveElements(view).filter(
    (r) => r.actionId === options.actionId && (options.blockId === undefined || r.blockId === options.blockId),
  );
  if (candidates.length === 0) {
    throw new Error(
      `payloads: no element with action_id "${options.actionId}"` +
        `${options.blockId ? ` in block ${options.blockId}` : ''}; it has: ` +
        `${describeRefs(interactiveElements(view))}`,
    );
  }
  if (candidates.length > 1)
    throw new Error(
      `payloads: action_id "${options.actionId}" is in several blocks (` +
        `${candidates.map((c) => c.blockId).join(', ')}); pass blockId`,
    );
  const ref = candidates[0];
  const el = ref.element;
  const state = stateFromView(view, options.answers ?? {});
  const action: JsonObject = { type: ref.type, action_id: ref.actionId, block_id: ref.blockId };

  if (ref.type === 'button') {
    action.text = clone(el.text);
    if (el.value !== undefined) action.value = el.value;
    if (el.style !== undefined) action.style = el.style;
    if (el.url !== undefined) action.url = el.url;
  } else if (ref.type === 'overflow') {
    if (options.value === undefined || options.value === null)
      throw new Error(`payloads: pick an option of overflow ${ref.actionId}: ${describeOptions(el)}`);
    action.selected_option = findOption(ref, String(options.value));
  } else if (STATEFUL_TYPES.has(ref.type)) {
    if (options.value === undefined)
      throw new Error(`payloads: blockActions on ${ref.type} ${ref.actionId} needs the value the person picked/typed`);
    const picked = answeredState(ref, options.value);
    (state.values[ref.blockId] ??= {})[ref.actionId] = picked;
    const { type: _type, ...fields } = picked;
    Object.assign(action, fields);
    if (el.placeholder !== undefined) action.placeholder = clone(el.placeholder);
    if (ref.type === 'datepicker' && el.initial_date !== undefined) action.initial_date = el.initial_date;
  } else {
    throw new Error(`payloads: don't know how Slack reports a ${ref.type} action`);
  }
  action.action_ts = newActionTs();

  const viewOut = viewWithState(view, state);
  return {
    type: 'block_actions',
    user: interactionUser(options.user),
    api_app_id: options.apiAppId ?? FAKE_APP_ID,
    token: options.token ?? VERIFICATION_TOKEN,
    container: { type: 'view', view_id: viewOut.id },
    trigger_id: options.triggerId ?? newTriggerId(),
    team: { id: options.teamId ?? FAKE_TEAM.id, domain: options.teamDomain ?? FAKE_TEAM.domain },
    enterprise: null,
    is_enterprise_install: false,
    view: viewOut,
    actions: [action],
  };
}

export interface MessageBlockActionsOptions extends CommonPayloadOptions {
  /** The message as the fake answered chat.postMessage/chat.update (`response.message`, or `fake.getMessage()`). */
  message: JsonObject;
  channelId: string;
  channelName?: string;
  actionId: string;
  blockId?: string;
  value?: AnswerValue;
  responseUrl?: string;
  isEphemeral?: boolean;
  triggerId?: string;
}

/** A `block_actions` payload for a click/selection in a message the bot posted. */
export function messageBlockActions(options: MessageBlockActionsOptions): JsonObject {
  const { message } = options;
  const asView = { blocks: Array.isArray(message.blocks) ? message.blocks : [] };
  const candidates = interactiveElements(asView).filter(
    (r) => r.actionId === options.actionId && (options.blockId === undefined || r.blockId === options.blockId),
  );
  if (candidates.length !== 1) {
    throw new Error(
      `payloads: ${candidates.length === 0 ? 'no' : 'several'} elements with action_id "${options.actionId}" in ` +
        `the message; it has: ${describeRefs(interactiveElements(asView))}`,
    );
  }
  const ref = candidates[0];
  const action: JsonObject = { type: ref.type, action_id: ref.actionId, block_id: ref.blockId };
  const state = stateFromView(asView, {});
  if (ref.type === 'button') {
    action.text = clone(ref.element.text);
    if (ref.element.value !== undefined) action.value = ref.element.value;
    if (ref.element.style !== undefined) action.style = ref.element.style;
  } else if (ref.type === 'overflow') {
    action.selected_option = findOption(ref, String(options.value));
  } else if (STATEFUL_TYPES.has(ref.type)) {
    if (options.value === undefined)
      throw new Error(`payloads: messageBlockActions on ${ref.type} ${ref.actionId} needs the value the person picked`);
    const picked = answeredState(ref, options.value);
    (state.values[ref.blockId] ??= {})[ref.actionId] = picked;
    const { type: _type, ...fields } = picked;
    Object.assign(action, fields);
  } else throw new Error(`payloads: don't know how Slack reports a ${ref.type} action`);
  action.action_ts = newActionTs();
  return {
    type: 'block_actions',
    user: interactionUser(options.user),
    api_app_id: options.apiAppId ?? FAKE_APP_ID,
    token: options.token ?? VERIFICATION_TOKEN,
    container: {
      type: 'message',
      message_ts: message.ts,
      channel_id: options.channelId,
      is_ephemeral: options.isEphemeral ?? false,
    },
    trigger_id: options.triggerId ?? newTriggerId(),
    team: { id: options.teamId ?? FAKE_TEAM.id, domain: options.teamDomain ?? FAKE_TEAM.domain },
    enterprise: null,
    is_enterprise_install: false,
    channel: {
      id: options.channelId,
      name: options.channelName ?? (options.channelId.startsWith('D') ? 'directmessage' : DEFAULT_CHANNEL.name),
    },
    message: clone(message),
    state,
    response_url: options.responseUrl ?? UNSET_RESPONSE_URL,
    actions: [action],
  };
}

export interface ViewSubmissionOptions extends CommonPayloadOptions {
  /** The modal being submitted, as the fake returned it. */
  view: JsonObject;
  /** What the person filled in (see `stateFromView`). */
  values?: Answers;
  /** Or `view.state` exactly as given (the benchmark replays a known state without reading the view). */
  state?: ViewState;
  /** Check required inputs like the Slack client does (default true). */
  enforceRequired?: boolean;
  triggerId?: string;
  /** Only for modals with `response_url_enabled` conversation selects. */
  responseUrls?: { block_id: string; action_id: string; channel_id: string; response_url: string }[];
}

/** A `view_submission` payload: the person pressed the modal's submit button. */
/** A modal opened by an older version of the bot: a callback_id this version no longer knows. */
export function olderVersionModal(): JsonObject {
  return {
    id: 'V0OLDMODAL',
    type: 'modal',
    callback_id: 'star_check_v0',
    title: { type: 'plain_text', text: 'STAR check' },
    submit: { type: 'plain_text', text: 'Next' },
    blocks: [],
    state: { values: {} },
    hash: '1.abc',
  };
}

export function viewSubmission(options: ViewSubmissionOptions): JsonObject {
  if (options.view.type === 'modal' && (options.view.submit === null || options.view.submit === undefined)) {
    throw new Error('payloads: this modal has no submit button, so it cannot be submitted');
  }
  const state =
    options.state ??
    stateFromView(options.view, options.values ?? {}, { enforceRequired: options.enforceRequired ?? true });
  return {
    type: 'view_submission',
    team: { id: options.teamId ?? FAKE_TEAM.id, domain: options.teamDomain ?? FAKE_TEAM.domain },
    user: interactionUser(options.user),
    api_app_id: options.apiAppId ?? FAKE_APP_ID,
    token: options.token ?? VERIFICATION_TOKEN,
    trigger_id: options.triggerId ?? newTriggerId(),
    view: viewWithState(options.view, state),
    response_urls: options.responseUrls ?? [],
    is_enterprise_install: false,
    enterprise: null,
  };
}

export interface ViewClosedOptions extends CommonPayloadOptions {
  view: JsonObject;
  values?: Answers;
  isCleared?: boolean;
}

/** A `view_closed` payload (only sent for views opened with `notify_on_close: true`). */
export function viewClosed(options: ViewClosedOptions): JsonObject {
  return {
    type: 'view_closed',
    team: { id: options.teamId ?? FAKE_TEAM.id, domain: options.teamDomain ?? FAKE_TEAM.domain },
    user: interactionUser(options.user),
    api_app_id: options.apiAppId ?? FAKE_APP_ID,
    token: options.token ?? VERIFICATION_TOKEN,
    view: viewWithState(options.view, stateFromView(options.view, options.values ?? {})),
    is_cleared: options.isCleared ?? false,
    is_enterprise_install: false,
    enterprise: null,
  };
}

export interface GlobalShortcutOptions extends CommonPayloadOptions {
  callbackId: string;
  triggerId?: string;
}

/** A global shortcut (`type: 'shortcut'`) from the lightning-bolt menu. */
export function globalShortcut(options: GlobalShortcutOptions): JsonObject {
  const user = userRef(options.user);
  return {
    type: 'shortcut',
    token: options.token ?? VERIFICATION_TOKEN,
    action_ts: newActionTs(),
    team: { id: options.teamId ?? FAKE_TEAM.id, domain: options.teamDomain ?? FAKE_TEAM.domain },
    user: { id: user.id, username: user.username, team_id: user.teamId },
    is_enterprise_install: false,
    enterprise: null,
    callback_id: options.callbackId,
    trigger_id: options.triggerId ?? newTriggerId(),
  };
}

// ------------------------------------------------------------------ events

export interface EventEnvelopeOptions {
  teamId?: string;
  apiAppId?: string;
  token?: string;
  eventId?: string;
  eventTime?: number;
}

/** Wrap an event in the Events API `event_callback` envelope Slack posts. */
export function eventCallback(event: JsonObject, options: EventEnvelopeOptions = {}): JsonObject {
  const teamId = options.teamId ?? FAKE_TEAM.id;
  return {
    token: options.token ?? VERIFICATION_TOKEN,
    team_id: teamId,
    context_team_id: teamId,
    context_enterprise_id: null,
    api_app_id: options.apiAppId ?? FAKE_APP_ID,
    event,
    type: 'event_callback',
    event_id: options.eventId ?? newEventId(),
    event_time: options.eventTime ?? Math.floor(Date.now() / 1000),
    authorizations: [
      { enterprise_id: null, team_id: teamId, user_id: FAKE_BOT.userId, is_bot: true, is_enterprise_install: false },
    ],
    is_ext_shared_channel: false,
    event_context:
      `4-` + `${Buffer.from(JSON.stringify({ t: teamId, a: options.apiAppId ?? FAKE_APP_ID })).toString('base64url')}`,
  };
}

export interface AppHomeOpenedOptions extends EventEnvelopeOptions {
  user?: UserInput;
  /** The app's DM channel with the user (default D + user id). */
  channelId?: string;
  tab?: 'home' | 'messages';
  /** The published home view, if any (Slack includes it once one was published). */
  view?: JsonObject;
}

/** The `app_home_opened` event, in its envelope. */
export function appHomeOpened(options: AppHomeOpenedOptions = {}): JsonObject {
  const user = userRef(options.user);
  const event: JsonObject = {
    type: 'app_home_opened',
    user: user.id,
    channel: options.channelId ?? `D${user.id.replace(/^[UW]/, '')}`,
    tab: options.tab ?? 'home',
    event_ts: newActionTs(),
  };
  if (options.view) event.view = clone(options.view);
  return eventCallback(event, options);
}

/** The `url_verification` handshake Slack sends when the Request URL is configured. */
export function urlVerification(challenge = randomBytes(16).toString('hex')): JsonObject {
  return { token: VERIFICATION_TOKEN, challenge, type: 'url_verification' };
}
