/**
 * Slack `mrkdwn` → HTML, the way Slack's clients show it: *bold*, _italics_, ~strike~, `code`,
 * ```preformatted```, > quotes, links `<url|label>`, mentions of people, groups and channels shown as
 * names, `<!date^…>` in a chosen time zone, and the emoji the bot uses. Everything that is not markup
 * is HTML-escaped.
 */
import { DateTime } from 'luxon';

export interface MrkdwnContext {
  /** Display names by Slack ID (users `U…`, groups `S…`, channels `C…`). */
  names: Record<string, string>;
  /** IANA zone `<!date>` is shown in (Slack shows it in the reader's zone). */
  timeZone: string;
  /** "Now" for `{ago}` and `{date_pretty}`. */
  now: DateTime;
}

const EMOJI: Record<string, string> = {
  warning: '⚠️',
  white_check_mark: '✅',
  no_entry: '⛔',
  no_entry_sign: '🚫',
  information_source: 'ℹ️',
  hourglass_flowing_sand: '⏳',
  hourglass: '⌛',
  sos: '🆘',
  x: '❌',
  calendar: '📆',
  rotating_light: '🚨',
  mag: '🔍',
  inbox_tray: '📥',
  grey_question: '❔',
  clipboard: '📋',
  alarm_clock: '⏰',
  tada: '🎉',
  sparkles: '✨',
  point_up: '☝️',
  point_down: '👇',
  key: '🔑',
  books: '📚',
  memo: '📝',
  lock: '🔒',
  bell: '🔔',
  email: '📧',
  envelope: '✉️',
  eyes: '👀',
  heavy_check_mark: '✔️',
  red_circle: '🔴',
  large_green_circle: '🟢',
  large_yellow_circle: '🟡',
  arrows_counterclockwise: '🔄',
  repeat: '🔁',
  bar_chart: '📊',
  label: '🏷️',
  bust_in_silhouette: '👤',
  busts_in_silhouette: '👥',
  link: '🔗',
  page_facing_up: '📄',
  scroll: '📜',
  wave: '👋',
  thinking_face: '🤔',
  stopwatch: '⏱️',
  spiral_calendar_pad: '🗓️',
  date: '📅',
  gear: '⚙️',
  robot_face: '🤖',
  zap: '⚡',
  fire: '🔥',
  ticket: '🎫',
};

export function escapeHtml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

/** Slack's own escapes in message text: `&amp;`, `&lt;`, `&gt;` stand for the characters. */
function unescapeSlack(text: string): string {
  return text.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
}

/** Plain text (plain_text objects, with `emoji: true`): escaped, emoji codes shown as emoji. */
export function plainToHtml(text: string): string {
  return escapeHtml(text).replace(/:([a-z0-9_+-]+):/g, (whole, name: string) => EMOJI[name] ?? whole);
}

const ordinal = (n: number) => {
  const s = ['th', 'st', 'nd', 'rd'];
  const v = n % 100;
  return `${n}${s[(v - 20) % 10] ?? s[v] ?? s[0]}`;
};

/** `<!date^seconds^format^link|fallback>` as Slack's clients show it to a reader in `ctx.timeZone`. */
export function slackDateText(epochSeconds: number, format: string, ctx: MrkdwnContext): string {
  const at = DateTime.fromSeconds(epochSeconds, { zone: ctx.timeZone });
  const now = ctx.now.setZone(ctx.timeZone);
  const dayDiff = Math.round(at.startOf('day').diff(now.startOf('day'), 'days').days);
  const pretty = (fallback: string) =>
    dayDiff === 0 ? 'Today' : dayDiff === -1 ? 'Yesterday' : dayDiff === 1 ? 'Tomorrow' : fallback;
  const date = `${at.toFormat('LLLL')} ${ordinal(at.day)}, ${at.year}`;
  const dateShort = at.toFormat('LLL d, yyyy');
  const dateLong = `${at.toFormat('cccc')}, ${date}`;
  const tokens: Record<string, string> = {
    date_num: at.toFormat('yyyy-LL-dd'),
    date,
    date_short: dateShort,
    date_long: dateLong,
    date_pretty: pretty(date),
    date_short_pretty: pretty(dateShort),
    date_long_pretty: pretty(dateLong),
    time: at.toFormat('h:mm a'),
    time_secs: at.toFormat('h:mm:ss a'),
    ago: agoText(at, now),
  };
  return format.replace(/\{([a-z_]+)\}/g, (whole, token: string) => tokens[token] ?? whole);
}

/** Slack's `{ago}`: "3 minutes ago", "in 2 hours", "just now". */
function agoText(at: DateTime, now: DateTime): string {
  const seconds = at.diff(now, 'seconds').seconds;
  if (Math.abs(seconds) < 60) return 'just now';
  return at.toRelative({ base: now, round: true }) ?? '';
}

/** One `<…>` token of mrkdwn as HTML. */
function angleToken(inner: string, ctx: MrkdwnContext): string {
  const [target, ...rest] = inner.split('|');
  const label = rest.length > 0 ? rest.join('|') : undefined;
  const name = (id: string) => ctx.names[id];
  if (target.startsWith('@')) {
    const id = target.slice(1);
    return `<span class="mention">@${escapeHtml(name(id) ?? label ?? id)}</span>`;
  }
  if (target.startsWith('#')) {
    const id = target.slice(1);
    return `<span class="mention">#${escapeHtml(name(id) ?? label ?? id)}</span>`;
  }
  if (target.startsWith('!subteam^')) {
    const id = target.slice('!subteam^'.length);
    const handle = name(id) ?? label?.replace(/^@/, '') ?? id;
    return `<span class="mention">@${escapeHtml(handle)}</span>`;
  }
  if (target.startsWith('!date^')) {
    const [, seconds, format, link] = target.split('^');
    const text = Number.isFinite(Number(seconds))
      ? slackDateText(Number(seconds), format ?? '{date_short}', ctx)
      : (label ?? target);
    const title = `shown in ${ctx.timeZone}; Slack shows each reader their own time zone`;
    return link
      ? `<a class="date" href="${escapeHtml(link)}" title="${escapeHtml(title)}">${escapeHtml(text)}</a>`
      : `<time class="date" title="${escapeHtml(title)}">${escapeHtml(text)}</time>`;
  }
  if (target.startsWith('!')) {
    const special = target.slice(1);
    return `<span class="mention">@${escapeHtml(label ?? special)}</span>`;
  }
  const href = unescapeSlack(target);
  const shown = label !== undefined ? label : href;
  // The label is mrkdwn text of its own (Slack formats bold/italics inside it); a nested render is enough.
  const text = inline(unescapeSlack(shown), ctx, false);
  if (!/^(https?:|mailto:)/i.test(href)) {
    // Slack reads any <…> as a link or mention: one with no URL in it is a slip in the bot's text, shown as such.
    const why = 'Slack reads <…> as a link: this one has no URL (escape < and > as &lt; &gt;)';
    return `<span class="bad-link" title="${escapeHtml(why)}">${text}</span>`;
  }
  return `<a href="${escapeHtml(href)}" rel="noreferrer">${text}</a>`;
}

const PH_OPEN = '\uE000';
const PH_CLOSE = '\uE001';

/** Inline mrkdwn of one line/paragraph (no code fences, no quotes). */
function inline(text: string, ctx: MrkdwnContext, tokens = true): string {
  const atoms: string[] = [];
  const hold = (html: string) => `${PH_OPEN}${atoms.push(html) - 1}${PH_CLOSE}`;
  let work = text;
  // `code` first: nothing inside it is markup.
  work = work.replace(/`([^`\n]+)`/g, (_m, code: string) => hold(`<code>${escapeHtml(unescapeSlack(code))}</code>`));
  if (tokens) work = work.replace(/<([^<>\n]+)>/g, (_m, inner: string) => hold(angleToken(inner, ctx)));
  work = escapeHtml(unescapeSlack(work));
  const edge = `(^|[\\s(\\[{"'${PH_CLOSE}*_~-])`;
  const after = `(?=$|[\\s).,;:!?'"\\]}${PH_OPEN}*_~-])`;
  const wrap = (marker: string, tag: string) => {
    const m = marker === '*' ? '\\*' : marker;
    const pattern = new RegExp(`${edge}${m}([^\\s${m}](?:[^${m}\\n]*?[^\\s${m}])?)${m}${after}`, 'g');
    work = work.replace(pattern, (_all, lead: string, body: string) => `${lead}<${tag}>${body}</${tag}>`);
  };
  wrap('*', 'b');
  wrap('_', 'i');
  wrap('~', 's');
  work = work.replace(/:([a-z0-9_+-]+):/g, (whole, name: string) => EMOJI[name] ?? whole);
  return work.replace(new RegExp(`${PH_OPEN}(\\d+)${PH_CLOSE}`, 'g'), (_m, i: string) => atoms[Number(i)]);
}

/** A whole mrkdwn text as HTML: code fences, quotes, then inline markup; line breaks kept. */
export function mrkdwnToHtml(text: string, ctx: MrkdwnContext): string {
  const parts = text.split(/```/);
  const out: string[] = [];
  parts.forEach((part, index) => {
    if (index % 2 === 1) {
      out.push(`<pre class="pre">${escapeHtml(unescapeSlack(part.replace(/^\n/, '')))}</pre>`);
      return;
    }
    const lines = part.split('\n');
    let quote: string[] = [];
    const flushQuote = () => {
      if (quote.length) out.push(`<blockquote>${quote.join('<br>')}</blockquote>`);
      quote = [];
    };
    const plain: string[] = [];
    const flushPlain = () => {
      if (plain.length) out.push(plain.join('<br>'));
      plain.length = 0;
    };
    for (const line of lines) {
      const quoted = /^(&gt;|>)\s?(.*)$/.exec(line);
      if (quoted) {
        flushPlain();
        quote.push(inline(quoted[2], ctx));
      } else {
        flushQuote();
        plain.push(inline(line, ctx));
      }
    }
    flushQuote();
    flushPlain();
  });
  return out.join('');
}
