/**
 * The gallery page: one self-contained HTML file (inline CSS, no script, no font or image from
 * anywhere) that shows each captured screen the way Slack shows Block Kit, grouped by workflow and
 * path, each with a link that opens the same JSON in Block Kit Builder.
 */
import { DateTime } from 'luxon';
import type { Screen } from './capture';
import { escapeHtml, mrkdwnToHtml, plainToHtml, type MrkdwnContext } from './mrkdwn-html';

type Json = any;
type JsonObject = Record<string, Json>;

export interface RenderOptions {
  timeZone: string;
  names: Record<string, string>;
  botName: string;
  /** When the clock of the gallery started (shown in the page header). */
  now: string;
  buildersCalled: string[];
  builderCount: number;
}

const BUILDER_URL = 'https://app.slack.com/block-kit-builder/#';

/** Block Kit Builder takes a modal or home view as it is, a message as `{ blocks }`. */
export function builderJson(screen: Screen): JsonObject {
  if (screen.surface !== 'message') {
    const { type, title, submit, close, blocks, callback_id: callbackId } = screen.payload;
    return Object.fromEntries(
      Object.entries({ type, title, submit, close, callback_id: callbackId, blocks }).filter(
        ([, v]) => v !== undefined && v !== null,
      ),
    );
  }
  const blocks = Array.isArray(screen.payload.blocks)
    ? screen.payload.blocks
    : [{ type: 'section', text: { type: 'mrkdwn', text: String(screen.payload.text ?? '') } }];
  return { blocks };
}

export function builderLink(screen: Screen): string {
  return BUILDER_URL + encodeURIComponent(JSON.stringify(builderJson(screen)));
}

class BlockRenderer {
  constructor(
    private readonly ctx: MrkdwnContext,
    private readonly errors: Record<string, string> = {},
  ) {}

  text(obj: Json): string {
    if (!obj || typeof obj !== 'object') return '';
    if (obj.type === 'mrkdwn') return `<div class="mrkdwn">${mrkdwnToHtml(String(obj.text ?? ''), this.ctx)}</div>`;
    return `<span class="plain">${plainToHtml(String(obj.text ?? ''))}</span>`;
  }

  private field(f: Json): string {
    return `<div class="field">${this.text(f)}</div>`;
  }

  inlineText(obj: Json): string {
    if (!obj || typeof obj !== 'object') return '';
    if (obj.type === 'mrkdwn') return mrkdwnToHtml(String(obj.text ?? ''), this.ctx);
    return plainToHtml(String(obj.text ?? ''));
  }

  blocks(blocks: Json[]): string {
    return blocks.map((b: JsonObject) => this.block(b)).join('\n');
  }

  block(block: JsonObject): string {
    const id = block.block_id ? ` data-block-id="${escapeHtml(String(block.block_id))}"` : '';
    switch (block.type) {
      case 'header':
        return `<div class="blk header"${id}>${plainToHtml(String(block.text?.text ?? ''))}</div>`;
      case 'divider':
        return `<hr class="blk divider"${id}>`;
      case 'section': {
        const fields = Array.isArray(block.fields)
          ? `<div class="fields">${block.fields.map((f: Json) => this.field(f)).join('')}</div>`
          : '';
        const accessory = block.accessory ? `<div class="accessory">${this.element(block.accessory)}</div>` : '';
        const main = `${block.text ? this.text(block.text) : ''}${fields}`;
        return `<div class="blk section"${id}><div class="section-main">${main}</div>${accessory}</div>`;
      }
      case 'context':
        return `<div class="blk context"${id}>${(block.elements ?? [])
          .map((e: Json) =>
            e.type === 'image'
              ? `<span class="img-alt" title="image">[${escapeHtml(String(e.alt_text ?? 'image'))}]</span>`
              : `<span class="ctx-el">${this.inlineText(e)}</span>`,
          )
          .join('')}</div>`;
      case 'actions': {
        const elements = (block.elements ?? []).map((e: Json) => this.element(e)).join('');
        return `<div class="blk actions"${id}>${elements}</div>`;
      }
      case 'input':
        return this.input(block, id);
      case 'rich_text':
        return `<div class="blk rich"${id}>${(block.elements ?? []).map((e: Json) => this.rich(e)).join('')}</div>`;
      case 'image': {
        const alt = escapeHtml(String(block.alt_text ?? ''));
        return `<div class="blk image"${id}><div class="img-alt">[image: ${alt}]</div></div>`;
      }
      default: {
        const type = escapeHtml(String(block.type));
        return `<div class="blk unsupported"${id}>Block type “${type}” is not drawn by the gallery</div>`;
      }
    }
  }

  private input(block: JsonObject, id: string): string {
    const error = block.block_id !== undefined ? this.errors[String(block.block_id)] : undefined;
    const optional = block.optional ? ' <span class="optional">(optional)</span>' : '';
    const hint = block.hint ? `<div class="hint">${this.inlineText(block.hint)}</div>` : '';
    const err = error ? `<div class="field-error">${plainToHtml(error)}</div>` : '';
    return (
      `<div class="blk input${error ? ' has-error' : ''}"${id}>` +
      `<div class="label">${plainToHtml(String(block.label?.text ?? ''))}${optional}</div>` +
      `${this.element(block.element, true)}${err}${hint}</div>`
    );
  }

  element(el: JsonObject, inInput = false): string {
    if (!el || typeof el !== 'object') return '';
    const placeholder = (fallback = '') =>
      el.placeholder ? `<span class="placeholder">${plainToHtml(String(el.placeholder.text ?? ''))}</span>` : fallback;
    switch (el.type) {
      case 'button': {
        const style = el.style === 'primary' ? ' primary' : el.style === 'danger' ? ' danger' : '';
        const link = el.url ? ' ↗' : '';
        return `<span class="btn${style}">${plainToHtml(String(el.text?.text ?? ''))}${link}</span>`;
      }
      case 'plain_text_input':
      case 'email_text_input':
      case 'url_text_input':
      case 'number_input': {
        const value =
          el.initial_value !== undefined && el.initial_value !== ''
            ? escapeHtml(String(el.initial_value))
            : placeholder();
        return `<div class="textbox${el.multiline ? ' multiline' : ''}">${value}</div>`;
      }
      case 'radio_buttons':
      case 'checkboxes': {
        const radio = el.type === 'radio_buttons';
        const selected = new Set<string>(
          radio
            ? el.initial_option
              ? [String(el.initial_option.value)]
              : []
            : (el.initial_options ?? []).map((o: Json) => String(o.value)),
        );
        return `<div class="choices">${(el.options ?? [])
          .map((o: Json) => {
            const on = selected.has(String(o.value));
            const mark = radio ? (on ? '◉' : '○') : on ? '☑' : '☐';
            const desc = o.description ? `<div class="option-desc">${this.inlineText(o.description)}</div>` : '';
            const markHtml = `<span class="mark ${radio ? 'radio' : 'check'}">${mark}</span>`;
            const label = `<div>${this.inlineText(o.text)}${desc}</div>`;
            return `<div class="choice${on ? ' on' : ''}">${markHtml}${label}</div>`;
          })
          .join('')}</div>`;
      }
      case 'datepicker': {
        const value = el.initial_date
          ? escapeHtml(DateTime.fromISO(String(el.initial_date)).toFormat('ccc, LLL d, yyyy'))
          : placeholder('Select a date');
        return `<div class="picker"><span class="cal">📅</span>${value}</div>`;
      }
      case 'timepicker': {
        const time = el.initial_time ? escapeHtml(String(el.initial_time)) : placeholder('Select time');
        return `<div class="picker"><span class="cal">🕒</span>${time}</div>`;
      }
      case 'static_select':
      case 'external_select':
      case 'users_select':
      case 'conversations_select':
      case 'channels_select': {
        const chosen = el.initial_option ? this.inlineText(el.initial_option.text) : placeholder('Select an item');
        return `<div class="select">${chosen}<span class="caret">⌄</span></div>`;
      }
      case 'multi_static_select': {
        const chosen = (el.initial_options ?? [])
          .map((o: Json) => `<span class="chip">${this.inlineText(o.text)}</span>`)
          .join('');
        return `<div class="select">${chosen || placeholder('Select items')}<span class="caret">⌄</span></div>`;
      }
      case 'overflow':
        return `<span class="btn overflow">⋯</span>`;
      case 'image':
        return `<span class="img-alt">[image: ${escapeHtml(String(el.alt_text ?? ''))}]</span>`;
      default: {
        const what = `${inInput ? 'input' : 'element'} “${escapeHtml(String(el.type))}”`;
        return `<span class="unsupported">${what} is not drawn by the gallery</span>`;
      }
    }
  }

  private rich(el: JsonObject): string {
    const inlineEls = (els: Json[]) => (els ?? []).map((e: Json) => this.richInline(e)).join('');
    switch (el.type) {
      case 'rich_text_section':
        return `<div>${inlineEls(el.elements)}</div>`;
      case 'rich_text_preformatted':
        return `<pre class="pre">${inlineEls(el.elements)}</pre>`;
      case 'rich_text_quote':
        return `<blockquote>${inlineEls(el.elements)}</blockquote>`;
      case 'rich_text_list': {
        const tag = el.style === 'ordered' ? 'ol' : 'ul';
        const items = (el.elements ?? []).map((item: Json) => `<li>${inlineEls(item.elements)}</li>`).join('');
        return `<${tag}>${items}</${tag}>`;
      }
      default:
        return `<span class="unsupported">rich text “${escapeHtml(String(el.type))}”</span>`;
    }
  }

  private richInline(e: JsonObject): string {
    let html: string;
    switch (e.type) {
      case 'text':
        html = escapeHtml(String(e.text ?? ''));
        break;
      case 'link':
        html = `<a href="${escapeHtml(String(e.url))}" rel="noreferrer">${escapeHtml(String(e.text ?? e.url))}</a>`;
        break;
      case 'user':
        html = `<span class="mention">@${escapeHtml(this.ctx.names[e.user_id] ?? String(e.user_id))}</span>`;
        break;
      case 'usergroup':
        html = `<span class="mention">@${escapeHtml(this.ctx.names[e.usergroup_id] ?? String(e.usergroup_id))}</span>`;
        break;
      case 'channel':
        html = `<span class="mention">#${escapeHtml(this.ctx.names[e.channel_id] ?? String(e.channel_id))}</span>`;
        break;
      case 'emoji':
        html = plainToHtml(`:${String(e.name)}:`);
        break;
      default:
        html = escapeHtml(String(e.text ?? ''));
    }
    const style = e.style ?? {};
    if (style.code) html = `<code>${html}</code>`;
    if (style.bold) html = `<b>${html}</b>`;
    if (style.italic) html = `<i>${html}</i>`;
    if (style.strike) html = `<s>${html}</s>`;
    return html;
  }
}

function renderModal(screen: Screen, r: BlockRenderer): string {
  const v = screen.payload;
  const title = plainToHtml(String(v.title?.text ?? ''));
  const submit = v.submit ? `<span class="btn primary">${plainToHtml(String(v.submit.text ?? ''))}</span>` : '';
  const close = `<span class="btn">${plainToHtml(String(v.close?.text ?? 'Cancel'))}</span>`;
  return (
    `<div class="modal"><div class="modal-head"><span class="app-icon" aria-hidden="true">LR</span>` +
    `<span class="modal-title">${title}</span><span class="modal-x" aria-hidden="true">×</span></div>` +
    `<div class="modal-body">${r.blocks(v.blocks ?? [])}</div>` +
    `<div class="modal-foot">${close}${submit}</div></div>`
  );
}

function renderHome(screen: Screen, r: BlockRenderer, botName: string): string {
  return (
    `<div class="home"><div class="home-head"><span class="app-icon" aria-hidden="true">LR</span>` +
    `<b>${escapeHtml(botName)}</b><span class="tabs"><span class="tab on">Home</span>` +
    `<span class="tab">Messages</span><span class="tab">About</span></span></div>` +
    `<div class="home-body">${r.blocks(screen.payload.blocks ?? [])}</div></div>`
  );
}

function renderMessage(screen: Screen, r: BlockRenderer, ctx: MrkdwnContext, botName: string): string {
  const p = screen.payload;
  const body =
    Array.isArray(p.blocks) && p.blocks.length > 0
      ? r.blocks(p.blocks)
      : `<div class="mrkdwn">${mrkdwnToHtml(String(p.text ?? ''), ctx)}</div>`;
  const time = DateTime.fromISO(screen.at).setZone(ctx.timeZone).toFormat('h:mm a');
  const file = screen.file
    ? `<div class="file"><span class="file-icon" aria-hidden="true">📄</span>` +
      `<div><b>${escapeHtml(screen.file)}</b><div class="file-kind">File</div></div></div>`
    : '';
  const ephemeral = /ephemeral|only .* sees it|command ack/.test(screen.caption)
    ? `<div class="only-you">👁 Only visible to you</div>`
    : '';
  return (
    `<div class="msg${screen.inThread ? ' thread' : ''}">` +
    `${screen.inThread ? '<div class="thread-label">Reply in thread</div>' : ''}` +
    `<div class="msg-row"><span class="avatar" aria-hidden="true">LR</span><div class="msg-main">` +
    `<div class="msg-meta"><b>${escapeHtml(botName)}</b><span class="app-badge">APP</span>` +
    `<span class="msg-time">${escapeHtml(time)}</span></div>` +
    `${ephemeral}<div class="msg-body">${body}</div>${file}</div></div></div>`
  );
}

export function renderScreen(screen: Screen, opts: RenderOptions): string {
  const ctx: MrkdwnContext = {
    names: opts.names,
    timeZone: opts.timeZone,
    now: DateTime.fromISO(screen.at, { zone: 'utc' }),
  };
  const r = new BlockRenderer(ctx, screen.errors);
  const surface =
    screen.surface === 'modal'
      ? renderModal(screen, r)
      : screen.surface === 'home'
        ? renderHome(screen, r, opts.botName)
        : renderMessage(screen, r, ctx, opts.botName);
  const json = JSON.stringify(builderJson(screen), null, 2);
  const builtBy = screen.builders.length ? `built by ${escapeHtml(screen.builders.join(', '))}` : '';
  const at = DateTime.fromISO(screen.at).setZone(opts.timeZone).toFormat('ccc d LLL yyyy, HH:mm ZZZZ');
  return (
    `<article class="card" id="${escapeHtml(screen.id)}" data-surface="${escapeHtml(screen.surface)}">` +
    `<div class="card-head"><a class="anchor" href="#${escapeHtml(screen.id)}">${escapeHtml(screen.id)}</a>` +
    `<span class="caption">${escapeHtml(screen.caption)}</span><span class="when">${escapeHtml(at)}</span></div>` +
    `<div class="surface">${surface}</div>` +
    `<div class="card-foot"><a class="bkb" href="${escapeHtml(builderLink(screen))}" target="_blank" ` +
    `rel="noreferrer">Open in Block Kit Builder</a>` +
    `<span class="built-by">${builtBy}</span>` +
    `<details><summary>JSON</summary><pre class="json">${escapeHtml(json)}</pre></details></div></article>`
  );
}

const slug = (text: string) =>
  text
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '')
    .slice(0, 60);

export function renderGallery(screens: Screen[], opts: RenderOptions): string {
  const groups = new Map<string, Map<string, Screen[]>>();
  for (const s of screens) {
    const paths = groups.get(s.group) ?? new Map<string, Screen[]>();
    groups.set(s.group, paths);
    paths.set(s.path, [...(paths.get(s.path) ?? []), s]);
  }
  const toc: string[] = [];
  const sections: string[] = [];
  let g = 0;
  for (const [group, paths] of groups) {
    g += 1;
    const gid = `g${g}-${slug(group)}`;
    const count = [...paths.values()].reduce((n, list) => n + list.length, 0);
    toc.push(
      `<li><a href="#${gid}">${escapeHtml(group)}</a> <span class="count">${count}</span><ul>${[...paths.keys()]
        .map((path, i) => `<li><a href="#${gid}-p${i + 1}">${escapeHtml(path)}</a></li>`)
        .join('')}</ul></li>`,
    );
    const body = [...paths.entries()]
      .map(
        ([path, list], i) =>
          `<section class="path" id="${gid}-p${i + 1}"><h3>${escapeHtml(path)}</h3><div class="cards">${list
            .map((s) => renderScreen(s, opts))
            .join('\n')}</div></section>`,
      )
      .join('\n');
    sections.push(`<section class="group" id="${gid}"><h2>${escapeHtml(group)}</h2>${body}</section>`);
  }
  const now = DateTime.fromISO(opts.now).setZone(opts.timeZone).toFormat('cccc d LLLL yyyy, HH:mm ZZZZ');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<title>L&amp;R on-call bot: every screen</title>
<style>${CSS}</style>
</head>
<body>
<header class="top">
<h1>L&amp;R on-call bot: every screen</h1>
<p>${screens.length} screens, made by the bot's own code through a fake Slack (<code>npm run gallery</code>),
with a fixed clock starting ${escapeHtml(now)} and sample data.
Slack date tokens are shown in <b>${escapeHtml(opts.timeZone)}</b> (Slack shows each reader their own zone).
${opts.buildersCalled.length} of ${opts.builderCount} screen builders were called.</p>
<nav><ol class="toc">${toc.join('')}</ol></nav>
</header>
<main>
${sections.join('\n')}
</main>
</body>
</html>
`;
}

const CSS = `
*{box-sizing:border-box}
body{
  margin:0;
  font:15px/1.46668 -apple-system,BlinkMacSystemFont,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;
  color:#1d1c1d;
  background:#f4f4f6;
}
header.top{background:#3f0e40;color:#fff;padding:20px 28px}
header.top h1{margin:0 0 6px;font-size:24px}
header.top p{margin:0 0 10px;max-width:1100px;color:#e8dbe8}
header.top code{background:rgba(255,255,255,.15);color:#fff;border:0}
header.top a{color:#fff}
.toc{columns:2;column-gap:32px;margin:0;padding-left:20px;font-size:13px}
.toc>li{break-inside:avoid;margin-bottom:8px}
.toc ul{margin:2px 0 0;padding-left:16px;color:#d1bfd1}
.toc .count{background:#611f69;border-radius:8px;padding:0 6px;font-size:11px}
main{padding:8px 28px 60px}
h2{margin:36px 0 8px;font-size:22px;border-bottom:2px solid #611f69;padding-bottom:4px}
h3{margin:22px 0 10px;font-size:15px;color:#454245}
.cards{display:flex;flex-wrap:wrap;gap:18px;align-items:flex-start}
.card{
  background:#fff;
  border:1px solid #dddddd;
  border-radius:8px;
  width:560px;
  max-width:100%;
  box-shadow:0 1px 3px rgba(0,0,0,.08);
}
.card-head{
  display:flex;
  gap:8px;
  align-items:baseline;
  padding:8px 12px;
  border-bottom:1px solid #eee;
  font-size:12px;
  color:#616061;
}
.card-head .caption{flex:1;font-weight:600;color:#1d1c1d}
.anchor{color:#1264a3;text-decoration:none;font-family:Menlo,Consolas,monospace}
.surface{padding:12px}
.card-foot{padding:6px 12px 10px;font-size:12px;color:#616061;border-top:1px solid #eee}
.card-foot .bkb{color:#1264a3;font-weight:600;margin-right:10px}
.built-by{display:block;margin:4px 0;font-family:Menlo,Consolas,monospace;font-size:11px;word-break:break-all}
.json{
  max-height:320px;
  overflow:auto;
  font-size:11px;
  background:#f8f8f8;
  border:1px solid #e8e8e8;
  padding:8px;
  white-space:pre-wrap;
  word-break:break-word;
}
.modal{
  border-radius:8px;
  box-shadow:0 0 0 1px rgba(29,28,29,.13),0 18px 48px rgba(0,0,0,.25);
  background:#fff;
  overflow:hidden;
}
.modal-head{display:flex;align-items:center;gap:10px;padding:16px 20px;border-bottom:1px solid #ddd}
.modal-title{flex:1;font-size:20px;font-weight:900}
.modal-x{font-size:24px;color:#616061}
.modal-body{padding:12px 20px 16px}
.modal-foot{display:flex;justify-content:flex-end;gap:10px;padding:14px 20px;border-top:1px solid #ddd}
.app-icon,.avatar{
  display:inline-flex;
  align-items:center;
  justify-content:center;
  width:36px;
  height:36px;
  border-radius:6px;
  background:#e24329;
  color:#fff;
  font-weight:800;
  font-size:13px;
  flex:none;
}
.home{border:1px solid #ddd;border-radius:8px;overflow:hidden}
.home-head{display:flex;align-items:center;gap:10px;padding:10px 16px;border-bottom:1px solid #ddd}
.tabs{margin-left:auto;display:flex;gap:14px;font-size:13px;color:#616061}
.tab.on{color:#1d1c1d;font-weight:700;border-bottom:2px solid #1264a3}
.home-body{padding:8px 16px 16px}
.msg{padding:4px 0}
.msg.thread{border-left:3px solid #e0d6e0;padding-left:10px}
.thread-label{font-size:12px;color:#616061;margin-bottom:4px}
.msg-row{display:flex;gap:8px}
.msg-main{flex:1;min-width:0}
.msg-meta{display:flex;align-items:baseline;gap:6px}
.app-badge{background:#e8e8e8;color:#616061;font-size:10px;font-weight:700;padding:0 3px;border-radius:2px}
.msg-time{color:#616061;font-size:12px}
.only-you{font-size:12px;color:#616061;margin:2px 0}
.file{
  display:flex;
  gap:10px;
  align-items:center;
  margin-top:6px;
  border:1px solid #ddd;
  border-radius:8px;
  padding:8px 12px;
  max-width:360px;
}
.file-icon{font-size:24px}
.file-kind{font-size:12px;color:#616061}
.blk{margin:8px 0}
.header{font-size:18px;font-weight:900;line-height:1.33}
.divider{border:0;border-top:1px solid #ddd;margin:14px 0}
.section{display:flex;gap:12px}
.section-main{flex:1;min-width:0}
.accessory{flex:none}
.fields{display:grid;grid-template-columns:1fr 1fr;gap:8px 16px;margin-top:4px}
.context{display:flex;flex-wrap:wrap;gap:4px 8px;font-size:13px;color:#616061}
.actions{display:flex;flex-wrap:wrap;gap:8px}
.mrkdwn{white-space:normal;word-wrap:break-word}
.mrkdwn b{font-weight:700}
.btn{
  display:inline-block;
  border:1px solid rgba(29,28,29,.3);
  border-radius:4px;
  padding:3px 12px;
  font-weight:700;
  font-size:14px;
  background:#fff;
  color:#1d1c1d;
  white-space:nowrap;
}
.btn.primary{background:#007a5a;border-color:#007a5a;color:#fff}
.btn.danger{background:#e01e5a;border-color:#e01e5a;color:#fff}
.input .label{font-weight:700;margin-bottom:4px}
.optional{font-weight:400;color:#616061}
.hint{font-size:13px;color:#616061;margin-top:4px}
.field-error{font-size:13px;color:#e01e5a;margin-top:4px}
.has-error .textbox,.has-error .picker,.has-error .select{border-color:#e01e5a}
.textbox,.picker,.select{
  border:1px solid rgba(29,28,29,.3);
  border-radius:4px;
  padding:8px 10px;
  min-height:38px;
  background:#fff;
}
.textbox.multiline{min-height:80px}
.placeholder{color:#868686}
.picker{display:inline-flex;gap:8px;align-items:center;min-width:220px}
.select{display:flex;justify-content:space-between;align-items:center}
.caret{color:#616061}
.chip{background:#f0f0f0;border-radius:3px;padding:0 6px;margin-right:4px}
.choices{display:flex;flex-direction:column;gap:6px}
.choice{display:flex;gap:8px;align-items:flex-start}
.mark{font-size:16px;line-height:1.3;color:#616061}
.choice.on .mark{color:#1264a3}
.option-desc{font-size:13px;color:#616061}
code{
  font-family:Monaco,Menlo,Consolas,"Courier New",monospace;
  font-size:12px;
  color:#e01e5a;
  background:#f6f6f6;
  border:1px solid #e1e1e1;
  border-radius:3px;
  padding:1px 3px;
}
.pre{
  font-family:Monaco,Menlo,Consolas,"Courier New",monospace;
  font-size:12px;
  background:#f8f8f8;
  border:1px solid #e1e1e1;
  border-radius:4px;
  padding:8px;
  white-space:pre-wrap;
  word-break:break-all;
  margin:4px 0;
}
blockquote{margin:4px 0;padding-left:12px;border-left:4px solid #ddd}
.mention{background:#e8f5fa;color:#1264a3;border-radius:3px;padding:0 2px;font-weight:500}
.date{color:inherit;border-bottom:1px dotted #868686;text-decoration:none}
a{color:#1264a3}
.img-alt{color:#616061;font-style:italic}
.unsupported{color:#e01e5a;font-weight:700}
.bad-link{color:#1264a3;text-decoration:underline wavy #e01e5a}
`;
