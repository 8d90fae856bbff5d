/**
 * The one checker of Block Kit payloads against Slack's documented limits: the tests call it on every
 * builder's output, and the fake Slack refuses with it what Slack would. It walks the JSON, so any new
 * builder gets the same checks by calling `checkView` / `checkMessage`:
 *
 *   expect(checkView(buildSomething(...))).toEqual([]);
 *
 * Every problem is reported as "<json path>: <what is wrong>". Block and element types the checker
 * does not know are reported too, so a builder that starts using a new type prompts an update here.
 *
 * Sources: https://docs.slack.dev/reference/block-kit/ (blocks, block elements, composition
 * objects) and https://docs.slack.dev/reference/views (view object).
 */

import { LIMITS } from '../src/slack/views/blocks';

type Json = unknown;
type Obj = Record<string, unknown>;

/** The same limits the builders respect, defined once beside them. */
const L = LIMITS;

const isObj = (v: Json): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: Json): string | undefined => (typeof v === 'string' ? v : undefined);

/** Block types the checker knows how to check. */
const BLOCK_TYPES = new Set(['section', 'header', 'divider', 'context', 'actions', 'input', 'rich_text']);
/** The containers of a rich_text block, and the inline elements they hold. */
const RICH_TEXT_CONTAINERS = new Set([
  'rich_text_section',
  'rich_text_list',
  'rich_text_preformatted',
  'rich_text_quote',
]);
const RICH_TEXT_INLINE = new Set([
  'text',
  'link',
  'emoji',
  'user',
  'channel',
  'usergroup',
  'date',
  'broadcast',
  'color',
]);
/** Elements allowed in an input block. */
const INPUT_ELEMENTS = new Set([
  'plain_text_input',
  'email_text_input',
  'url_text_input',
  'number_input',
  'radio_buttons',
  'checkboxes',
  'static_select',
  'multi_static_select',
  'datepicker',
  'timepicker',
  'datetimepicker',
  'users_select',
  'conversations_select',
  'channels_select',
]);
/** Elements allowed in an actions block / section accessory. */
const INTERACTIVE_ELEMENTS = new Set([
  'button',
  'static_select',
  'radio_buttons',
  'checkboxes',
  'datepicker',
  'overflow',
  'users_select',
]);

class Checker {
  readonly problems: string[] = [];
  private readonly blockIds = new Map<string, string>();
  private readonly viewActionIds = new Map<string, string>();

  /**
   * `botRules`: also the rules this bot keeps beyond Slack's (every text input says its max_length); the
   * fake Slack checks Slack's rules only.
   */
  constructor(
    private readonly actionIdsUniqueInView: boolean,
    private readonly botRules = true,
  ) {}

  problem(path: string, message: string): void {
    this.problems.push(`${path}: ${message}`);
  }

  maxLen(path: string, value: Json, max: number, what = 'text'): void {
    const s = str(value);
    if (s !== undefined && s.length > max) this.problem(path, `${what} is ${s.length} characters (max ${max})`);
  }

  /** A composition text object; `plainOnly` where Slack accepts plain_text only. */
  text(path: string, value: Json, max: number, opts: { plainOnly?: boolean; required?: boolean } = {}): void {
    if (value === undefined) {
      if (opts.required) this.problem(path, 'missing text object');
      return;
    }
    if (!isObj(value)) return this.problem(path, 'text object is not an object');
    if (value.type !== 'plain_text' && value.type !== 'mrkdwn')
      this.problem(path, `text object type "${String(value.type)}"`);
    if (opts.plainOnly && value.type !== 'plain_text') this.problem(path, 'must be a plain_text object');
    const text = str(value.text);
    if (text === undefined) return this.problem(`${path}.text`, 'text missing');
    if (text.length === 0) this.problem(`${path}.text`, 'text is empty (min 1 character)');
    if (text.length > max) this.problem(`${path}.text`, `text is ${text.length} characters (max ${max})`);
    if (this.botRules) {
      // Slack shows plain_text literally (labels, hints, field errors, options, buttons): `*bold*` there
      // is asterisks on the screen.
      const bold = value.type === 'plain_text' ? plainTextBold(text) : undefined;
      if (bold) this.problem(`${path}.text`, `mrkdwn bold markup in plain_text (shown literally): ${bold}`);
      // In mrkdwn, `<…>` is a link, mention or date to Slack: anything else is read as a link (or vanishes).
      const unknown = value.type === 'mrkdwn' ? unknownControlSequences(text) : [];
      if (unknown.length > 0)
        this.problem(`${path}.text`, `"<…>" that Slack reads as a link, not text: ${unknown.join(' ')}`);
    }
    if ('emoji' in value && value.type !== 'plain_text') this.problem(path, '"emoji" is only allowed on plain_text');
    if ('verbatim' in value && value.type !== 'mrkdwn') this.problem(path, '"verbatim" is only allowed on mrkdwn');
  }

  actionId(path: string, element: Obj, blockActionIds: Set<string>): void {
    const id = element.action_id;
    if (id === undefined) return;
    if (typeof id !== 'string' || id.length === 0)
      return this.problem(`${path}.action_id`, 'action_id must be a non-empty string');
    this.maxLen(`${path}.action_id`, id, L.actionId, 'action_id');
    if (blockActionIds.has(id)) this.problem(`${path}.action_id`, `action_id "${id}" repeated within its block`);
    blockActionIds.add(id);
    if (this.actionIdsUniqueInView) {
      const first = this.viewActionIds.get(id);
      if (first && first !== path) this.problem(`${path}.action_id`, `action_id "${id}" also used at ${first}`);
      else this.viewActionIds.set(id, path);
    }
  }

  option(path: string, option: Json, opts: { plainOnly: boolean }): void {
    if (!isObj(option)) return this.problem(path, 'option is not an object');
    this.text(`${path}.text`, option.text, L.optionText, { plainOnly: opts.plainOnly, required: true });
    if (typeof option.value !== 'string' || option.value.length === 0)
      this.problem(`${path}.value`, 'option value missing');
    this.maxLen(`${path}.value`, option.value, L.optionValue, 'option value');
    if (option.description !== undefined)
      this.text(`${path}.description`, option.description, L.optionDescription, { plainOnly: true });
    this.maxLen(`${path}.url`, option.url, L.optionUrl, 'option url');
  }

  options(path: string, options: Json, max: number, opts: { plainOnly: boolean }): Obj[] {
    if (!Array.isArray(options)) {
      this.problem(path, 'options must be an array');
      return [];
    }
    if (options.length === 0) this.problem(path, 'no options');
    if (options.length > max) this.problem(path, `${options.length} options (max ${max})`);
    const values = new Set<string>();
    options.forEach((o, i) => {
      this.option(`${path}[${i}]`, o, opts);
      const v = isObj(o) ? str(o.value) : undefined;
      if (v !== undefined) {
        if (values.has(v)) this.problem(`${path}[${i}].value`, `option value "${v}" repeated`);
        values.add(v);
      }
    });
    return options.filter(isObj);
  }

  /** initial_option(s) must be identical to one of the options, or Slack rejects the view. */
  initial(path: string, initial: Json, options: Obj[]): void {
    if (initial === undefined) return;
    const list = Array.isArray(initial) ? initial : [initial];
    list.forEach((o, i) => {
      const p = Array.isArray(initial) ? `${path}[${i}]` : path;
      if (!options.some((candidate) => JSON.stringify(candidate) === JSON.stringify(o)))
        this.problem(p, 'initial option is not one of the options');
    });
  }

  placeholder(path: string, element: Obj): void {
    if (element.placeholder !== undefined)
      this.text(`${path}.placeholder`, element.placeholder, L.placeholder, { plainOnly: true });
  }

  element(path: string, element: Json, where: 'input' | 'interactive', blockActionIds: Set<string>): void {
    if (!isObj(element)) return this.problem(path, 'element is not an object');
    const type = str(element.type) ?? '';
    const allowed = where === 'input' ? INPUT_ELEMENTS : INTERACTIVE_ELEMENTS;
    if (!allowed.has(type))
      return this.problem(
        path,
        `element type "${type}" not allowed (or not known to the checker) in ` +
          `${where === 'input' ? 'an input block' : 'an actions block/accessory'}`,
      );
    this.actionId(path, element, blockActionIds);
    switch (type) {
      case 'button': {
        this.text(`${path}.text`, element.text, L.buttonText, { plainOnly: true, required: true });
        this.maxLen(`${path}.value`, element.value, L.buttonValue, 'button value');
        this.maxLen(`${path}.url`, element.url, L.buttonUrl, 'button url');
        if (element.style !== undefined && element.style !== 'primary' && element.style !== 'danger')
          // eslint-disable-next-line @typescript-eslint/no-base-to-string -- shows whatever JSON value the view holds
          this.problem(`${path}.style`, `style "${String(element.style)}"`);
        break;
      }
      case 'plain_text_input': {
        const max = element.max_length;
        const min = element.min_length;
        if (typeof max !== 'number') {
          if (this.botRules) this.problem(path, 'plain_text_input has no max_length');
        } else if (!Number.isInteger(max) || max < 1 || max > L.textInputLength)
          this.problem(`${path}.max_length`, `max_length ${max} (1..${L.textInputLength})`);
        if (min !== undefined) {
          if (typeof min !== 'number' || !Number.isInteger(min) || min < 0 || min > L.textInputLength)
            // eslint-disable-next-line @typescript-eslint/no-base-to-string -- shows whatever JSON value the view holds
            this.problem(`${path}.min_length`, `min_length ${String(min)} (0..${L.textInputLength})`);
          else if (typeof max === 'number' && min > max)
            this.problem(`${path}.min_length`, `min_length ${min} > max_length ${max}`);
        }
        if (element.initial_value !== undefined && typeof max === 'number')
          this.maxLen(`${path}.initial_value`, element.initial_value, max, 'initial_value');
        this.placeholder(path, element);
        break;
      }
      case 'email_text_input':
      case 'url_text_input':
      case 'number_input':
        this.placeholder(path, element);
        break;
      case 'radio_buttons': {
        const options = this.options(`${path}.options`, element.options, L.radioOptions, { plainOnly: false });
        this.initial(`${path}.initial_option`, element.initial_option, options);
        break;
      }
      case 'checkboxes': {
        const options = this.options(`${path}.options`, element.options, L.checkboxOptions, { plainOnly: false });
        this.initial(`${path}.initial_options`, element.initial_options, options);
        break;
      }
      case 'static_select':
      case 'multi_static_select': {
        this.placeholder(path, element);
        let all: Obj[] = [];
        if (element.options !== undefined && element.option_groups !== undefined)
          this.problem(path, 'both options and option_groups');
        if (element.options !== undefined)
          all = this.options(`${path}.options`, element.options, L.selectOptions, { plainOnly: true });
        else if (Array.isArray(element.option_groups)) {
          if (element.option_groups.length > L.selectOptionGroups)
            this.problem(
              `${path}.option_groups`,
              `${element.option_groups.length} groups (max ${L.selectOptionGroups})`,
            );
          element.option_groups.forEach((group, g) => {
            const gp = `${path}.option_groups[${g}]`;
            if (!isObj(group)) return this.problem(gp, 'group is not an object');
            this.text(`${gp}.label`, group.label, L.optionGroupLabel, { plainOnly: true, required: true });
            all = all.concat(this.options(`${gp}.options`, group.options, L.selectOptions, { plainOnly: true }));
          });
        } else this.problem(path, 'select without options or option_groups');
        this.initial(`${path}.initial_option`, element.initial_option, all);
        if (element.initial_options !== undefined)
          this.initial(`${path}.initial_options`, element.initial_options, all);
        break;
      }
      case 'datepicker': {
        this.placeholder(path, element);
        const d = element.initial_date;
        if (
          d !== undefined &&
          (typeof d !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(d) || Number.isNaN(Date.parse(`${d}T00:00:00Z`)))
        ) {
          // eslint-disable-next-line @typescript-eslint/no-base-to-string -- shows whatever JSON value the view holds
          this.problem(`${path}.initial_date`, `initial_date "${String(d)}" is not YYYY-MM-DD`);
        }
        break;
      }
      default:
        this.placeholder(path, element);
    }
  }

  block(path: string, block: Json, surface: 'modal' | 'home' | 'message'): void {
    if (!isObj(block)) return this.problem(path, 'block is not an object');
    const type = str(block.type) ?? '';
    if (!BLOCK_TYPES.has(type)) return this.problem(path, `block type "${type}" not known to the checker`);
    if (block.block_id !== undefined) {
      const id = block.block_id;
      if (typeof id !== 'string' || id.length === 0)
        this.problem(`${path}.block_id`, 'block_id must be a non-empty string');
      else {
        this.maxLen(`${path}.block_id`, id, L.blockId, 'block_id');
        const first = this.blockIds.get(id);
        if (first) this.problem(`${path}.block_id`, `block_id "${id}" also used at ${first}`);
        else this.blockIds.set(id, path);
      }
    }
    const actionIds = new Set<string>();
    switch (type) {
      case 'section': {
        if (block.text === undefined && block.fields === undefined) this.problem(path, 'section needs text or fields');
        if (block.text !== undefined) this.text(`${path}.text`, block.text, L.sectionText);
        if (block.fields !== undefined) {
          if (!Array.isArray(block.fields)) this.problem(`${path}.fields`, 'fields must be an array');
          else {
            if (block.fields.length > L.sectionFields)
              this.problem(`${path}.fields`, `${block.fields.length} fields (max ${L.sectionFields})`);
            block.fields.forEach((f, i) => this.text(`${path}.fields[${i}]`, f, L.sectionFieldText));
          }
        }
        if (block.accessory !== undefined) this.element(`${path}.accessory`, block.accessory, 'interactive', actionIds);
        break;
      }
      case 'header':
        this.text(`${path}.text`, block.text, L.headerText, { plainOnly: true, required: true });
        break;
      case 'divider':
        break;
      case 'context': {
        const elements = block.elements;
        if (!Array.isArray(elements) || elements.length === 0)
          return this.problem(`${path}.elements`, `context needs 1..${L.contextElements} elements`);
        if (elements.length > L.contextElements)
          this.problem(`${path}.elements`, `${elements.length} elements (max ${L.contextElements})`);
        elements.forEach((e, i) => {
          if (isObj(e) && e.type === 'image') return;
          this.text(`${path}.elements[${i}]`, e, L.textObject);
        });
        break;
      }
      case 'actions': {
        const elements = block.elements;
        if (!Array.isArray(elements) || elements.length === 0)
          return this.problem(`${path}.elements`, `actions needs 1..${L.actionsElements} elements`);
        if (elements.length > L.actionsElements)
          this.problem(`${path}.elements`, `${elements.length} elements (max ${L.actionsElements})`);
        elements.forEach((e, i) => this.element(`${path}.elements[${i}]`, e, 'interactive', actionIds));
        break;
      }
      case 'rich_text':
        this.richText(path, block.elements);
        break;
      case 'input': {
        if (surface === 'message') this.problem(path, 'input blocks are not allowed in messages');
        this.text(`${path}.label`, block.label, L.inputLabel, { plainOnly: true, required: true });
        if (block.hint !== undefined) this.text(`${path}.hint`, block.hint, L.inputHint, { plainOnly: true });
        if (block.optional !== undefined && typeof block.optional !== 'boolean')
          this.problem(`${path}.optional`, 'must be a boolean');
        if (block.dispatch_action !== undefined && typeof block.dispatch_action !== 'boolean')
          this.problem(`${path}.dispatch_action`, 'must be a boolean');
        if (block.element === undefined) this.problem(path, 'input block has no element');
        else this.element(`${path}.element`, block.element, 'input', actionIds);
        break;
      }
    }
  }

  /** A rich_text block's containers; Slack documents no length limit for its text. */
  richText(path: string, containers: Json, inList = false): void {
    if (!Array.isArray(containers) || containers.length === 0)
      return this.problem(`${path}.elements`, 'rich_text needs at least one element');
    containers.forEach((container, i) => {
      const p = `${path}.elements[${i}]`;
      if (!isObj(container)) return this.problem(p, 'element is not an object');
      const type = str(container.type) ?? '';
      if (inList ? type !== 'rich_text_section' : !RICH_TEXT_CONTAINERS.has(type))
        return this.problem(p, `"${type}" not allowed ${inList ? 'in a rich_text_list' : 'in a rich_text block'}`);
      if (type === 'rich_text_list') {
        if (container.style !== 'bullet' && container.style !== 'ordered')
          this.problem(`${p}.style`, 'a list is "bullet" or "ordered"');
        return this.richText(p, container.elements, true);
      }
      if (!Array.isArray(container.elements)) return this.problem(`${p}.elements`, 'elements must be an array');
      container.elements.forEach((inline, j) => {
        const q = `${p}.elements[${j}]`;
        if (!isObj(inline) || !RICH_TEXT_INLINE.has(str(inline.type) ?? ''))
          return this.problem(q, 'not a rich text element');
        if (inline.type === 'text' && typeof inline.text !== 'string') this.problem(`${q}.text`, 'text missing');
        if (inline.type === 'link' && typeof inline.url !== 'string') this.problem(`${q}.url`, 'url missing');
      });
    });
  }

  blocks(path: string, blocks: Json, max: number, surface: 'modal' | 'home' | 'message'): void {
    if (!Array.isArray(blocks)) return this.problem(path, 'blocks must be an array');
    if (blocks.length > max) this.problem(path, `${blocks.length} blocks (max ${max})`);
    blocks.forEach((b, i) => this.block(`${path}[${i}]`, b, surface));
  }
}

/** A modal or App Home view (views.open / views.update / views.push / views.publish). */
export function checkView(view: Json, { botRules = true }: { botRules?: boolean } = {}): string[] {
  const c = new Checker(true, botRules);
  if (!isObj(view)) return ['view: not an object'];
  if (view.type === 'modal') {
    c.text('title', view.title, L.viewTitle, { plainOnly: true, required: true });
    if (view.submit !== undefined) c.text('submit', view.submit, L.viewButton, { plainOnly: true });
    if (view.close !== undefined) c.text('close', view.close, L.viewButton, { plainOnly: true });
    const hasInput = Array.isArray(view.blocks) && view.blocks.some((b) => isObj(b) && b.type === 'input');
    if (hasInput && view.submit === undefined) c.problem('submit', 'a modal with input blocks needs a submit button');
  } else if (view.type !== 'home') {
    c.problem('type', `view type "${String(view.type)}"`);
  }
  c.maxLen('private_metadata', view.private_metadata, L.privateMetadata, 'private_metadata');
  c.maxLen('callback_id', view.callback_id, L.callbackId, 'callback_id');
  c.maxLen('external_id', view.external_id, L.externalId, 'external_id');
  c.blocks('blocks', view.blocks, L.viewBlocks, view.type === 'home' ? 'home' : 'modal');
  return c.problems;
}

/**
 * A message (chat.postMessage / chat.update / respond / ack). Slack documents action_id
 * uniqueness per block; messages may repeat a routed action_id (e.g. one "Retry" per request)
 * in different blocks, so only the per-block rule is applied here.
 */
export function checkMessage(message: Json): string[] {
  const c = new Checker(false);
  if (!isObj(message)) return ['message: not an object'];
  const text = str(message.text);
  if (text === undefined || text.length === 0) c.problem('text', 'fallback text missing');
  else c.maxLen('text', text, L.messageText, 'text');
  if (message.blocks !== undefined) c.blocks('blocks', message.blocks, L.messageBlocks, 'message');
  return c.problems;
}

/** Only the blocks of a message, when it has any (the fake Slack checks chat.postMessage/update with this). */
export function checkMessageBlocks(blocks: Json): string[] {
  const c = new Checker(false, false);
  if (blocks !== undefined) c.blocks('blocks', blocks, L.messageBlocks, 'message');
  return c.problems;
}

/** Every `text` string of every text object in the payload, plus a message's fallback `text`. */
export function allTexts(payload: Json): { path: string; text: string }[] {
  const out: { path: string; text: string }[] = [];
  const walk = (node: Json, path: string): void => {
    if (Array.isArray(node)) return node.forEach((n, i) => walk(n, `${path}[${i}]`));
    if (!isObj(node)) return;
    if ((node.type === 'plain_text' || node.type === 'mrkdwn') && typeof node.text === 'string')
      out.push({ path: `${path}.text`, text: node.text });
    for (const [key, value] of Object.entries(node)) {
      if (key === 'text' && typeof value === 'string' && node.type !== 'plain_text' && node.type !== 'mrkdwn')
        out.push({ path: `${path}.text`, text: value });
      else walk(value, path ? `${path}.${key}` : key);
    }
  };
  walk(payload, '');
  return out;
}

/** Every mrkdwn string (section/context text objects and a message's fallback text). */
export function mrkdwnTexts(payload: Json): { path: string; text: string }[] {
  const out: { path: string; text: string }[] = [];
  const walk = (node: Json, path: string): void => {
    if (Array.isArray(node)) return node.forEach((n, i) => walk(n, `${path}[${i}]`));
    if (!isObj(node)) return;
    if (node.type === 'mrkdwn' && typeof node.text === 'string') out.push({ path: `${path}.text`, text: node.text });
    for (const [key, value] of Object.entries(node)) {
      if (key === 'text' && typeof value === 'string' && node.type !== 'plain_text' && node.type !== 'mrkdwn')
        out.push({ path: `${path}.text`, text: value });
      else walk(value, path ? `${path}.${key}` : key);
    }
  };
  walk(payload, '');
  return out;
}

/**
 * Whether a mrkdwn string has a `<` control sequence that is never closed, or nested in another
 * (e.g. a link or mention cut in half by truncation). A bare `>` (as in "Admin -> Dashboard") is
 * tolerated: Slack renders it as text.
 */
export function unbalancedAngles(text: string): boolean {
  let open = false;
  for (const ch of text) {
    if (ch === '<') {
      if (open) return true;
      open = true;
    } else if (ch === '>') {
      open = false;
    }
  }
  return open;
}

/** The first `*bold*` of a plain_text string (Slack shows the asterisks), or undefined. */
export function plainTextBold(text: string): string | undefined {
  return /(^|[\s(“"'])\*[^\s*][^*\n]*?\*(?=$|[\s.,;:!?)”"'])/.exec(text)?.[0].trim();
}

/**
 * The `<…>` sequences of a mrkdwn string that are not one of Slack's: a link (`<https://…>`,
 * `<mailto:…>`), a mention (`<@U…>`, `<#C…>`, `<!subteam^S…>`, `<!here>`…) or a date (`<!date^…>`).
 * Slack reads any other one (`<ticket or email>`) as a link: text meant literally must be `&lt; &gt;`.
 */
export function unknownControlSequences(text: string): string[] {
  const known =
    /^<(https?:\/\/[^\s<>]+|mailto:[^\s<>]+|[@#][UWCGB][A-Z0-9]+(\|[^<>]*)?|!subteam\^[A-Z0-9]+(\|[^<>]*)?|!date\^[^<>]+|!(here|channel|everyone)(\|[^<>]*)?)>$/;
  return (text.match(/<[^<>]*>/g) ?? []).filter((token) => !known.test(token));
}
