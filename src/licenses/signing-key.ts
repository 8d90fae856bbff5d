/**
 * The RSA private key the local adapter signs licenses with.
 *
 * Real GitLab instances only accept licenses signed with GitLab's own license key. When no key is
 * configured we create (once) and reuse a development key pair under the data directory, and say
 * so loudly every time it is loaded: licenses signed with it only work on instances that were set
 * up with the matching public key (development/test instances).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createPrivateKey, createPublicKey, generateKeyPairSync, randomBytes, type KeyObject } from 'node:crypto';

export const DEV_KEY_FILE = 'dev-license-key.pem';
export const DEV_PUBLIC_KEY_FILE = 'dev-license-key.pub.pem';
export const DEV_KEY_BITS = 2048;

export interface SigningKey {
  privateKey: KeyObject;
  publicKey: KeyObject;
  /** SPKI PEM ("BEGIN PUBLIC KEY"), the format GitLab's `.license_encryption_key.pub` uses. */
  publicKeyPem: string;
  /** 'configured' = read from keyPath; 'development' = the generated development key. */
  source: 'configured' | 'development';
  /** Path of the private key PEM. */
  path: string;
}

export interface LoadSigningKeyOptions {
  /** PEM file with the RSA private key. Without it, the development key is used (with a warning). */
  keyPath?: string;
  /** The bot's data directory; the development key lives at `<dataDir>/dev-license-key.pem`. */
  dataDir: string;
  warn: (msg: string) => void;
}

export class SigningKeyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SigningKeyError';
  }
}

/** Loads the configured signing key, or creates/reuses the development key. Throws `SigningKeyError`. */
export function loadSigningKey(options: LoadSigningKeyOptions): SigningKey {
  if (options.keyPath !== undefined) {
    return loadConfiguredKey(options.keyPath, options.warn);
  }
  if (typeof options.dataDir !== 'string' || options.dataDir.trim() === '') {
    throw new SigningKeyError('loadSigningKey: dataDir is required to store the development license key.');
  }
  return loadOrCreateDevKey(options.dataDir, options.warn);
}

/** One log line that names the variable to set (not a banner of `!!!` rows in one message). */
export function developmentKeyWarning(keyPath: string, created: boolean): string {
  return (
    `Development license signing key in use (${created ? 'just created' : 'created earlier'} at ${keyPath}): ` +
    'real GitLab instances do not accept licenses it signs, only test instances set up with its .pub.pem ' +
    'public key. Set LICENSE_SIGNING_KEY_PATH to the real signing key before handing licenses to customers.'
  );
}

function loadConfiguredKey(keyPath: string, warn: (msg: string) => void): SigningKey {
  if (typeof keyPath !== 'string' || keyPath.trim() === '') {
    throw new SigningKeyError(
      'The license signing key path is empty; set it to the PEM file of the RSA private key, or leave it unset ' +
        'to use a development key.',
    );
  }
  const resolved = path.resolve(keyPath);
  let pem: string;
  try {
    pem = fs.readFileSync(resolved, 'utf8');
  } catch (err) {
    throw new SigningKeyError(`Cannot read the license signing key at ${resolved}: ${describeFsError(err)}.`);
  }
  const privateKey = parsePrivateKey(pem, resolved);
  try {
    const mode = fs.statSync(resolved).mode;
    if ((mode & 0o077) !== 0) {
      warn(
        `The license signing key at ${resolved} is readable by other users (mode ${(mode & 0o777).toString(8)}` +
          `); run chmod 600 on it.`,
      );
    }
  } catch {
    // Stat failing right after a successful read is not worth failing startup for.
  }
  return toSigningKey(privateKey, 'configured', resolved);
}

function loadOrCreateDevKey(dataDir: string, warn: (msg: string) => void): SigningKey {
  const dir = path.resolve(dataDir);
  const keyPath = path.join(dir, DEV_KEY_FILE);
  const pubPath = path.join(dir, DEV_PUBLIC_KEY_FILE);
  try {
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  } catch (err) {
    throw new SigningKeyError(
      `Cannot create the data directory ${dir} for the development license key: ${describeFsError(err)}.`,
    );
  }

  let created = false;
  let pem = readIfExists(keyPath);
  if (pem === undefined) {
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: DEV_KEY_BITS, publicExponent: 0x10001 });
    // PKCS#1 ("BEGIN RSA PRIVATE KEY"), what Ruby's OpenSSL::PKey::RSA#to_pem writes.
    const newPem = privateKey.export({ type: 'pkcs1', format: 'pem' }).toString();
    created = writeExclusive(keyPath, newPem);
    // Another process may have won the race; either way use what is on disk now.
    pem = readIfExists(keyPath);
    if (pem === undefined)
      throw new SigningKeyError(`The development license key at ${keyPath} vanished while it was being created.`);
  }
  const privateKey = parsePrivateKey(pem, keyPath);
  tightenMode(keyPath);

  const signingKey = toSigningKey(privateKey, 'development', keyPath);
  if (readIfExists(pubPath) !== signingKey.publicKeyPem) {
    try {
      writeAtomic(pubPath, signingKey.publicKeyPem);
    } catch (err) {
      throw new SigningKeyError(`Cannot write the development public key at ${pubPath}: ${describeFsError(err)}.`);
    }
  }
  tightenMode(pubPath);

  warn(developmentKeyWarning(keyPath, created));
  return signingKey;
}

function parsePrivateKey(pem: string, where: string): KeyObject {
  if (/-----BEGIN (RSA )?PUBLIC KEY-----/.test(pem) && !/PRIVATE KEY-----/.test(pem)) {
    throw new SigningKeyError(
      `The license signing key at ${where} is a public key; the private key is needed to sign licenses.`,
    );
  }
  if (/-----BEGIN ENCRYPTED PRIVATE KEY-----|Proc-Type: 4,ENCRYPTED/.test(pem)) {
    throw new SigningKeyError(
      `The license signing key at ${where} is protected by a passphrase, which is not supported; store it ` +
        `unencrypted with mode 0600.`,
    );
  }
  let key: KeyObject;
  try {
    key = createPrivateKey({ key: pem, format: 'pem' });
  } catch {
    // Never echo the file content: it is (meant to be) a secret.
    throw new SigningKeyError(`The file at ${where} does not contain a valid PEM private key.`);
  }
  if (key.asymmetricKeyType !== 'rsa') {
    throw new SigningKeyError(
      `The license signing key at ${where} is a ${key.asymmetricKeyType ?? 'non-RSA'} key; GitLab licenses need ` +
        `an RSA key.`,
    );
  }
  return key;
}

function toSigningKey(privateKey: KeyObject, source: SigningKey['source'], keyPath: string): SigningKey {
  const publicKey = createPublicKey(privateKey);
  const publicKeyPem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
  return { privateKey, publicKey, publicKeyPem, source, path: keyPath };
}

function readIfExists(file: string): string | undefined {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new SigningKeyError(`Cannot read ${file}: ${describeFsError(err)}.`);
  }
}

/** Writes a complete file at `file` unless it exists; true when this call created it. */
function writeExclusive(file: string, content: string): boolean {
  const tmp = tempName(file);
  try {
    fs.writeFileSync(tmp, content, { mode: 0o600, flag: 'wx' });
    fs.linkSync(tmp, file);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw new SigningKeyError(`Cannot create the development license key at ${file}: ${describeFsError(err)}.`);
  } finally {
    try {
      fs.unlinkSync(tmp);
    } catch {
      /* already gone */
    }
  }
}

function writeAtomic(file: string, content: string): void {
  const tmp = tempName(file);
  try {
    fs.writeFileSync(tmp, content, { mode: 0o600, flag: 'wx' });
    fs.renameSync(tmp, file);
  } finally {
    try {
      fs.unlinkSync(tmp);
    } catch {
      /* renamed */
    }
  }
}

function tightenMode(file: string): void {
  try {
    if ((fs.statSync(file).mode & 0o777) !== 0o600) fs.chmodSync(file, 0o600);
  } catch {
    // Best effort (e.g. a read-only mount); the key still works.
  }
}

function tempName(file: string): string {
  return path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
}

function describeFsError(err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  switch (e?.code) {
    case 'ENOENT':
      return 'no such file';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'EISDIR':
      return 'it is a directory';
    default:
      return e?.code ?? (e instanceof Error ? e.message : String(err));
  }
}
