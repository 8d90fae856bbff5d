/**
 * Escaping of user-supplied text for Slack mrkdwn, in one place. Slack only treats `<...>`
 * sequences as mentions and links, so escaping `&`, `<` and `>` makes `<!channel>`, `<@U1>` and
 * `<https://evil|label>` inert. Bare words like `@here` are defused too (they are not mentions
 * without link_names, which the bot never sets, but a copy-paste elsewhere could revive them).
 */
export function escapeMrkdwn(text: string): string {
  return stripInvisible(text)
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/@(channel|here|everyone)\b/gi, '@\u200b$1');
}

/**
 * Text as the person typed it, from the form Slack sends it in (slash command text, message text):
 * Slack escapes `&`, `<` and `>` as HTML entities, so `&amp;` is decoded last.
 */
export function unescapeSlackText(text: string): string {
  return text.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
}

/**
 * Bidi controls (U+202A–U+202E, U+2066–U+2069, LRM/RLM/ALM) can reverse how a line reads, and
 * zero-width characters hide text or split words a reader (or a search) relies on; neither has a
 * place in what the bot shows. Removed from every piece of user text, at reading and at escaping.
 */
const INVISIBLE = /[\u00AD\u061C\u180E\u200B-\u200F\u202A-\u202E\u2060-\u2064\u2066-\u206F\uFEFF]/g;

export function stripInvisible(text: string): string {
  return text.replace(INVISIBLE, '');
}

/**
 * Look-alikes for the characters that make mrkdwn formatting (bold, italic, strike, code) or an
 * emoji (`:white_check_mark:`): the reader sees the same text, Slack formats none of it.
 */
const FORMATTING: Record<string, string> = { '*': '\u2217', _: '\u02CD', '~': '\u223C', '`': '\u02CB' };

/**
 * Free text a person wrote (e.g. an override justification), shown as a quote of plain text: every
 * line starts with `>` so no line can pass for one of the bot's own, and formatting, emoji codes,
 * mentions and links are inert.
 */
export function quoteUserText(text: string): string {
  const plain = escapeMrkdwn(text.replace(/\r\n?|[\u2028\u2029\u0085\v\f]/g, '\n'))
    .replace(/:(?=[a-z0-9_+'-]+:)/gi, '\uA789')
    .replace(/[*_~`]/g, (c) => FORMATTING[c] ?? c);
  return plain
    .split('\n')
    .map((line) => `>${line.trim() === '' ? '' : ` ${line}`}`)
    .join('\n');
}

/** A link whose URL the bot built or validated itself; the label is escaped. */
export function link(url: string, label?: string): string {
  const safeUrl = url.replace(/[<>|]/g, encodeURIComponent);
  return label ? `<${safeUrl}|${escapeMrkdwn(label).replace(/\|/g, '¦')}>` : `<${safeUrl}>`;
}

export const mentionUser = (userId: string) => (/^[UW][A-Z0-9]+$/.test(userId) ? `<@${userId}>` : escapeMrkdwn(userId));
export const mentionChannel = (channelId: string) =>
  /^[CGD][A-Z0-9]+$/.test(channelId) ? `<#${channelId}>` : escapeMrkdwn(channelId);

/**
 * Slack renders this in each reader's own time zone; the fallback is shown where it cannot.
 * `format` takes Slack's date tokens, e.g. `{ago}` for "in 2 days" relative to the reader's now.
 */
export function slackDate(epochSeconds: number, fallback: string, format = '{date_short_pretty} {time}'): string {
  return `<!date^${Math.floor(epochSeconds)}^${format}|${escapeMrkdwn(fallback)}>`;
}

/** Keeps text within a Block Kit limit, marking the cut (the one truncation helper, shared with the other layers). */
export { truncate } from '../shared/text';

/** Mentions a user group (`<!subteam^S…>`) when the ID looks like one; otherwise plain, inert text. */
export const mentionUserGroup = (groupId: string) =>
  /^S[A-Z0-9]+$/.test(groupId) ? `<!subteam^${groupId}>` : escapeMrkdwn(groupId);
