import { truncate } from '../mrkdwn';

/** Block Kit's documented limits that the builders must respect. */
export const LIMITS = {
  viewTitle: 24,
  viewButton: 24,
  viewBlocks: 100,
  messageBlocks: 50,
  sectionText: 3000,
  contextElementText: 2000,
  headerText: 150,
  optionText: 75,
  optionValue: 150,
  privateMetadata: 3000,
  inputLabel: 2000,
  inputHint: 2000,
  buttonText: 75,
  buttonValue: 2000,
  messageText: 40000,
} as const;

export type Block = Record<string, unknown>;

export const plainText = (text: string, max: number = LIMITS.sectionText) => ({ type: 'plain_text' as const, text: truncate(text, max) });
export const mrkdwn = (text: string) => ({ type: 'mrkdwn' as const, text: truncate(text, LIMITS.sectionText) });

export const header = (text: string): Block => ({ type: 'header', text: plainText(text, LIMITS.headerText) });
export const section = (text: string, blockId?: string): Block => ({ type: 'section', ...(blockId ? { block_id: blockId } : {}), text: mrkdwn(text) });
export const divider = (): Block => ({ type: 'divider' });
export const context = (...texts: string[]): Block => ({
  type: 'context',
  elements: texts.slice(0, 10).map((text) => ({ type: 'mrkdwn', text: truncate(text, LIMITS.contextElementText) })),
});

export interface Choice {
  value: string;
  label: string;
  description?: string;
}

export const option = (choice: Choice) => ({
  text: plainText(choice.label, LIMITS.optionText),
  value: choice.value,
  ...(choice.description ? { description: plainText(choice.description, LIMITS.optionText) } : {}),
});

export interface InputOptions {
  blockId: string;
  label: string;
  hint?: string;
  optional?: boolean;
  dispatch?: boolean;
}

export function input(opts: InputOptions, element: Record<string, unknown>): Block {
  return {
    type: 'input',
    block_id: opts.blockId,
    label: plainText(opts.label, LIMITS.inputLabel),
    ...(opts.hint ? { hint: plainText(opts.hint, LIMITS.inputHint) } : {}),
    optional: opts.optional ?? false,
    ...(opts.dispatch ? { dispatch_action: true } : {}),
    element,
  };
}

export function radioButtons(actionId: string, choices: Choice[], selected?: string): Record<string, unknown> {
  const options = choices.map(option);
  const initial = options.find((o) => o.value === selected);
  return { type: 'radio_buttons', action_id: actionId, options, ...(initial ? { initial_option: initial } : {}) };
}

export function staticSelect(actionId: string, placeholder: string, choices: Choice[], selected?: string): Record<string, unknown> {
  const options = choices.map(option);
  const initial = options.find((o) => o.value === selected);
  return {
    type: 'static_select',
    action_id: actionId,
    placeholder: plainText(placeholder, 150),
    options,
    ...(initial ? { initial_option: initial } : {}),
  };
}

export function checkboxes(actionId: string, choices: Choice[], selected: string[] = []): Record<string, unknown> {
  const options = choices.map(option);
  const initial = options.filter((o) => selected.includes(o.value));
  return { type: 'checkboxes', action_id: actionId, options, ...(initial.length ? { initial_options: initial } : {}) };
}

export function textInput(
  actionId: string,
  opts: { initial?: string; placeholder?: string; maxLength: number; minLength?: number; multiline?: boolean },
): Record<string, unknown> {
  return {
    type: 'plain_text_input',
    action_id: actionId,
    max_length: opts.maxLength,
    ...(opts.minLength ? { min_length: opts.minLength } : {}),
    ...(opts.multiline ? { multiline: true } : {}),
    ...(opts.initial ? { initial_value: opts.initial.slice(0, opts.maxLength) } : {}),
    ...(opts.placeholder ? { placeholder: plainText(opts.placeholder, 150) } : {}),
  };
}

export function datePicker(actionId: string, initial?: string, placeholder = 'Pick a date'): Record<string, unknown> {
  return { type: 'datepicker', action_id: actionId, placeholder: plainText(placeholder, 150), ...(initial ? { initial_date: initial } : {}) };
}

export function button(text: string, actionId: string, value: string, style?: 'primary' | 'danger'): Record<string, unknown> {
  return { type: 'button', text: plainText(text, LIMITS.buttonText), action_id: actionId, value: value.slice(0, LIMITS.buttonValue), ...(style ? { style } : {}) };
}

export const actions = (blockId: string, ...elements: Record<string, unknown>[]): Block => ({ type: 'actions', block_id: blockId, elements });

export interface ModalOptions {
  callbackId: string;
  title: string;
  submit?: string;
  close?: string;
  blocks: Block[];
  privateMetadata?: string;
  notifyOnClose?: boolean;
  externalId?: string;
}

export function modal(opts: ModalOptions) {
  if (opts.blocks.length > LIMITS.viewBlocks) throw new RangeError(`view ${opts.callbackId} has ${opts.blocks.length} blocks`);
  if ((opts.privateMetadata ?? '').length > LIMITS.privateMetadata) throw new RangeError(`view ${opts.callbackId} private_metadata too long`);
  return {
    type: 'modal' as const,
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

export type ModalView = ReturnType<typeof modal>;
