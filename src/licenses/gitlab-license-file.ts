/**
 * The `.gitlab-license` file format, as written and read by GitLab's `gitlab-license` Ruby gem
 * (lib/gitlab/license.rb, lib/gitlab/license/encryptor.rb, lib/gitlab/license/boundary.rb):
 *
 *   attributes  = JSON.dump(license.attributes)                 (keys in the gem's order)
 *   data        = AES-128-CBC(attributes) with a random key + IV (PKCS#7 padding)
 *   key         = RSA private_encrypt(aes_key)                   (PKCS#1 v1.5, type 1 padding)
 *   envelope    = JSON.dump({ data, key, iv })                   (each Base64.encode64'd)
 *   body        = Base64.encode64(envelope)
 *   file        = Boundary.add_boundary(body, 'GitLab')
 *
 * `Base64.encode64` is RFC 2045 style: a newline after every 60 characters *and* after the last
 * line. `add_boundary` strips the body and wraps it in "BEGIN GITLAB LICENSE" / "END GITLAB LICENSE"
 * lines centred in dashes to a width of 60; there is no trailing newline after the END line.
 *
 * GitLab instances decrypt the AES key with the public key they ship, so only files signed with
 * GitLab's own private key are accepted by real instances.
 *
 * This module can only *encode* 10-day Ultimate trial licenses: `encodeTrialLicenseFile` checks the
 * attributes before signing (SPEC "Hard rule").
 */
import {
  constants,
  createCipheriv,
  createDecipheriv,
  createHash,
  createPublicKey,
  privateEncrypt,
  publicDecrypt,
  randomBytes,
  type KeyLike,
  type KeyObject,
} from 'node:crypto';

import { addDaysToIsoDate, isIsoDate } from './dates';
import { TRIAL_DAYS, TRIAL_PLAN } from './types';

export const LICENSE_BOUNDARY_PRODUCT = 'GitLab';
export const LICENSE_LINE_WIDTH = 60;
export const LICENSE_FILE_EXTENSION = '.gitlab-license';

/** Generic licensee shown in the customer's Admin Area. Only the email identifies the customer. */
export const TRIAL_LICENSEE_NAME = 'GitLab Support emergency trial';
export const TRIAL_LICENSEE_COMPANY = 'Emergency trial license';

/** Largest user count we put in a license (GitLab stores it in a 32-bit integer column). */
export const MAX_TRIAL_USER_COUNT = 2_147_483_647;

export interface TrialLicensee {
  Name: string;
  Company: string;
  Email: string;
}

export interface TrialLicenseRestrictions {
  active_user_count: number;
  plan: typeof TRIAL_PLAN;
  trial: true;
}

/**
 * Everything our trial licenses contain, in the order `Gitlab::License#attributes` emits it.
 * The gem omits `block_changes_at`, `next_sync_at`, `last_synced_at` and `activated_at` when unset,
 * which is always the case here (see `buildTrialLicenseAttributes` for why).
 */
export interface TrialLicenseAttributes {
  version: 1;
  licensee: TrialLicensee;
  issued_at: string;
  expires_at: string;
  notify_admins_at: string;
  notify_users_at: string;
  cloud_licensing_enabled: false;
  offline_cloud_licensing_enabled: false;
  auto_renew_enabled: false;
  seat_reconciliation_enabled: false;
  operational_metrics_enabled: false;
  generated_from_customers_dot: false;
  generated_from_cancellation: false;
  restrictions: TrialLicenseRestrictions;
}

/** A decoded license: whatever JSON object the file carried (it may come from another issuer). */
export type LicenseAttributes = Record<string, unknown>;

export class LicenseFileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LicenseFileError';
  }
}

// ---------------------------------------------------------------------------------------------
// Attributes
// ---------------------------------------------------------------------------------------------

export interface TrialLicenseAttributesInput {
  /** Who the license is for (the person who opened the ticket). */
  email: string;
  /** Active users the license allows: the instance's *Maximum users*, as the engineer typed it. */
  userCount: number;
  /** yyyy-mm-dd on which the license starts (`trialLicenseStartDate`); it expires TRIAL_DAYS later. */
  issuedOn: string;
}

/**
 * Builds the attributes of a 10-day Ultimate trial license. There is no way to ask for another
 * plan, duration or a non-trial license. Throws a `LicenseFileError` for invalid input.
 *
 * Each attribute, checked against GitLab's own code (gem `gitlab-license` lib/gitlab/license.rb,
 * GitLab ee/app/models/license.rb and its `:gitlab_license` test factory):
 *
 * - `issued_at` is the gem's name for `starts_at` ("`issued_at` is the legacy name for starts_at").
 *   The license becomes current only once started, on the instance's local date:
 *   `def started?; starts_at <= Date.current; end`. The caller passes today's date in UTC-12, so the
 *   license is active at once in every zone.
 * - `expires_at` = start + 10 days (the workflow's fixed 10-day limit). It must lie ahead on every
 *   instance: the model refuses an upload with `validate :not_expired` and the gem's
 *   `def expired?; will_expire? && Date.today >= expires_at; end`.
 * - no `block_changes_at`: the gem blocks changes with
 *   `def block_changes?; will_block_changes? && Date.today >= block_changes_at; end`, and the model
 *   delegates `License.block_changes?` to `License.current`, which stays the newest started license
 *   (`last_hundred.find { |license| license.valid? && license.started? }`) after the trial lapses.
 *   A date there would block every git push once the trial lapses, re-creating the emergency.
 *   GitLab's own trials have none: the factory's `trait :trial do block_changes_at { nil } ...`.
 * - `notify_admins_at` / `notify_users_at` = `expires_at`, as in GitLab's factory
 *   (`notify_users_at { expires_at }`, `notify_admins_at { expires_at }`). Current GitLab ignores
 *   them for trials (`notification_days = trial? ? NOTIFICATION_DAYS_BEFORE_TRIAL_EXPIRY : ...`,
 *   one week before expiry); older versions read them, and nobody should be warned earlier than
 *   the expiry of a 10-day emergency license.
 * - `licensee`: the three keys GitLab shows (`LICENSEE_ATTRIBUTES = %w[Name Email Company]`), generic
 *   apart from the requester's email (the workflow: "The license will have generic information").
 *   The company must not match /GitLab/: the gem treats `Company =~ /GitLab/i` with an
 *   `@gitlab.com` email as a team license that may lack an expiry (`gl_team_license?`).
 * - the cloud / auto-renew / seat-reconciliation / operational-metrics / CustomersDot flags are
 *   false: this is a legacy license file, not a cloud activation (the gem refuses
 *   `!cloud_licensing? && offline_cloud_licensing?`), and CustomersDot did not generate it.
 * - `restrictions`: `plan` "ultimate" (`ULTIMATE_PLAN = 'ultimate'`), `trial` true (the model's
 *   `def trial?; restricted_attr(:trial); end`; trials lose their features once expired:
 *   `return false if trial? && expired?`), and `active_user_count` = the requested count. GitLab
 *   refuses a license whose count is below the instance's maximum users of the current term with
 *   a 10% margin: `check_users_limit` ... `return if restricted_user_count_with_threshold >=
 *   prior_historical_max`, where the threshold is `(restricted_user_count * (1 +
 *   ALLOWED_PERCENTAGE_OF_USERS_OVERAGE)).to_i` and the overage is `(10 / 100.0)`. The form asks
 *   for the *Maximum users* figure for that reason; the count is kept exactly as typed. No
 *   `previous_user_count` or true-up keys: those belong to renewals, not trials.
 */
export function buildTrialLicenseAttributes(input: TrialLicenseAttributesInput): TrialLicenseAttributes {
  const email = validateTrialEmail(input.email);
  const userCount = validateTrialUserCount(input.userCount);
  if (!isIsoDate(input.issuedOn)) {
    throw new LicenseFileError(`issuedOn must be a yyyy-mm-dd date, got ${JSON.stringify(input.issuedOn)}`);
  }
  const issuedAt = input.issuedOn;
  const expiresAt = addDaysToIsoDate(issuedAt, TRIAL_DAYS);
  return {
    version: 1,
    licensee: { Name: TRIAL_LICENSEE_NAME, Company: TRIAL_LICENSEE_COMPANY, Email: email },
    issued_at: issuedAt,
    expires_at: expiresAt,
    notify_admins_at: expiresAt,
    notify_users_at: expiresAt,
    cloud_licensing_enabled: false,
    offline_cloud_licensing_enabled: false,
    auto_renew_enabled: false,
    seat_reconciliation_enabled: false,
    operational_metrics_enabled: false,
    generated_from_customers_dot: false,
    generated_from_cancellation: false,
    restrictions: { active_user_count: userCount, plan: TRIAL_PLAN, trial: true },
  };
}

/** The trimmed email, or a `LicenseFileError` if it is not usable in a license. */
export function validateTrialEmail(value: unknown): string {
  if (typeof value !== 'string') throw new LicenseFileError('email must be a string');
  const email = value.trim();
  // Deliberately loose (the ticket system already validated it); just refuse obvious garbage.
  if (
    email.length === 0 ||
    email.length > 254 ||
    !/^[^\s@<>"]+@[^\s@<>"]+$/.test(email) ||
    // eslint-disable-next-line no-control-regex -- matching control characters is the point: they are removed/refused
    /[\u0000-\u001f\u007f]/.test(email)
  ) {
    throw new LicenseFileError(`Not a usable email address: ${JSON.stringify(value).slice(0, 100)}`);
  }
  return email;
}

/** The user count, or a `LicenseFileError` unless it is a whole number in 1..MAX_TRIAL_USER_COUNT. */
export function validateTrialUserCount(value: unknown): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1 || value > MAX_TRIAL_USER_COUNT) {
    throw new LicenseFileError(
      `userCount must be a whole number between 1 and ${MAX_TRIAL_USER_COUNT}, got ${String(value)}`,
    );
  }
  return value;
}

/**
 * Throws unless `attributes` describe exactly one of our trial licenses: Ultimate, `trial: true`,
 * expiring TRIAL_DAYS after issue, never blocking changes, no cloud/auto-renew features, generic licensee.
 */
export function assertTrialLicenseAttributes(attributes: unknown): asserts attributes is TrialLicenseAttributes {
  const fail = (why: string): never => {
    throw new LicenseFileError(`Refusing a license that is not a ${TRIAL_DAYS}-day ${TRIAL_PLAN} trial: ${why}`);
  };
  if (!isPlainObject(attributes)) return fail('attributes are not an object');
  const a = attributes;
  if (a.version !== 1) fail('version must be 1');
  if (!isPlainObject(a.licensee)) return fail('licensee missing');
  try {
    validateTrialEmail(a.licensee.Email);
  } catch (err) {
    fail((err as Error).message);
  }
  if (a.licensee.Name !== TRIAL_LICENSEE_NAME || a.licensee.Company !== TRIAL_LICENSEE_COMPANY)
    fail('unexpected licensee');
  if (!isIsoDate(a.issued_at)) return fail('issued_at is not a date');
  const expected = addDaysToIsoDate(a.issued_at, TRIAL_DAYS);
  for (const key of ['expires_at', 'notify_admins_at', 'notify_users_at'] as const) {
    if (a[key] !== expected) fail(`${key} must be ${expected} (issued_at + ${TRIAL_DAYS} days)`);
  }
  // A block_changes_at would block every push once the trial lapses (see buildTrialLicenseAttributes).
  if ('block_changes_at' in a) fail('block_changes_at must not be set');
  for (const key of BOOLEAN_FLAGS) {
    if (a[key] !== false) fail(`${key} must be false`);
  }
  for (const key of ['next_sync_at', 'last_synced_at', 'activated_at'] as const) {
    if (key in a) fail(`${key} must not be set`);
  }
  if (!isPlainObject(a.restrictions)) return fail('restrictions missing');
  const r = a.restrictions;
  if (r.plan !== TRIAL_PLAN) fail(`plan must be ${TRIAL_PLAN}`);
  if (r.trial !== true) fail('trial must be true');
  try {
    validateTrialUserCount(r.active_user_count);
  } catch (err) {
    fail((err as Error).message);
  }
  const extra = Object.keys(r).filter((k) => !['active_user_count', 'plan', 'trial'].includes(k));
  if (extra.length > 0) fail(`unexpected restrictions ${extra.join(', ')}`);
}

const BOOLEAN_FLAGS = [
  'cloud_licensing_enabled',
  'offline_cloud_licensing_enabled',
  'auto_renew_enabled',
  'seat_reconciliation_enabled',
  'operational_metrics_enabled',
  'generated_from_customers_dot',
  'generated_from_cancellation',
] as const;

/** The attributes as JSON with keys in the gem's order, whatever order the object was built in. */
function trialAttributesJson(a: TrialLicenseAttributes): string {
  const ordered: TrialLicenseAttributes = {
    version: a.version,
    licensee: { Name: a.licensee.Name, Company: a.licensee.Company, Email: a.licensee.Email },
    issued_at: a.issued_at,
    expires_at: a.expires_at,
    notify_admins_at: a.notify_admins_at,
    notify_users_at: a.notify_users_at,
    cloud_licensing_enabled: a.cloud_licensing_enabled,
    offline_cloud_licensing_enabled: a.offline_cloud_licensing_enabled,
    auto_renew_enabled: a.auto_renew_enabled,
    seat_reconciliation_enabled: a.seat_reconciliation_enabled,
    operational_metrics_enabled: a.operational_metrics_enabled,
    generated_from_customers_dot: a.generated_from_customers_dot,
    generated_from_cancellation: a.generated_from_cancellation,
    restrictions: {
      active_user_count: a.restrictions.active_user_count,
      plan: a.restrictions.plan,
      trial: a.restrictions.trial,
    },
  };
  return JSON.stringify(ordered);
}

// ---------------------------------------------------------------------------------------------
// Base64 (Ruby Base64.encode64 / decode64)
// ---------------------------------------------------------------------------------------------

/** Ruby `Base64.encode64`: standard alphabet, "\n" after every 60 characters and at the end. */
export function rubyBase64Encode(data: Buffer): string {
  const b64 = data.toString('base64');
  let out = '';
  for (let i = 0; i < b64.length; i += LICENSE_LINE_WIDTH) {
    out += b64.slice(i, i + LICENSE_LINE_WIDTH) + '\n';
  }
  return out;
}

/**
 * Decodes Base64 that may be wrapped over several lines. Stricter than Ruby's `decode64`: anything
 * but the standard alphabet, padding and whitespace is an error instead of being skipped.
 */
export function strictBase64Decode(text: string, what: string): Buffer {
  const compact = text.replace(/\s+/g, '');
  if (compact.length === 0 || compact.length % 4 !== 0 || !/^[A-Za-z0-9+/]+={0,2}$/.test(compact)) {
    throw new LicenseFileError(`${what} is not valid Base64.`);
  }
  return Buffer.from(compact, 'base64');
}

// ---------------------------------------------------------------------------------------------
// Boundary (Gitlab::License::Boundary)
// ---------------------------------------------------------------------------------------------

const BOUNDARY_START = /(?:^|\r?\n)-*BEGIN .+? LICENSE-*\r?\n/g;
const BOUNDARY_END = /\r?\n-*END .+? LICENSE-*(?:\r?\n|$)/;

function pad(message: string, width: number): string {
  const total = Math.max(width - message.length, 0);
  return '-'.repeat(Math.ceil(total / 2)) + message + '-'.repeat(Math.floor(total / 2));
}

/** `Boundary.add_boundary(data, product)`: BEGIN/END lines centred in dashes to width 60. */
export function addBoundary(data: string, productName: string = LICENSE_BOUNDARY_PRODUCT): string {
  const product = productName.toUpperCase();
  return [
    pad(`BEGIN ${product} LICENSE`, LICENSE_LINE_WIDTH),
    removeBoundary(data).trim(),
    pad(`END ${product} LICENSE`, LICENSE_LINE_WIDTH),
  ].join('\n');
}

/** `Boundary.remove_boundary`: the text after the last BEGIN line and before the next END line. */
export function removeBoundary(text: string): string {
  let afterStart = text;
  for (const match of text.matchAll(BOUNDARY_START)) {
    afterStart = text.slice((match.index ?? 0) + match[0].length);
  }
  const end = BOUNDARY_END.exec(afterStart);
  return end ? afterStart.slice(0, end.index) : afterStart;
}

// ---------------------------------------------------------------------------------------------
// Encryptor (Gitlab::License::Encryptor)
// ---------------------------------------------------------------------------------------------

const AES_ALGORITHM = 'aes-128-cbc';
const AES_KEY_BYTES = 16;
const AES_IV_BYTES = 16;

/**
 * `Encryptor#encrypt`: returns the Base64 body (without boundary). Deliberately not exported: the
 * only way to sign is `encodeTrialLicenseFile`, which checks the attributes first.
 */
function encryptLicenseData(plaintext: string, privateKey: KeyObject): string {
  if (privateKey.type !== 'private' || privateKey.asymmetricKeyType !== 'rsa') {
    throw new LicenseFileError('Licenses are signed with an RSA private key.');
  }
  const aesKey = randomBytes(AES_KEY_BYTES);
  const iv = randomBytes(AES_IV_BYTES);
  const cipher = createCipheriv(AES_ALGORITHM, aesKey, iv);
  const encryptedData = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  const encryptedKey = privateEncrypt({ key: privateKey, padding: constants.RSA_PKCS1_PADDING }, aesKey);
  const envelope = JSON.stringify({
    data: rubyBase64Encode(encryptedData),
    key: rubyBase64Encode(encryptedKey),
    iv: rubyBase64Encode(iv),
  });
  return rubyBase64Encode(Buffer.from(envelope, 'utf8'));
}

/** `Encryptor#decrypt`: the license JSON text, or a `LicenseFileError`. */
export function decryptLicenseData(body: string, publicKey: KeyLike): string {
  const envelopeBytes = strictBase64Decode(body, 'License data');
  let envelope: unknown;
  try {
    envelope = JSON.parse(decodeUtf8(envelopeBytes));
  } catch {
    throw new LicenseFileError('Encryption data is invalid JSON.');
  }
  if (!isPlainObject(envelope) || !['data', 'key', 'iv'].every((k) => typeof envelope[k] === 'string')) {
    throw new LicenseFileError('Required field missing from encryption data.');
  }
  const encryptedData = strictBase64Decode(envelope.data as string, 'Encrypted data');
  const encryptedKey = strictBase64Decode(envelope.key as string, 'Encrypted key');
  const iv = strictBase64Decode(envelope.iv as string, 'IV');

  let aesKey: Buffer;
  try {
    aesKey = publicDecrypt({ key: publicKeyOf(publicKey), padding: constants.RSA_PKCS1_PADDING }, encryptedKey);
  } catch {
    throw new LicenseFileError('AES encryption key could not be decrypted (wrong key, or the file was altered).');
  }
  if (aesKey.length !== AES_KEY_BYTES) throw new LicenseFileError('AES encryption key is invalid.');
  if (iv.length !== AES_IV_BYTES) throw new LicenseFileError('AES IV is invalid.');

  let plain: Buffer;
  try {
    const decipher = createDecipheriv(AES_ALGORITHM, aesKey, iv);
    plain = Buffer.concat([decipher.update(encryptedData), decipher.final()]);
  } catch {
    throw new LicenseFileError('Data could not be decrypted.');
  }
  try {
    return decodeUtf8(plain);
  } catch {
    throw new LicenseFileError('Decrypted license data is not UTF-8 (the file was altered).');
  }
}

function publicKeyOf(key: KeyLike): KeyLike {
  // A private KeyObject works too (its public half is used), which is handy for self-checks.
  if (typeof key === 'object' && 'type' in key && key.type === 'private') {
    return createPublicKey(key);
  }
  return key;
}

function decodeUtf8(bytes: Buffer): string {
  return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
}

// ---------------------------------------------------------------------------------------------
// Files
// ---------------------------------------------------------------------------------------------

/** Signs a 10-day Ultimate trial license; refuses any other attributes. */
export function encodeTrialLicenseFile(attributes: TrialLicenseAttributes, privateKey: KeyObject): string {
  assertTrialLicenseAttributes(attributes);
  return addBoundary(encryptLicenseData(trialAttributesJson(attributes), privateKey), LICENSE_BOUNDARY_PRODUCT);
}

/**
 * Reads a `.gitlab-license` file (with or without boundary) the way a GitLab instance does, using
 * the public key matching the signing key. Throws `LicenseFileError` if it cannot be decrypted.
 */
export function decodeLicenseFile(file: string, publicKey: KeyLike): LicenseAttributes {
  if (typeof file !== 'string' || file.trim().length === 0) throw new LicenseFileError('No license data.');
  const json = decryptLicenseData(removeBoundary(file), publicKey);
  let attributes: unknown;
  try {
    attributes = JSON.parse(json);
  } catch {
    throw new LicenseFileError('License data is invalid JSON.');
  }
  if (!isPlainObject(attributes)) throw new LicenseFileError('License data is not a JSON object.');
  return attributes;
}

/**
 * File name for the license of a request: `<requestId>.gitlab-license`. IDs that are not safe as a
 * file name (path separators, odd characters, too long) are replaced by a hash of the ID.
 */
export function trialLicenseFileName(requestId: string): string {
  if (/^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/.test(requestId) && !requestId.includes('..')) {
    return `${requestId}${LICENSE_FILE_EXTENSION}`;
  }
  return (
    `request-${createHash('sha256').update(requestId, 'utf8').digest('hex').slice(0, 32)}` + `${LICENSE_FILE_EXTENSION}`
  );
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
