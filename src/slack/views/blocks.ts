import type { types } from '@slack/bolt';
import { truncate } from '../mrkdwn';

/*
 * Block Kit's own types, as Bolt re-exports them from @slack/types (not a direct dependency of
 * this project): every builder returns one of these, so a view or message goes to the Web API
 * and to `ack()` without a cast, and the compiler checks each field against Slack's schema.
 */
export type KnownBlock = types.KnownBlock;
/** Any block: the base type (a `type` and an optional `block_id`) that the Web API also accepts. */
export type SlackBlock = types.Block;
export type ModalView = types.ModalView;
export type HomeView = types.HomeView;
export type PlainTextElement = types.PlainTextElement;
export type MrkdwnElement = types.MrkdwnElement;
export type PlainTextOption = types.PlainTextOption;
export type HeaderBlock = types.HeaderBlock;
export type SectionBlock = types.SectionBlock;
export type DividerBlock = types.DividerBlock;
export type ContextBlock = types.ContextBlock;
export type ActionsBlock = types.ActionsBlock;
export type ActionsBlockElement = types.ActionsBlockElement;
export type InputBlock = types.InputBlock;
export type InputBlockElement = types.InputBlockElement;
export type RichTextBlock = types.RichTextBlock;
export type Button = types.Button;
export type RadioButtons = types.RadioButtons;
export type Checkboxes = types.Checkboxes;
export type PlainTextInput = types.PlainTextInput;
export type EmailInput = types.EmailInput;
export type Datepicker = types.Datepicker;

/**
 * Block Kit's documented limits, in one place: the builders cut text to them and refuse views
 * that exceed them, and the tests' Block Kit checker (tests/slack/support/block-kit.ts) checks
 * every payload against these same numbers.
 * Sources: https://docs.slack.dev/reference/block-kit/ (blocks, block elements, composition
 * objects), https://docs.slack.dev/reference/views (view object) and chat.postMessage.
 */
export const LIMITS = {
  viewTitle: 24,
  /** A modal's submit and close buttons. */
  viewButton: 24,
  viewBlocks: 100,
  messageBlocks: 50,
  messageText: 40_000,
  privateMetadata: 3000,
  callbackId: 255,
  externalId: 255,
  blockId: 255,
  actionId: 255,
  textObject: 3000,
  sectionText: 3000,
  sectionFields: 10,
  sectionFieldText: 2000,
  headerText: 150,
  contextElements: 10,
  /** The builders' cap on a context element's text: stricter than a text object's own limit. */
  contextElementText: 2000,
  actionsElements: 25,
  inputLabel: 2000,
  inputHint: 2000,
  placeholder: 150,
  buttonText: 75,
  buttonValue: 2000,
  buttonUrl: 3000,
  optionText: 75,
  optionValue: 150,
  optionDescription: 75,
  optionUrl: 3000,
  radioOptions: 10,
  checkboxOptions: 10,
  selectOptions: 100,
  selectOptionGroups: 100,
  optionGroupLabel: 75,
  textInputLength: 3000,
} as const;

export const plainText = (text: string, max: number = LIMITS.sectionText): PlainTextElement => ({
  type: 'plain_text',
  text: truncate(text, max),
});
export const mrkdwn = (text: string, max: number = LIMITS.sectionText): MrkdwnElement => ({
  type: 'mrkdwn',
  text: truncate(text, max),
});

export const header = (text: string): HeaderBlock => ({ type: 'header', text: plainText(text, LIMITS.headerText) });
export const section = (text: string, blockId?: string): SectionBlock => ({
  type: 'section',
  ...(blockId ? { block_id: blockId } : {}),
  text: mrkdwn(text),
});
export const divider = (): DividerBlock => ({ type: 'divider' });
export const context = (...texts: string[]): ContextBlock => ({
  type: 'context',
  elements: texts.slice(0, LIMITS.contextElements).map((text) => mrkdwn(text, LIMITS.contextElementText)),
});

export interface Choice {
  value: string;
  label: string;
  description?: string;
}

export const option = (choice: Choice): PlainTextOption => ({
  text: plainText(choice.label, LIMITS.optionText),
  value: choice.value,
  ...(choice.description ? { description: plainText(choice.description, LIMITS.optionDescription) } : {}),
});

export interface InputOptions {
  blockId: string;
  label: string;
  hint?: string;
  optional?: boolean;
  dispatch?: boolean;
}

export function input(opts: InputOptions, element: InputBlockElement): InputBlock {
  return {
    type: 'input',
    block_id: opts.blockId,
    label: plainText(opts.label, LIMITS.inputLabel),
    ...(opts.hint ? { hint: plainText(opts.hint, LIMITS.inputHint) } : {}),
    // Required is Slack's default: only optional inputs say so (every byte of a view is sent, echoed back and parsed).
    ...(opts.optional ? { optional: true } : {}),
    ...(opts.dispatch ? { dispatch_action: true } : {}),
    element,
  };
}

export function radioButtons(actionId: string, choices: Choice[], selected?: string): RadioButtons {
  const options = choices.map(option);
  const initial = options.find((o) => o.value === selected);
  return { type: 'radio_buttons', action_id: actionId, options, ...(initial ? { initial_option: initial } : {}) };
}

export function checkboxes(actionId: string, choices: Choice[], selected: string[] = []): Checkboxes {
  const options = choices.map(option);
  const initial = options.filter((o) => o.value !== undefined && selected.includes(o.value));
  return { type: 'checkboxes', action_id: actionId, options, ...(initial.length ? { initial_options: initial } : {}) };
}

export function textInput(
  actionId: string,
  opts: { initial?: string; placeholder?: string; maxLength: number; minLength?: number; multiline?: boolean },
): PlainTextInput {
  return {
    type: 'plain_text_input',
    action_id: actionId,
    max_length: opts.maxLength,
    ...(opts.minLength ? { min_length: opts.minLength } : {}),
    ...(opts.multiline ? { multiline: true } : {}),
    // A prefill is cut, not `truncate`d: an ellipsis would put a character in the field the person never typed.
    ...(opts.initial ? { initial_value: opts.initial.slice(0, opts.maxLength) } : {}),
    ...(opts.placeholder ? { placeholder: plainText(opts.placeholder, LIMITS.placeholder) } : {}),
  };
}

export function emailInput(actionId: string, initial?: string): EmailInput {
  return { type: 'email_text_input', action_id: actionId, ...(initial ? { initial_value: initial } : {}) };
}

export function datePicker(actionId: string, initial?: string, placeholder = 'Pick a date'): Datepicker {
  return {
    type: 'datepicker',
    action_id: actionId,
    placeholder: plainText(placeholder, LIMITS.placeholder),
    ...(initial ? { initial_date: initial } : {}),
  };
}

/** The value is data a listener reads back (an ID, a small JSON), never shown: it is not given an ellipsis. */
export function button(text: string, actionId: string, value: string, style?: 'primary' | 'danger'): Button {
  return {
    type: 'button',
    text: plainText(text, LIMITS.buttonText),
    action_id: actionId,
    value: value.slice(0, LIMITS.buttonValue),
    ...(style ? { style } : {}),
  };
}

export const actions = (blockId: string, ...elements: ActionsBlockElement[]): ActionsBlock => ({
  type: 'actions',
  block_id: blockId,
  elements,
});

/** A block of preformatted text (e.g. a license file to copy), shown as typed. */
export const preformatted = (text: string, blockId: string): RichTextBlock => ({
  type: 'rich_text',
  block_id: blockId,
  elements: [{ type: 'rich_text_preformatted', elements: [{ type: 'text', text }] }],
});

export interface ModalOptions {
  callbackId: string;
  title: string;
  submit?: string;
  close?: string;
  blocks: KnownBlock[];
  privateMetadata?: string;
  notifyOnClose?: boolean;
  externalId?: string;
}

export function modal(opts: ModalOptions): ModalView {
  if (opts.blocks.length > LIMITS.viewBlocks)
    throw new RangeError(`view ${opts.callbackId} has ${opts.blocks.length} blocks`);
  if ((opts.privateMetadata ?? '').length > LIMITS.privateMetadata)
    throw new RangeError(`view ${opts.callbackId} private_metadata too long`);
  return {
    type: 'modal',
    callback_id: opts.callbackId,
    title: plainText(opts.title, LIMITS.viewTitle),
    ...(opts.submit ? { submit: plainText(opts.submit, LIMITS.viewButton) } : {}),
    close: plainText(opts.close ?? 'Cancel', LIMITS.viewButton),
    blocks: opts.blocks,
    private_metadata: opts.privateMetadata ?? '',
    ...(opts.notifyOnClose ? { notify_on_close: true } : {}),
    ...(opts.externalId ? { external_id: opts.externalId } : {}),
  };
}
