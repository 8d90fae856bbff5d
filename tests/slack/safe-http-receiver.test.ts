import { cannotBeNonObject } from '../../src/slack/safe-http-receiver';

const FORM = 'application/x-www-form-urlencoded';
const JSON_TYPE = 'application/json';

/**
 * The guard's fast path: bodies that Bolt can only parse to an object (or fail to parse, which Bolt
 * answers with 400) go straight to Bolt; anything else is verified and judged by the guard.
 */
describe('cannotBeNonObject: which bodies skip the guard’s own verification', () => {
  it.each([
    ['a slash command (plain form)', 'token=x&command=%2Fstar-check&text=123', FORM, true],
    [
      'an interaction payload (encoded object)',
      `payload=${encodeURIComponent('{"type":"view_submission"}')}`,
      FORM,
      true,
    ],
    ['an interaction payload (raw brace)', 'payload={"type":"block_actions"}', FORM, true],
    ['a payload field after another field', `a=1&payload=${encodeURIComponent('{"x":1}')}`, FORM, true],
    ['payload=null', 'payload=null', FORM, false],
    ['payload=5', 'payload=5', FORM, false],
    ['payload=[] (encoded)', `payload=${encodeURIComponent('[]')}`, FORM, false],
    ['a payload field after another, not an object', 'a=1&payload=null', FORM, false],
    ['an empty payload', 'payload=', FORM, false],
    ['a JSON object body (events, url_verification)', '{"type":"url_verification"}', JSON_TYPE, true],
    ['a JSON null body', 'null', JSON_TYPE, false],
    ['a JSON string body', '"text"', JSON_TYPE, false],
    ['a JSON number body', '42', JSON_TYPE, false],
    ['a JSON array body', '[]', JSON_TYPE, false],
  ])('%s', (_name, body, contentType, expected) => {
    expect(cannotBeNonObject(Buffer.from(body), contentType)).toBe(expected);
  });
});
