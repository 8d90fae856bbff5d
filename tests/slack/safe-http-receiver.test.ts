import { boltParsesToNonObject } from '../../src/slack/safe-http-receiver';

const FORM = 'application/x-www-form-urlencoded';
const JSON_TYPE = 'application/json';

/**
 * The guard reads a body with Bolt's own parser: bodies Bolt parses to an object (or fails to
 * parse, which Bolt answers with 400) go straight to Bolt; anything else is verified and judged
 * by the guard. Bolt decodes form keys and parses every content type other than the exact form
 * type as JSON, so each spelling of `null` below is judged as Bolt would read it.
 */
describe('boltParsesToNonObject: which bodies the guard answers itself', () => {
  it.each([
    ['a slash command (plain form)', 'token=x&command=%2Fstar-check&text=123', FORM, false],
    [
      'an interaction payload (encoded object)',
      `payload=${encodeURIComponent('{"type":"view_submission"}')}`,
      FORM,
      false,
    ],
    ['an interaction payload (raw brace)', 'payload={"type":"block_actions"}', FORM, false],
    ['a payload field after another field', `a=1&payload=${encodeURIComponent('{"x":1}')}`, FORM, false],
    ['payload=null', 'payload=null', FORM, true],
    ['payload=5', 'payload=5', FORM, true],
    ['payload=[] (encoded)', `payload=${encodeURIComponent('[]')}`, FORM, true],
    ['a payload field after another, not an object', 'a=1&payload=null', FORM, true],
    ['an encoded key: %70ayload=null', '%70ayload=null', FORM, true],
    ['an empty payload (a parse error: Bolt answers 400)', 'payload=', FORM, false],
    ['a JSON object body (events, url_verification)', '{"type":"url_verification"}', JSON_TYPE, false],
    ['a JSON null body', 'null', JSON_TYPE, true],
    ['null as Application/JSON', 'null', 'Application/JSON', true],
    ['null as text/plain', 'null', 'text/plain', true],
    ['null as a form with a charset (Bolt reads it as JSON)', 'null', `${FORM}; charset=utf-8`, true],
    ['null with no content type', 'null', undefined, true],
    ['a JSON string body', '"text"', JSON_TYPE, true],
    ['a JSON number body', '42', JSON_TYPE, true],
    ['a JSON array body', '[]', JSON_TYPE, true],
    ['not JSON at all (Bolt answers 400)', 'garbage', JSON_TYPE, false],
  ])('%s', (_name, body, contentType, expected) => {
    const headers = contentType === undefined ? {} : { 'content-type': contentType };
    expect(boltParsesToNonObject({ headers, rawBody: Buffer.from(body) }).nonObject).toBe(expected);
  });
});
