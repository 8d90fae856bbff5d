/**
 * Zendesk ticket references: a ticket URL on the configured Zendesk host, or a bare ticket
 * number that is expanded to one. Anything else is refused with a reason a person can act on.
 */

export type TicketParse = { ok: true; url: string; number: string } | { ok: false; error: string };

const MAX_TICKET_DIGITS = 12;

const parsedBases = new Map<string, URL>();
function baseUrl(zendeskBaseUrl: string): URL {
  let base = parsedBases.get(zendeskBaseUrl);
  if (!base) parsedBases.set(zendeskBaseUrl, (base = new URL(zendeskBaseUrl)));
  return base;
}

function labelSpellsOut(url: string, label: string): boolean {
  return label === url || label === url.replace(/^https?:\/\//i, '');
}

export function parseTicketReference(raw: string, zendeskBaseUrl: string): TicketParse {
  const base = baseUrl(zendeskBaseUrl);
  const example = `${base.origin}/agent/tickets/123456`;
  let text = raw.trim();
  if (text === '') return { ok: false, error: `Enter the Zendesk ticket URL (${example}) or its number.` };

  // Slack wraps pasted links as <url>; a label (<url|label>) could disguise another host, so it is refused,
  // unless it spells out the link itself: Slack links a URL typed without its scheme as <http://x|x>.
  const wrapped = /^<([^<>|]+)(?:\|([^<>|]+))?>$/.exec(text);
  if (wrapped && (wrapped[2] === undefined || labelSpellsOut(wrapped[1], wrapped[2]))) text = wrapped[1];
  if (/[<>|]/.test(text))
    return { ok: false, error: `That is not a plain ticket link. Paste the ticket URL (${example}) or its number.` };

  const bare = /^#?0*([1-9]\d{0,11})$/.exec(text);
  if (bare) return { ok: true, number: bare[1], url: `${base.origin}/agent/tickets/${bare[1]}` };
  if (/^#?\d+$/.test(text))
    return {
      ok: false,
      error: `That is not a ticket number. Enter the Zendesk ticket URL (${example}) or its number.`,
    };

  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return { ok: false, error: `Enter a Zendesk ticket URL (${example}) or a ticket number.` };
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    return { ok: false, error: `Only ${base.origin} ticket links are accepted.` };
  }
  if (
    url.hostname.toLowerCase() !== base.hostname.toLowerCase() ||
    url.username ||
    url.password ||
    (url.port && url.port !== base.port)
  ) {
    return { ok: false, error: `Only tickets on ${base.host} are accepted (got ${url.host}).` };
  }
  // Zendesk ticket pages: /agent/tickets/<n>, optionally followed by a sub-page such as /events.
  const match = new RegExp(`^/agent/tickets/0*([1-9]\\d{0,${MAX_TICKET_DIGITS - 1}})(?:/[a-z_]+)*/?$`).exec(
    url.pathname,
  );
  if (!match) return { ok: false, error: `That link is not a ticket: expected ${example}.` };
  return { ok: true, number: match[1], url: `${base.origin}/agent/tickets/${match[1]}` };
}
