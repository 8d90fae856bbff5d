/**
 * Escaping of user-supplied text for Slack mrkdwn, in one place. Slack only treats `<...>`
 * sequences as mentions and links, so escaping `&`, `<` and `>` makes `<!channel>`, `<@U1>` and
 * `<https://evil|label>` inert. Bare words like `@here` are defused too (they are not mentions
 * without link_names, which the bot never sets, but a copy-paste elsewhere could revive them).
 */
export function escapeMrkdwn(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/@(channel|here|everyone)\b/gi, '@\u200b$1');
}

/** A link whose URL the bot built or validated itself; the label is escaped. */
export function link(url: string, label?: string): string {
  const safeUrl = url.replace(/[<>|]/g, encodeURIComponent);
  return label ? `<${safeUrl}|${escapeMrkdwn(label).replace(/\|/g, '¦')}>` : `<${safeUrl}>`;
}

export const mentionUser = (userId: string) => (/^[UW][A-Z0-9]+$/.test(userId) ? `<@${userId}>` : escapeMrkdwn(userId));
export const mentionChannel = (channelId: string) => (/^[CGD][A-Z0-9]+$/.test(channelId) ? `<#${channelId}>` : escapeMrkdwn(channelId));

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
export const mentionUserGroup = (groupId: string) => (/^S[A-Z0-9]+$/.test(groupId) ? `<!subteam^${groupId}>` : escapeMrkdwn(groupId));
