/** Text helpers shared by every layer (no Slack or library imports). */

/** `text` cut to at most `max` characters, the last one an ellipsis when something was cut. */
export function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, Math.max(0, max - 1))}…`;
}
