import type { WebClient } from '@slack/web-api';
import pino from 'pino';
import type { OutboxDispatcher } from '../../src/audit/outbox-dispatcher';
import { decideStar } from '../../src/policy/star-decision';
import { buildLicenseNotice } from '../../src/slack/messages/license-notice';
import { buildLicenseStatusMessage } from '../../src/slack/messages/license-status';
import { buildStarAuditMessage } from '../../src/slack/messages/star-audit';
import { truncate as sharedTruncate } from '../../src/shared/text';
import { mrkdwn, plainText } from '../../src/slack/views/blocks';
import {
  escapeMrkdwn,
  link,
  mentionChannel,
  mentionUser,
  quoteUserText,
  slackDate,
  stripInvisible,
  truncate,
} from '../../src/slack/mrkdwn';
import { SlackLicenseNotifier } from '../../src/slack/slack-license-notifier';
import {
  buildLicenseStatusView,
  buildOutOfScopeView,
  buildReissueConfirmView,
} from '../../src/slack/views/emergency-license-modal';
import { buildStarCheckModal } from '../../src/slack/views/star-check-modal';
import { allTexts, mrkdwnTexts } from '../../testkit/block-kit';
import {
  allScopeCombinations,
  emergencyRequest,
  ENGINEER,
  EXPIRATION_DATES,
  LICENSING_CHANNEL,
  long,
  NOW,
  record,
  STATUSES,
  TICKET_URL,
  type RecordOverrides,
} from './support/fixtures';

/** User text that would ping, disguise a link or mention someone if it reached mrkdwn unescaped. */
const ATTACKS = [
  '<!channel>',
  '<!here>',
  '<!everyone>',
  '@everyone',
  '@here',
  '@channel',
  '<https://evil.example|gitlab.zendesk.com>',
  '<http://evil.example>',
  '<@U123>',
  '<#C999>',
  '<!subteam^S0BADGROUP>',
  '<!date^1700000000^{date}|x>',
  '&amp;',
  '&lt;!channel&gt;',
  '*bold* _it_ `code` ~strike~',
];
const ALL_ATTACKS = ATTACKS.join(' ');
const SAFE_REFERENCE = 'https://gitlab.example.com/licensing/requests/-/issues/42';

/** The `<...>` sequences a builder may emit itself for these fixtures. */
const BUILT_TOKENS: RegExp[] = [
  new RegExp(`^<${TICKET_URL.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}>$`),
  new RegExp(`^<${SAFE_REFERENCE.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}>$`),
  new RegExp(`^<@${ENGINEER}>$`),
  new RegExp(`^<#${LICENSING_CHANNEL}>$`),
  /^<!date\^\d+\^\{date_short_pretty\} \{time\}\|[^<>|]*>$/,
];

/** Undoes quoteUserText's look-alikes and line quotes, to compare with what the person typed. */
const LOOKALIKES: Record<string, string> = {
  '\u2217': '*',
  '\u02CD': '_',
  '\u223C': '~',
  '\u02CB': '`',
  '\uA789': ':',
};
const decode = (text: string): string =>
  text
    .replace(/[\u2217\u02CD\u223C\u02CB\uA789]/g, (c) => LOOKALIKES[c])
    .replace(/(^|\n)> ?/g, '$1')
    .replace(/\u200b/g, '')
    .replace(/&(amp|lt|gt);/g, (_, name: string) => ({ amp: '&', lt: '<', gt: '>' })[name] as string);

/**
 * Every way user text could escape into Slack markup, for every mrkdwn text of a payload (section
 * and context texts, a message's fallback text). plain_text is shown literally by Slack.
 */
function unsafeTexts(payload: unknown, allowed: RegExp[] = BUILT_TOKENS): string[] {
  const problems: string[] = [];
  for (const { path, text } of mrkdwnTexts(payload)) {
    const tokens = text.match(/<[^<>]*>/g) ?? [];
    for (const token of tokens) {
      if (!allowed.some((re) => re.test(token))) problems.push(`${path}: control sequence we did not build: ${token}`);
    }
    // A `>` that starts a line is the quote markup the bot builds around free text (quoteUserText).
    const rest = tokens.reduce((t, token) => t.replace(token, ''), text).replace(/(^|\n)>( |$)/gm, '$1');
    if (/</.test(rest))
      problems.push(
        `${path}: raw "<" in ${JSON.stringify(rest.slice(rest.indexOf('<') - 20, rest.indexOf('<') + 40))}`,
      );
    if (/<!/.test(rest)) problems.push(`${path}: special mention`);
    if (/(^|[^-])>/.test(rest))
      problems.push(
        `${path}: raw ">" in ` +
          `${JSON.stringify(rest.slice(rest.search(/(^|[^-])>/) - 20, rest.search(/(^|[^-])>/) + 40))}`,
      );
    const bare = /@(everyone|here|channel)\b/i.exec(text);
    if (bare) problems.push(`${path}: live ${bare[0]}`);
    // A cut "&lt;" at the very end of a truncated text is harmless; anywhere else "&" must start an entity.
    const body = text.endsWith('…') ? text.slice(0, -6) : text;
    const amp = /&(?!(amp|lt|gt);)/.exec(body);
    if (amp)
      problems.push(
        `${path}: "&" that is not an entity at ${amp.index}: ` +
          `${JSON.stringify(body.slice(amp.index - 10, amp.index + 20))}`,
      );
  }
  return problems;
}

/** The user's text must still be shown (escaped), not dropped. */
function shows(payload: unknown, original: string): boolean {
  return allTexts(payload).some(({ text }) => decode(text).includes(original));
}

// ---------------------------------------------------------------------------------------------

describe('escapeMrkdwn and friends', () => {
  it.each([
    ['<!channel>', '&lt;!channel&gt;'],
    ['<!here>', '&lt;!here&gt;'],
    ['<https://evil.example|gitlab.zendesk.com>', '&lt;https://evil.example|gitlab.zendesk.com&gt;'],
    ['<@U123>', '&lt;@U123&gt;'],
    ['&amp;', '&amp;amp;'],
    ['a & b', 'a &amp; b'],
    ['@everyone', '@\u200beveryone'],
    ['@HERE and @channel', '@\u200bHERE and @\u200bchannel'],
    ['jane@example.com', 'jane@example.com'],
    ['plain text', 'plain text'],
  ])('escapeMrkdwn(%j) = %j', (input, expected) => {
    expect(escapeMrkdwn(input)).toBe(expected);
  });

  it('every attack is inert after escaping and decodes back to what was typed', () => {
    for (const attack of ATTACKS) {
      const escaped = escapeMrkdwn(attack);
      expect(escaped).not.toMatch(/[<>]/);
      expect(escaped).not.toMatch(/@(everyone|here|channel)\b/i);
      expect(decode(escaped)).toBe(attack);
    }
  });

  it('link() never lets a URL carry its own label or close the link early', () => {
    expect(link('https://evil.example|gitlab.zendesk.com')).toBe('<https://evil.example%7Cgitlab.zendesk.com>');
    expect(link('https://x.example/a><!channel>')).toBe('<https://x.example/a%3E%3C!channel%3E>');
    expect(link(TICKET_URL, '<!channel> a|b')).toBe(`<${TICKET_URL}|&lt;!channel&gt; a¦b>`);
  });

  it('mentions only real IDs; anything else is escaped text', () => {
    expect(mentionUser('U0123ABC')).toBe('<@U0123ABC>');
    expect(mentionUser('W0123ABC')).toBe('<@W0123ABC>');
    expect(mentionUser('U1>|<!channel')).toBe('U1&gt;|&lt;!channel');
    expect(mentionChannel('C0123ABC')).toBe('<#C0123ABC>');
    expect(mentionChannel('<!here>')).toBe('&lt;!here&gt;');
    expect(slackDate(1700000000.9, '<!channel>')).toBe(
      '<!date^1700000000^{date_short_pretty} {time}|&lt;!channel&gt;>',
    );
  });

  it('truncate is the one shared helper, and the Block Kit builders cut text with it', () => {
    expect(truncate).toBe(sharedTruncate);
    expect(plainText('abcdefg', 6)).toEqual({ type: 'plain_text', text: sharedTruncate('abcdefg', 6) });
    expect(mrkdwn('abcdefg', 6)).toEqual({ type: 'mrkdwn', text: 'abcde…' });
  });

  it('truncate marks the cut and never exceeds the limit', () => {
    expect(truncate('abcdef', 6)).toBe('abcdef');
    expect(truncate('abcdefg', 6)).toBe('abcde…');
    expect(truncate('abcdefg', 6)).toHaveLength(6);
  });
});

describe('the checker of this file', () => {
  it('flags raw attacks', () => {
    const message = {
      text: 'hi',
      blocks: [{ type: 'section', text: { type: 'mrkdwn', text: `x ${ALL_ATTACKS} a & b` } }],
    };
    const problems = unsafeTexts(message).join('\n');
    expect(problems).toMatch(/control sequence we did not build: <!channel>/);
    expect(problems).toMatch(/control sequence we did not build: <https:\/\/evil.example\|gitlab.zendesk.com>/);
    expect(problems).toMatch(/live @everyone/);
    expect(problems).toMatch(/"&" that is not an entity/);
    expect(unsafeTexts({ text: `ok <${TICKET_URL}> <@${ENGINEER}> ${escapeMrkdwn(ALL_ATTACKS)}` })).toEqual([]);
  });
});

// ---------------------------------------------------------------------------------------------

const hostileRecord = (overrides: RecordOverrides = {}) =>
  record({
    email: `${ALL_ATTACKS} jane@example.com`,
    requestedByUsername: ALL_ATTACKS,
    overrideJustification: `Because ${ALL_ATTACKS}`,
    reason: `Reason ${ALL_ATTACKS}`,
    scopeSummary: `Scope ${ALL_ATTACKS}`,
    ...overrides,
  });

describe('stripInvisible and quoteUserText (issue 9.8)', () => {
  it('removes bidi controls and zero-width characters, keeps everything else', () => {
    const invisible = [
      '\u202E',
      '\u202D',
      '\u202A',
      '\u2066',
      '\u2067',
      '\u2068',
      '\u2069',
      '\u200E',
      '\u200F',
      '\u061C',
      '\u200B',
      '\u200C',
      '\u200D',
      '\u2060',
      '\uFEFF',
      '\u00AD',
    ];
    for (const c of invisible) expect(stripInvisible(`a${c}b`)).toBe('ab');
    expect(stripInvisible('Grüße, 日本, emoji 😀, tab\tnewline\n')).toBe('Grüße, 日本, emoji 😀, tab\tnewline\n');
    expect(escapeMrkdwn('x\u202Eevil')).toBe('xevil');
  });

  it('quotes every line, so no line can imitate the bot, and neutralises formatting and emoji codes', () => {
    const forged = 'ok\n:white_check_mark: *In scope*\r\n_it_ ~s~ `c`\u2028<!channel> @here\n\nlast';
    const quoted = quoteUserText(forged);
    const lines = quoted.split('\n');
    expect(lines).toHaveLength(6);
    for (const line of lines) expect(line).toMatch(/^>( |$)/);
    expect(quoted).not.toMatch(/[*_~`]/);
    expect(quoted).not.toContain(':white_check_mark:');
    expect(quoted).not.toContain('<!channel>');
    expect(quoted).not.toMatch(/@here\b/);
    expect(decode(quoted)).toBe('ok\n:white_check_mark: *In scope*\n_it_ ~s~ `c`\n<!channel> @here\n\nlast');
  });
});

describe('buildLicenseNotice', () => {
  it.each(STATUSES)(
    '%s: user text in email, username, justification, reason, scope and adapter stays inert',
    (status) => {
      const message = buildLicenseNotice(
        hostileRecord({ status, reference: SAFE_REFERENCE, trialExpiresOn: '2025-06-24', attempts: 2 }),
      );
      expect(unsafeTexts(message)).toEqual([]);
      expect(shows(message, `Because ${ALL_ATTACKS}`)).toBe(true);
      // A pending request has no reason (nothing failed, was refused or went to someone else yet).
      if (status !== 'pending') expect(shows(message, `Reason ${ALL_ATTACKS}`)).toBe(true);
      // The justification is a quote of plain text: no mrkdwn formatting survives in it.
      const override = mrkdwnTexts(message).find(({ path }) => path.startsWith('blocks[1]'))?.text ?? '';
      expect(override).not.toMatch(/[*_~`]bold|\*bold\*|_it_|`code`|~strike~/);
      expect(shows(message, ALL_ATTACKS)).toBe(true);
    },
  );

  it('a justification of 1000 characters full of attacks stays inert', () => {
    const message = buildLicenseNotice(
      hostileRecord({ status: 'generated', overrideJustification: long(1000, `${ALL_ATTACKS} `) }),
    );
    expect(unsafeTexts(message)).toEqual([]);
  });

  it('an unsafe reference (not a plain link) is never rendered as a link', () => {
    for (const reference of [
      '<https://evil.example|gitlab.zendesk.com>',
      'https://evil.example|gitlab.zendesk.com',
      'https://evil.example/a b',
      `https://x.example/${ALL_ATTACKS}`,
    ]) {
      const message = buildLicenseNotice(hostileRecord({ status: 'failed', reference }));
      expect(unsafeTexts(message)).toEqual([]);
    }
  });

  it('a requester ID that is not a Slack ID is escaped, not mentioned', () => {
    const message = buildLicenseNotice(
      hostileRecord({ requestedBySlackId: 'U1>|<!channel', overrideJustification: 'x'.repeat(30) }),
    );
    expect(unsafeTexts(message)).toEqual([]);
  });
});

describe('buildLicenseStatusMessage', () => {
  it('the query, emails, reasons and requester IDs stay inert', () => {
    const records = STATUSES.map((status, i) =>
      hostileRecord({
        id: `id-${i}`,
        status,
        reference: i === 1 ? SAFE_REFERENCE : undefined,
        requestedBySlackId: i === 3 ? '<!channel>' : ENGINEER,
        trialExpiresOn: status === 'generated' ? '2025-06-24' : undefined,
      }),
    );
    for (const set of [[], records]) {
      const message = buildLicenseStatusMessage(ALL_ATTACKS, set);
      expect(unsafeTexts(message)).toEqual([]);
      expect(shows(message, ALL_ATTACKS)).toBe(true);
    }
  });

  it('a reference that tries to label itself is linked without a label', () => {
    const message = buildLicenseStatusMessage('jane@example.com', [
      record({ status: 'generated', reference: 'https://evil.example|gitlab.zendesk.com' }),
    ]);
    const linkTokens = allTexts(message).flatMap(({ text }) => text.match(/<https?:[^<>]*>/g) ?? []);
    expect(linkTokens.length).toBeGreaterThan(0);
    for (const token of linkTokens) expect(token).not.toContain('|');
  });
});

describe('buildOutOfScopeView', () => {
  it('email and username stay inert in every scope combination', () => {
    for (const { request, scope } of allScopeCombinations()) {
      for (const canOverride of [true, false]) {
        const hostile = { ...request, email: `${ALL_ATTACKS}@example.com`, username: ALL_ATTACKS };
        const view = buildOutOfScopeView(hostile, scope, { canOverride, timeZone: 'UTC', channelId: 'C0123ABCD' });
        expect(unsafeTexts(view)).toEqual([]);
        expect(shows(view, ALL_ATTACKS)).toBe(true);
      }
    }
  });
});

describe('buildReissueConfirmView', () => {
  it('the request email and username stay inert', () => {
    const request = emergencyRequest({ email: `${ALL_ATTACKS}@example.com`, username: ALL_ATTACKS });
    const existing = [
      hostileRecord({ status: 'generated', trialExpiresOn: '2025-06-24' }),
      hostileRecord({ id: 'b', status: 'pending' }),
    ];
    const view = buildReissueConfirmView(request, existing, {});
    expect(unsafeTexts(view)).toEqual([]);
    expect(shows(view, ALL_ATTACKS)).toBe(true);
  });

  it('a stored requester ID that is not a Slack ID is escaped like everywhere else (mentionUser)', () => {
    // buildLicenseNotice and buildLicenseStatusMessage use mentionUser(); the re-issue list
    // interpolates `<@${r.requestedBySlackId}>` directly.
    const request = emergencyRequest();
    const view = buildReissueConfirmView(request, [record({ requestedBySlackId: 'U1>|<!channel' })], {});
    expect(unsafeTexts(view)).toEqual([]);
  });
});

describe('buildLicenseStatusView', () => {
  it.each(STATUSES)('%s: email, reason and a non-link reference stay inert', (status) => {
    for (const reference of [undefined, SAFE_REFERENCE, ALL_ATTACKS, 'https://evil.example|gitlab.zendesk.com']) {
      const view = buildLicenseStatusView(
        hostileRecord({ status, reference, trialExpiresOn: status === 'generated' ? '2025-06-24' : undefined }),
        LICENSING_CHANNEL,
      );
      const allowed = [...BUILT_TOKENS, /^<https:\/\/evil\.example%7Cgitlab\.zendesk\.com>$/];
      expect(unsafeTexts(view, allowed)).toEqual([]);
    }
  });
});

describe('/star-check surfaces', () => {
  it('the audit message escapes a checker ID that is not a Slack ID', () => {
    const decision = decideStar(
      {
        ticketUrl: TICKET_URL,
        answers: { kind: 'plan_license', trial: 'no' },
        expirationDate: EXPIRATION_DATES.graceWithin24h,
        deployment: 'self_managed',
      },
      NOW,
    );
    expect(decision).toBeDefined();
    const message = buildStarAuditMessage(decision!, ALL_ATTACKS);
    expect(unsafeTexts(message)).toEqual([]);
    expect(shows(message, ALL_ATTACKS)).toBe(true);
  });

  it('the modal notice is escaped', () => {
    const view = buildStarCheckModal({ answers: {} }, () => NOW, 'UTC', ALL_ATTACKS);
    expect(unsafeTexts(view)).toEqual([]);
    expect(shows(view, ALL_ATTACKS)).toBe(true);
  });
});

describe('SlackLicenseNotifier.deliver (the DM to the engineer)', () => {
  function fakeClient() {
    const calls: { method: string; args: Record<string, unknown> }[] = [];
    const client = {
      conversations: {
        open: async (args: Record<string, unknown>) => (
          calls.push({ method: 'conversations.open', args }),
          { ok: true, channel: { id: 'D0DM' } }
        ),
      },
      files: {
        getUploadURLExternal: async (args: Record<string, unknown>) => (
          calls.push({ method: 'files.getUploadURLExternal', args }),
          { ok: true, upload_url: 'http://127.0.0.1:9/upload', file_id: 'F0FILE' }
        ),
        completeUploadExternal: async (args: Record<string, unknown>) => (
          calls.push({ method: 'files.completeUploadExternal', args }),
          { ok: true }
        ),
      },
      chat: {
        postMessage: async (args: Record<string, unknown>) => (
          calls.push({ method: 'chat.postMessage', args }),
          { ok: true, ts: '1.1' }
        ),
      },
    };
    return { client: client as unknown as WebClient, calls };
  }

  it.each([
    ['with a license file', { licenseFile: 'LICENSE' }],
    ['with a reference link', { reference: SAFE_REFERENCE }],
    ['with a reference that is not a plain link', { reference: 'https://evil.example|gitlab.zendesk.com' }],
  ])('%s: the email stays inert', async (_, extra) => {
    const { client, calls } = fakeClient();
    const notifier = new SlackLicenseNotifier({
      client,
      notice: { publish: async () => false },
      audit: {} as OutboxDispatcher,
      licensingChannel: LICENSING_CHANNEL,
      logger: pino({ level: 'silent' }),
      uploadBytes: async () => undefined,
    });
    const generated = hostileRecord({ status: 'generated', trialExpiresOn: '2025-06-24', ...extra });
    if (generated.status !== 'generated') throw new Error('fixture is not generated');
    await notifier.deliver(generated);
    const texts = calls
      .flatMap((c) => [c.args.initial_comment, c.args.text])
      .filter((t): t is string => typeof t === 'string');
    expect(texts).toHaveLength(1);
    const allowed = [...BUILT_TOKENS, /^<https:\/\/evil\.example%7Cgitlab\.zendesk\.com>$/];
    expect(unsafeTexts({ text: texts[0] }, allowed)).toEqual([]);
  });
});
