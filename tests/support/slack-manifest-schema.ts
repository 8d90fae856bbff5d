import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv, { type ErrorObject, type ValidateFunction } from 'ajv';

/** Slack's app manifest schema (a copy of the official one, major version 1), for manifest tests. */

const schemaPath = join(__dirname, '..', 'fixtures', 'slack-app-manifest.schema.json');

export const DRAFT_07 = 'http://json-schema.org/draft-07/schema#';

export function loadSchema(): Record<string, unknown> {
  return JSON.parse(readFileSync(schemaPath, 'utf8')) as Record<string, unknown>;
}

/**
 * Ajv's default class implements draft-07, the draft Slack's schema declares. The schema uses a
 * few keywords Ajv doesn't know (`_note`, and `regex` where `pattern` was meant), so strict mode is
 * off; `regex` is then given the meaning of `pattern` so that `background_color` really is checked.
 * The one `format` (`uri`, on the optional `$schema` property) gets a small validator instead of
 * pulling in ajv-formats.
 */
export function compileSchema(): ValidateFunction {
  const schema = loadSchema();
  const ajv = new Ajv({ allErrors: true, strict: false });
  ajv.addFormat('uri', (value: string) => {
    try {
      new URL(value);
      return true;
    } catch {
      return false;
    }
  });
  ajv.addKeyword({
    keyword: 'regex',
    type: 'string',
    schemaType: 'string',
    validate: (pattern: string, value: string) => new RegExp(pattern, 'u').test(value),
    error: { message: (cxt) => `must match regex "${String(cxt.schema)}"` },
  });
  return ajv.compile(schema);
}

export function formatErrors(errors: ErrorObject[] | null | undefined): string[] {
  return (errors ?? []).map((e) => {
    const where = e.instancePath === '' ? '(root)' : e.instancePath;
    const params = Object.keys(e.params).length > 0 ? ` ${JSON.stringify(e.params)}` : '';
    return `${where}: ${e.message ?? e.keyword}${params}`;
  });
}
