import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  constants,
  createDecipheriv,
  createPublicKey,
  generateKeyPairSync,
  publicDecrypt,
  type KeyObject,
} from 'node:crypto';

import {
  LicenseFileError,
  addBoundary,
  assertTrialLicenseAttributes,
  buildTrialLicenseAttributes,
  decodeLicenseFile,
  encodeTrialLicenseFile,
  removeBoundary,
  rubyBase64Encode,
  trialLicenseFileName,
  type TrialLicenseAttributes,
} from '../../src/licenses/gitlab-license-file';
import { addDaysToIsoDate, isIsoDate, toUtcIsoDate } from '../../src/licenses/dates';

const FIXTURES = path.join(__dirname, 'fixtures');
const BEGIN_LINE = '--------------------BEGIN GITLAB LICENSE--------------------';
const END_LINE = '---------------------END GITLAB LICENSE---------------------';

const GEM_KEY_ORDER = [
  'version',
  'licensee',
  'issued_at',
  'expires_at',
  'notify_admins_at',
  'notify_users_at',
  'cloud_licensing_enabled',
  'offline_cloud_licensing_enabled',
  'auto_renew_enabled',
  'seat_reconciliation_enabled',
  'operational_metrics_enabled',
  'generated_from_customers_dot',
  'generated_from_cancellation',
  'restrictions',
];

let privateKey: KeyObject;
let publicKey: KeyObject;

beforeAll(() => {
  ({ privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 }));
});

function expectRubyBase64(text: string): void {
  // Ruby Base64.encode64: every line is 60 characters except the last, and every line ends with "\n".
  expect(text.endsWith('\n')).toBe(true);
  const lines = text.slice(0, -1).split('\n');
  lines.slice(0, -1).forEach((line) => expect(line).toHaveLength(60));
  expect(lines[lines.length - 1].length).toBeGreaterThan(0);
  expect(lines[lines.length - 1].length).toBeLessThanOrEqual(60);
  lines.forEach((line) => expect(line).toMatch(/^[A-Za-z0-9+/]+=*$/));
}

describe('buildTrialLicenseAttributes', () => {
  it('builds a 10-day Ultimate trial with every attribute the gem emits, in the gem order', () => {
    const a = buildTrialLicenseAttributes({ email: 'jane@example.com', userCount: 42, issuedOn: '2025-06-14' });
    expect(a).toEqual({
      version: 1,
      licensee: {
        Name: 'GitLab Support emergency trial',
        Company: 'Emergency trial license',
        Email: 'jane@example.com',
      },
      issued_at: '2025-06-14',
      expires_at: '2025-06-24',
      notify_admins_at: '2025-06-24',
      notify_users_at: '2025-06-24',
      cloud_licensing_enabled: false,
      offline_cloud_licensing_enabled: false,
      auto_renew_enabled: false,
      seat_reconciliation_enabled: false,
      operational_metrics_enabled: false,
      generated_from_customers_dot: false,
      generated_from_cancellation: false,
      restrictions: { active_user_count: 42, plan: 'ultimate', trial: true },
    });
    expect(Object.keys(a)).toEqual(GEM_KEY_ORDER);
  });

  it.each([
    ['2024-12-25', '2025-01-04'], // year boundary
    ['2024-12-31', '2025-01-10'],
    ['2024-02-25', '2024-03-06'], // leap year: Feb 29 exists
    ['2023-02-25', '2023-03-07'],
    ['2025-01-31', '2025-02-10'], // month boundary
    ['2025-04-30', '2025-05-10'],
  ])('issued %s expires %s', (issuedOn, expiresOn) => {
    const a = buildTrialLicenseAttributes({ email: 'a@b.example', userCount: 1, issuedOn });
    expect(a.expires_at).toBe(expiresOn);
    expect(a).not.toHaveProperty('block_changes_at');
  });

  it.each([
    [{ email: 'no-at-sign', userCount: 5, issuedOn: '2025-01-01' }],
    [{ email: '', userCount: 5, issuedOn: '2025-01-01' }],
    [{ email: 'a b@example.com', userCount: 5, issuedOn: '2025-01-01' }],
    [{ email: 'a@example.com', userCount: 0, issuedOn: '2025-01-01' }],
    [{ email: 'a@example.com', userCount: 2.5, issuedOn: '2025-01-01' }],
    [{ email: 'a@example.com', userCount: Number.NaN, issuedOn: '2025-01-01' }],
    [{ email: 'a@example.com', userCount: 5, issuedOn: '2025-02-30' }],
    [{ email: 'a@example.com', userCount: 5, issuedOn: '2025-1-1' }],
  ])('rejects invalid input %j', (input) => {
    expect(() => buildTrialLicenseAttributes(input)).toThrow(LicenseFileError);
  });
});

describe('date helpers', () => {
  it('computes UTC calendar dates', () => {
    expect(toUtcIsoDate(new Date('2025-03-31T23:30:00-05:00'))).toBe('2025-04-01');
    expect(addDaysToIsoDate('2028-02-28', 1)).toBe('2028-02-29');
    expect(isIsoDate('2100-02-29')).toBe(false);
    expect(isIsoDate('2000-02-29')).toBe(true);
  });
});

describe('boundary', () => {
  it('centres BEGIN/END in dashes to width 60 like Boundary.add_boundary', () => {
    const wrapped = addBoundary('QUJD\nREVG\n');
    expect(wrapped).toBe(`${BEGIN_LINE}\nQUJD\nREVG\n${END_LINE}`);
    expect(BEGIN_LINE).toHaveLength(60);
    expect(END_LINE).toHaveLength(60);
    expect(removeBoundary(wrapped)).toBe('QUJD\nREVG');
    expect(removeBoundary(wrapped.replace(/\n/g, '\r\n'))).toBe('QUJD\r\nREVG');
    expect(removeBoundary('QUJD\n')).toBe('QUJD\n');
    // Re-wrapping an already wrapped body does not nest boundaries.
    expect(addBoundary(wrapped)).toBe(wrapped);
  });

  it('wraps Base64 like Ruby Base64.encode64', () => {
    expect(rubyBase64Encode(Buffer.alloc(0))).toBe('');
    expect(rubyBase64Encode(Buffer.from('hi'))).toBe('aGk=\n');
    const long = rubyBase64Encode(Buffer.alloc(90, 1)); // 120 Base64 chars = exactly 2 lines
    expect(long.split('\n')).toEqual(['AQEB'.repeat(15), 'AQEB'.repeat(15), '']);
  });
});

describe('encode/decode round trip', () => {
  it('produces the gem format and decrypts with the public key', () => {
    const attributes = buildTrialLicenseAttributes({
      email: 'jane.doe+ops@example.com',
      userCount: 1234,
      issuedOn: '2024-12-28',
    });
    const file = encodeTrialLicenseFile(attributes, privateKey);

    // Boundary lines exact, no trailing newline after END (Boundary.add_boundary joins with "\n").
    const lines = file.split('\n');
    expect(lines[0]).toBe(BEGIN_LINE);
    expect(lines[lines.length - 1]).toBe(END_LINE);
    expect(file.endsWith(END_LINE)).toBe(true);

    // Body: Base64.encode64(JSON envelope), stripped.
    const body = lines.slice(1, -1).join('\n') + '\n';
    expectRubyBase64(body);
    const envelopeJson = Buffer.from(body, 'base64').toString('utf8');
    const envelope = JSON.parse(envelopeJson) as Record<string, string>;
    expect(Object.keys(envelope)).toEqual(['data', 'key', 'iv']);
    Object.values(envelope).forEach(expectRubyBase64);
    // JSON.dump escapes the Base64 line breaks as \n.
    expect(envelopeJson).toContain('\\n');

    // Decrypt by hand, exactly as Gitlab::License::Encryptor#decrypt does.
    const encryptedKey = Buffer.from(envelope.key, 'base64');
    expect(encryptedKey).toHaveLength(256); // RSA-2048 block
    const aesKey = publicDecrypt({ key: publicKey, padding: constants.RSA_PKCS1_PADDING }, encryptedKey);
    expect(aesKey).toHaveLength(16);
    const iv = Buffer.from(envelope.iv, 'base64');
    expect(iv).toHaveLength(16);
    const decipher = createDecipheriv('aes-128-cbc', aesKey, iv);
    const json = Buffer.concat([decipher.update(Buffer.from(envelope.data, 'base64')), decipher.final()]).toString(
      'utf8',
    );
    const decrypted = JSON.parse(json) as TrialLicenseAttributes;
    expect(Object.keys(decrypted)).toEqual(GEM_KEY_ORDER);
    expect(Object.keys(decrypted.licensee)).toEqual(['Name', 'Company', 'Email']);
    expect(Object.keys(decrypted.restrictions)).toEqual(['active_user_count', 'plan', 'trial']);
    expect(decrypted).toEqual({
      version: 1,
      licensee: {
        Name: 'GitLab Support emergency trial',
        Company: 'Emergency trial license',
        Email: 'jane.doe+ops@example.com',
      },
      issued_at: '2024-12-28',
      expires_at: '2025-01-07',
      notify_admins_at: '2025-01-07',
      notify_users_at: '2025-01-07',
      cloud_licensing_enabled: false,
      offline_cloud_licensing_enabled: false,
      auto_renew_enabled: false,
      seat_reconciliation_enabled: false,
      operational_metrics_enabled: false,
      generated_from_customers_dot: false,
      generated_from_cancellation: false,
      restrictions: { active_user_count: 1234, plan: 'ultimate', trial: true },
    });

    // And the module's own decoder agrees (with the public key, or the private key's public half).
    expect(decodeLicenseFile(file, publicKey)).toEqual(decrypted);
    expect(decodeLicenseFile(file, privateKey)).toEqual(decrypted);
    expect(decodeLicenseFile(file.replace(/\n/g, '\r\n') + '\r\n', publicKey)).toEqual(decrypted);
    // Without boundary too (Gitlab::License.import accepts both).
    expect(decodeLicenseFile(body, publicKey)).toEqual(decrypted);
  });

  it('uses a fresh AES key and IV for every file', () => {
    const attributes = buildTrialLicenseAttributes({ email: 'a@example.com', userCount: 5, issuedOn: '2025-01-01' });
    const one = encodeTrialLicenseFile(attributes, privateKey);
    const two = encodeTrialLicenseFile(attributes, privateKey);
    expect(one).not.toBe(two);
    expect(decodeLicenseFile(one, publicKey)).toEqual(decodeLicenseFile(two, publicKey));
  });

  it('refuses to sign anything but a 10-day Ultimate trial', () => {
    const good = buildTrialLicenseAttributes({ email: 'a@example.com', userCount: 5, issuedOn: '2025-01-01' });
    const variants: Array<[string, unknown]> = [
      ['premium plan', { ...good, restrictions: { ...good.restrictions, plan: 'premium' } }],
      ['non-trial', { ...good, restrictions: { ...good.restrictions, trial: false } }],
      ['30 days', { ...good, expires_at: '2025-01-31', notify_admins_at: '2025-01-31', notify_users_at: '2025-01-31' }],
      ['late block_changes_at', { ...good, block_changes_at: '2026-01-01' }],
      [
        'block_changes_at at expiry (blocks every push once the trial lapses)',
        { ...good, block_changes_at: good.expires_at },
      ],
      ['no expiry', { ...good, expires_at: undefined }],
      ['cloud licensing', { ...good, cloud_licensing_enabled: true }],
      ['auto renew', { ...good, auto_renew_enabled: true }],
      ['extra restriction', { ...good, restrictions: { ...good.restrictions, add_ons: { GitLab_Auditor_User: 1 } } }],
      ['zero users', { ...good, restrictions: { ...good.restrictions, active_user_count: 0 } }],
      ['other licensee', { ...good, licensee: { ...good.licensee, Company: 'GitLab' } }],
    ];
    for (const [, attrs] of variants) {
      expect(() => encodeTrialLicenseFile(attrs as TrialLicenseAttributes, privateKey)).toThrow(
        /not a 10-day ultimate trial/,
      );
    }
    expect(() => assertTrialLicenseAttributes(good)).not.toThrow();
  });

  it('needs an RSA private key to sign', () => {
    const attributes = buildTrialLicenseAttributes({ email: 'a@example.com', userCount: 5, issuedOn: '2025-01-01' });
    expect(() => encodeTrialLicenseFile(attributes, publicKey)).toThrow(LicenseFileError);
  });
});

describe('fixed vector', () => {
  const vector = fs.readFileSync(path.join(FIXTURES, 'vector.gitlab-license'), 'utf8');
  const vectorKey = createPublicKey(fs.readFileSync(path.join(FIXTURES, 'vector-signing-key.pub.pem'), 'utf8'));
  const otherKey = createPublicKey(fs.readFileSync(path.join(FIXTURES, 'other-key.pub.pem'), 'utf8'));

  /** Re-encodes the vector after changing its envelope (as an attacker editing the file would). */
  function tamper(edit: (envelope: Record<string, Buffer>) => void): string {
    const body = removeBoundary(vector);
    const envelope = JSON.parse(Buffer.from(body, 'base64').toString('utf8')) as Record<string, string>;
    const raw: Record<string, Buffer> = {
      data: Buffer.from(envelope.data, 'base64'),
      key: Buffer.from(envelope.key, 'base64'),
      iv: Buffer.from(envelope.iv, 'base64'),
    };
    edit(raw);
    const json = JSON.stringify({
      data: rubyBase64Encode(raw.data),
      key: rubyBase64Encode(raw.key),
      iv: rubyBase64Encode(raw.iv),
    });
    return addBoundary(rubyBase64Encode(Buffer.from(json)));
  }

  it('decodes to the expected attributes', () => {
    // The vector predates issue 8: it still carries block_changes_at, which new licenses never do.
    expect(decodeLicenseFile(vector, vectorKey)).toEqual({
      ...buildTrialLicenseAttributes({ email: 'vector@example.com', userCount: 150, issuedOn: '2024-12-27' }),
      block_changes_at: '2025-01-06',
    });
    // Untampered re-encoding still decodes (the tamper helper itself is faithful).
    expect(
      decodeLicenseFile(
        tamper(() => undefined),
        vectorKey,
      ),
    ).toEqual(decodeLicenseFile(vector, vectorKey));
  });

  it('is rejected with the wrong public key', () => {
    expect(() => decodeLicenseFile(vector, otherKey)).toThrow(/could not be decrypted/);
  });

  it('rejects a file whose encrypted AES key was altered', () => {
    const file = tamper((e) => {
      e.key[100] ^= 0x01;
    });
    expect(() => decodeLicenseFile(file, vectorKey)).toThrow(/AES encryption key could not be decrypted/);
  });

  it('rejects a file whose ciphertext was altered (last block: padding)', () => {
    const file = tamper((e) => {
      e.data[e.data.length - 1] ^= 0x55;
    });
    expect(() => decodeLicenseFile(file, vectorKey)).toThrow(/Data could not be decrypted/);
  });

  it('rejects a file whose ciphertext was altered (first block: garbled JSON)', () => {
    const file = tamper((e) => {
      e.data[3] ^= 0x20;
    });
    // AES-CBC has no MAC (neither has the gem): the strict UTF-8/JSON checks catch the garbling.
    expect(() => decodeLicenseFile(file, vectorKey)).toThrow(/not UTF-8/);
  });

  it('rejects a file with another IV', () => {
    const file = tamper((e) => {
      e.iv[0] ^= 0x7b; // turns the leading "{" of the JSON into something else
    });
    expect(() => decodeLicenseFile(file, vectorKey)).toThrow(/invalid JSON/);
  });

  it('rejects garbage, truncated and empty input', () => {
    const lines = vector.split('\n');
    const truncated = [...lines.slice(0, 5), lines[lines.length - 1]].join('\n');
    for (const bad of [
      '',
      'not a license',
      truncated,
      vector.replace('eyJkYXRh', 'eyJkYXRh!'),
      addBoundary(rubyBase64Encode(Buffer.from('{"data":"x"}'))),
    ]) {
      expect(() => decodeLicenseFile(bad, vectorKey)).toThrow(LicenseFileError);
    }
  });
});

describe('trialLicenseFileName', () => {
  it('uses the request ID when it is a safe file name, a hash otherwise', () => {
    expect(trialLicenseFileName('req_123-abc')).toBe('req_123-abc.gitlab-license');
    expect(trialLicenseFileName('../../etc/passwd')).toMatch(/^request-[0-9a-f]{32}\.gitlab-license$/);
    expect(trialLicenseFileName('a/b')).not.toContain('/');
    expect(trialLicenseFileName('a/b')).toBe(trialLicenseFileName('a/b'));
  });
});
