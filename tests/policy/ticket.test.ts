import { parseTicketReference, type TicketParse } from '../../src/policy/ticket';

const BASE = 'https://gitlab.zendesk.com';
const url = (n: string, base = BASE) => `${new URL(base).origin}/agent/tickets/${n}`;

const parse = (raw: string, base = BASE): TicketParse => parseTicketReference(raw, base);

function expectOk(result: TicketParse, number: string, base = BASE): void {
  expect(result).toEqual({ ok: true, number, url: url(number, base) });
}

function expectRefused(result: TicketParse): string {
  expect(result.ok).toBe(false);
  if (result.ok) throw new Error('accepted');
  expect(result.error.trim().length).toBeGreaterThan(0);
  return result.error;
}

describe('accepted on the default host', () => {
  test.each<[string, string, string]>([
    ['bare number', '123', '123'],
    ['bare number with # prefix', '#123', '123'],
    ['one digit', '7', '7'],
    ['twelve digits', '123456789012', '123456789012'],
    ['surrounding whitespace', '  456\n', '456'],
    ['# number with surrounding whitespace', '\t#456 ', '456'],
    ['full URL', 'https://gitlab.zendesk.com/agent/tickets/123', '123'],
    ['trailing slash', 'https://gitlab.zendesk.com/agent/tickets/123/', '123'],
    ['query string', 'https://gitlab.zendesk.com/agent/tickets/123?foo=bar&x=1', '123'],
    ['fragment', 'https://gitlab.zendesk.com/agent/tickets/123#comment-5', '123'],
    ['trailing slash, query and fragment', 'https://gitlab.zendesk.com/agent/tickets/123/?a=b#c', '123'],
    ['http is upgraded to the configured https origin', 'http://gitlab.zendesk.com/agent/tickets/123', '123'],
    ['uppercase host', 'https://GITLAB.ZENDESK.COM/agent/tickets/123', '123'],
    ['mixed-case host', 'https://GitLab.Zendesk.com/agent/tickets/123', '123'],
    ['uppercase scheme', 'HTTPS://gitlab.zendesk.com/agent/tickets/123', '123'],
    ['explicit default port 443', 'https://gitlab.zendesk.com:443/agent/tickets/123', '123'],
    ['surrounding whitespace around a URL', '  https://gitlab.zendesk.com/agent/tickets/123  ', '123'],
    ['Slack-wrapped URL', '<https://gitlab.zendesk.com/agent/tickets/123>', '123'],
    ['Slack-wrapped URL with whitespace around', ' <https://gitlab.zendesk.com/agent/tickets/123> ', '123'],
    ['Slack-wrapped URL with query', '<https://gitlab.zendesk.com/agent/tickets/123?x=1>', '123'],
    ['Slack-wrapped http URL', '<http://gitlab.zendesk.com/agent/tickets/123>', '123'],
  ])('%s: %j', (_label, raw, number) => {
    expectOk(parse(raw), number);
  });

  test('the URL is always rebuilt canonically on the configured origin', () => {
    const result = parse('HTTP://GitLab.Zendesk.com:443/agent/tickets/99/?q=1#x');
    // http on 443 is not a default port; it is refused rather than rewritten
    expect(result.ok).toBe(false);
    expect(parse('http://GitLab.Zendesk.com/agent/tickets/99/?q=1#x')).toEqual({
      ok: true,
      number: '99',
      url: 'https://gitlab.zendesk.com/agent/tickets/99',
    });
  });
});

describe('refused on the default host', () => {
  test.each<[string, string]>([
    ['empty', ''],
    ['whitespace only', '   \n\t'],
    ['thirteen digits', '1234567890123'],
    ['# followed by a space', '# 123'],
    ['## prefix', '##123'],
    ['number with letters', '12a'],
    ['negative number', '-5'],
    ['decimal', '1.5'],
    ['exponent', '1e3'],
    ['word', 'hello'],
    ['sentence with a number', 'ticket 123'],
    ['two numbers', '123 456'],
    ['full-width digits', '１２３'],
    ['other host', 'https://evil.example/agent/tickets/1'],
    ['another Zendesk instance', 'https://other.zendesk.com/agent/tickets/1'],
    ['Zendesk root domain', 'https://zendesk.com/agent/tickets/1'],
    ['subdomain of the host', 'https://sub.gitlab.zendesk.com/agent/tickets/1'],
    ['lookalike: host as a prefix of another domain', 'https://gitlab.zendesk.com.evil.example/agent/tickets/1'],
    ['lookalike: host as a suffix without a dot', 'https://evilgitlab.zendesk.com/agent/tickets/1'],
    ['lookalike: dash instead of dot', 'https://gitlab-zendesk.com/agent/tickets/1'],
    ['lookalike: trailing dot', 'https://gitlab.zendesk.com./agent/tickets/1'],
    ['lookalike: Cyrillic e (IDN homograph)', 'https://gitlab.zend\u0435sk.com/agent/tickets/1'],
    ['userinfo trick: real host is after @', 'https://gitlab.zendesk.com@evil.example/agent/tickets/1'],
    ['userinfo trick with a port', 'https://gitlab.zendesk.com:443@evil.example/agent/tickets/1'],
    ['userinfo on the right host (user)', 'https://user@gitlab.zendesk.com/agent/tickets/1'],
    ['userinfo on the right host (user:password)', 'https://user:secret@gitlab.zendesk.com/agent/tickets/1'],
    ['backslash trick', 'https://gitlab.zendesk.com\\@evil.example/agent/tickets/1'],
    ['other port', 'https://gitlab.zendesk.com:8443/agent/tickets/1'],
    ['http on port 443', 'http://gitlab.zendesk.com:443/agent/tickets/1'],
    ['ftp scheme', 'ftp://gitlab.zendesk.com/agent/tickets/1'],
    ['javascript scheme', 'javascript:alert(1)'],
    ['data scheme', 'data:text/html,<b>1</b>'],
    ['mailto', 'mailto:support@gitlab.zendesk.com'],
    ['protocol-relative', '//gitlab.zendesk.com/agent/tickets/1'],
    ['no scheme', 'gitlab.zendesk.com/agent/tickets/1'],
    ['relative path', '/agent/tickets/1'],
    ['Slack link with a label disguising another host', '<https://evil.example|gitlab.zendesk.com>'],
    ['Slack link with a label, even on the right host', '<https://gitlab.zendesk.com/agent/tickets/1|ticket 1>'],
    ['Slack link with an empty label', '<https://gitlab.zendesk.com/agent/tickets/1|>'],
    ['Slack special mention <!channel>', '<!channel>'],
    ['Slack special mention <!here>', '<!here>'],
    ['Slack user mention', '<@U012ABCDEF>'],
    ['Slack channel mention', '<#C012ABCDEF|general>'],
    ['Slack-wrapped other host', '<https://evil.example/agent/tickets/1>'],
    ['doubly wrapped', '<<https://gitlab.zendesk.com/agent/tickets/1>>'],
    ['unbalanced wrap', '<https://gitlab.zendesk.com/agent/tickets/1'],
    ['pipe in a bare URL', 'https://gitlab.zendesk.com/agent/tickets/1|x'],
    ['angle brackets inside', 'https://gitlab.zendesk.com/agent/tickets/1<script>'],
    ['two URLs', 'https://gitlab.zendesk.com/agent/tickets/1 https://evil.example/agent/tickets/2'],
    ['host root', 'https://gitlab.zendesk.com'],
    ['host root with slash', 'https://gitlab.zendesk.com/'],
    ['tickets list', 'https://gitlab.zendesk.com/agent/tickets'],
    ['tickets list with slash', 'https://gitlab.zendesk.com/agent/tickets/'],
    ['non-numeric ticket', 'https://gitlab.zendesk.com/agent/tickets/abc'],
    ['negative ticket', 'https://gitlab.zendesk.com/agent/tickets/-1'],
    ['thirteen-digit ticket', 'https://gitlab.zendesk.com/agent/tickets/1234567890123'],
    ['user page', 'https://gitlab.zendesk.com/agent/users/123'],
    ['organization page', 'https://gitlab.zendesk.com/agent/organizations/123'],
    ['help-center request', 'https://gitlab.zendesk.com/hc/en-us/requests/123'],
    ['API URL', 'https://gitlab.zendesk.com/api/v2/tickets/123.json'],
    ['ticket path nested elsewhere', 'https://gitlab.zendesk.com/evil/agent/tickets/123'],
    ['dot-dot escape out of the ticket path', 'https://gitlab.zendesk.com/agent/tickets/123/../../users/5'],
    ['percent-encoded digits', 'https://gitlab.zendesk.com/agent/tickets/%31%32%33'],
    ['ticket number fused with letters', 'https://gitlab.zendesk.com/agent/tickets/123abc'],
  ])('%s: %j', (_label, raw) => {
    expectRefused(parse(raw));
  });
});

describe('Slack links whose label spells out the same link', () => {
  // Slack links a URL typed in the composer as <url|text as typed>: the label shows the link itself.
  test.each([
    [
      'label equal to the URL',
      '<https://gitlab.zendesk.com/agent/tickets/77|https://gitlab.zendesk.com/agent/tickets/77>',
    ],
    [
      'typed without the scheme (https)',
      '<https://gitlab.zendesk.com/agent/tickets/77|gitlab.zendesk.com/agent/tickets/77>',
    ],
    [
      'typed without the scheme (http)',
      '<http://gitlab.zendesk.com/agent/tickets/77|gitlab.zendesk.com/agent/tickets/77>',
    ],
  ])('%s is the ticket: %j', (_label, raw) => {
    expect(parse(raw)).toEqual({ ok: true, number: '77', url: 'https://gitlab.zendesk.com/agent/tickets/77' });
  });

  test.each([
    ['label naming another ticket', '<https://gitlab.zendesk.com/agent/tickets/1|gitlab.zendesk.com/agent/tickets/2>'],
    [
      'label naming our host over another link',
      '<https://evil.example/agent/tickets/1|gitlab.zendesk.com/agent/tickets/1>',
    ],
    ['label with the scheme of another link', '<https://evil.example/x|https://gitlab.zendesk.com/agent/tickets/1>'],
  ])('%s is still refused: %j', (_label, raw) => {
    expectRefused(parse(raw));
  });
});

describe('error messages', () => {
  test('empty input asks for the URL or number and shows an example', () => {
    expect(expectRefused(parse(''))).toBe(
      'Enter the Zendesk ticket URL (https://gitlab.zendesk.com/agent/tickets/123456) or its number.',
    );
  });

  test('junk gets an example', () => {
    expect(expectRefused(parse('hello'))).toContain('https://gitlab.zendesk.com/agent/tickets/123456');
  });

  test.each([
    ['https://evil.example/agent/tickets/1', 'evil.example'],
    ['https://gitlab.zendesk.com.evil.example/agent/tickets/1', 'gitlab.zendesk.com.evil.example'],
    ['https://evilgitlab.zendesk.com/agent/tickets/1', 'evilgitlab.zendesk.com'],
    ['https://gitlab.zendesk.com@evil.example/agent/tickets/1', 'evil.example'],
    ['https://gitlab.zendesk.com:8443/agent/tickets/1', 'gitlab.zendesk.com:8443'],
  ])('another host (%s) names the accepted host and the one received', (raw, got) => {
    const error = expectRefused(parse(raw));
    expect(error).toBe(`Only tickets on gitlab.zendesk.com are accepted (got ${got}).`);
  });

  test('a userinfo on the right host is still refused as a host problem', () => {
    expect(expectRefused(parse('https://user:secret@gitlab.zendesk.com/agent/tickets/1'))).toMatch(
      /^Only tickets on gitlab\.zendesk\.com are accepted/,
    );
  });

  test.each(['ftp://gitlab.zendesk.com/agent/tickets/1', 'javascript:alert(1)'])(
    'a non-web scheme (%s) is refused',
    (raw) => {
      expect(expectRefused(parse(raw))).toBe('Only https://gitlab.zendesk.com ticket links are accepted.');
    },
  );

  test.each(['<https://evil.example|gitlab.zendesk.com>', '<https://gitlab.zendesk.com/agent/tickets/1|ticket 1>'])(
    'a labelled Slack link (%s) is refused as not a plain link',
    (raw) => {
      expect(expectRefused(parse(raw))).toBe(
        'That is not a plain ticket link. Paste the ticket URL (https://gitlab.zendesk.com/agent/tickets/123456) or its number.',
      );
    },
  );

  test('a non-ticket path says what a ticket link looks like', () => {
    expect(expectRefused(parse('https://gitlab.zendesk.com/agent/users/123'))).toBe(
      'That link is not a ticket: expected https://gitlab.zendesk.com/agent/tickets/123456.',
    );
  });

  test('the error never echoes a label (no disguised link in the reply)', () => {
    const error = expectRefused(parse('<https://evil.example|gitlab.zendesk.com>'));
    expect(error).not.toContain('evil.example');
  });
});

describe('custom base URL', () => {
  const CUSTOM = 'https://example.zendesk.com';

  test.each<[string, string, string]>([
    ['bare number', '42', '42'],
    ['# number', '#42', '42'],
    ['URL on the custom host', 'https://example.zendesk.com/agent/tickets/42', '42'],
    ['Slack-wrapped URL on the custom host', '<https://example.zendesk.com/agent/tickets/42>', '42'],
  ])('accepts %s', (_label, raw, number) => {
    expectOk(parse(raw, CUSTOM), number, CUSTOM);
  });

  test.each([
    'https://gitlab.zendesk.com/agent/tickets/42',
    'https://example.zendesk.com.evil.example/agent/tickets/42',
    'https://evil.example/agent/tickets/42',
  ])('refuses %s', (raw) => {
    expect(expectRefused(parse(raw, CUSTOM))).toMatch(/^Only tickets on example\.zendesk\.com are accepted/);
  });

  test('a trailing slash on the base URL does not produce a double slash', () => {
    expect(parse('42', 'https://example.zendesk.com/')).toEqual({
      ok: true,
      number: '42',
      url: 'https://example.zendesk.com/agent/tickets/42',
    });
  });

  test('the examples in errors use the custom host', () => {
    expect(expectRefused(parse('', CUSTOM))).toContain('https://example.zendesk.com/agent/tickets/123456');
  });

  test('a base with an explicit port keeps it and refuses other ports', () => {
    const local = 'http://localhost:8080';
    expectOk(parse('http://localhost:8080/agent/tickets/7', local), '7', local);
    expect(parse('7', local)).toEqual({ ok: true, number: '7', url: 'http://localhost:8080/agent/tickets/7' });
    expectRefused(parse('http://localhost:9090/agent/tickets/7', local));
  });
});
