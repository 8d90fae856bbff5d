import * as fs from 'node:fs';
import * as path from 'node:path';
import { generateKeyPairSync } from 'node:crypto';

import { DEV_KEY_FILE, DEV_PUBLIC_KEY_FILE, SigningKeyError, loadSigningKey } from '../../src/licenses/signing-key';
import {
  buildTrialLicenseAttributes,
  decodeLicenseFile,
  encodeTrialLicenseFile,
} from '../../src/licenses/gitlab-license-file';
import { makeTempDir, removeTempDirs } from './support/tmp';

afterAll(removeTempDirs);

function signAndCheck(key: ReturnType<typeof loadSigningKey>): void {
  const attrs = buildTrialLicenseAttributes({ email: 'k@example.com', userCount: 3, issuedOn: '2025-05-05' });
  const file = encodeTrialLicenseFile(attrs, key.privateKey);
  expect(decodeLicenseFile(file, key.publicKeyPem)).toEqual(attrs);
}

describe('development key', () => {
  it('is created once (mode 0600), warned about loudly, and reused', () => {
    const dataDir = path.join(makeTempDir(), 'data'); // does not exist yet
    const warnings: string[] = [];
    const first = loadSigningKey({ dataDir, warn: (m) => warnings.push(m) });

    const keyFile = path.join(dataDir, DEV_KEY_FILE);
    const pubFile = path.join(dataDir, DEV_PUBLIC_KEY_FILE);
    expect(first.source).toBe('development');
    expect(first.path).toBe(keyFile);
    expect(fs.statSync(keyFile).mode & 0o777).toBe(0o600);
    expect(fs.statSync(pubFile).mode & 0o777).toBe(0o600);
    expect(fs.readFileSync(keyFile, 'utf8')).toMatch(/^-----BEGIN RSA PRIVATE KEY-----/);
    expect(fs.readFileSync(pubFile, 'utf8')).toBe(first.publicKeyPem);
    expect(first.publicKeyPem).toMatch(/^-----BEGIN PUBLIC KEY-----/);
    expect(first.privateKey.asymmetricKeyDetails?.modulusLength).toBe(2048);
    // No temporary files left behind.
    expect(fs.readdirSync(dataDir).sort()).toEqual([DEV_KEY_FILE, DEV_PUBLIC_KEY_FILE].sort());

    expect(warnings).toHaveLength(1);
    // One log line naming the variable to set (issue 17), not a banner of `!!!` rows.
    expect(warnings[0]).toMatch(/^Development license signing key in use/);
    expect(warnings[0]).not.toContain('\n');
    expect(warnings[0]).toContain('LICENSE_SIGNING_KEY_PATH');
    expect(warnings[0]).toMatch(/real GitLab instances do not accept licenses it signs/);
    expect(warnings[0]).toContain(keyFile);
    expect(warnings[0]).toMatch(/just created/);
    signAndCheck(first);

    const second = loadSigningKey({ dataDir, warn: (m) => warnings.push(m) });
    expect(second.publicKeyPem).toBe(first.publicKeyPem);
    expect(warnings).toHaveLength(2);
    expect(warnings[1]).toMatch(/real GitLab instances do not accept licenses it signs/);
    expect(warnings[1]).toMatch(/created earlier/);

    // A file signed with the first load decodes with the second (same key).
    const attrs = buildTrialLicenseAttributes({ email: 'k@example.com', userCount: 3, issuedOn: '2025-05-05' });
    expect(decodeLicenseFile(encodeTrialLicenseFile(attrs, first.privateKey), second.publicKey)).toEqual(attrs);
  });

  it('restores a missing public key file and tightens a too-open private key file', () => {
    const dataDir = makeTempDir();
    const first = loadSigningKey({ dataDir, warn: () => undefined });
    fs.unlinkSync(path.join(dataDir, DEV_PUBLIC_KEY_FILE));
    fs.chmodSync(path.join(dataDir, DEV_KEY_FILE), 0o644);
    const again = loadSigningKey({ dataDir, warn: () => undefined });
    expect(again.publicKeyPem).toBe(first.publicKeyPem);
    expect(fs.readFileSync(path.join(dataDir, DEV_PUBLIC_KEY_FILE), 'utf8')).toBe(first.publicKeyPem);
    expect(fs.statSync(path.join(dataDir, DEV_KEY_FILE)).mode & 0o777).toBe(0o600);
  });

  it('refuses to overwrite a corrupt development key', () => {
    const dataDir = makeTempDir();
    fs.writeFileSync(path.join(dataDir, DEV_KEY_FILE), 'garbage', { mode: 0o600 });
    expect(() => loadSigningKey({ dataDir, warn: () => undefined })).toThrow(SigningKeyError);
    expect(fs.readFileSync(path.join(dataDir, DEV_KEY_FILE), 'utf8')).toBe('garbage');
  });
});

describe('configured key', () => {
  it('is read from keyPath without the development warning', () => {
    const dir = makeTempDir();
    const keyPath = path.join(dir, 'license.key');
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    fs.writeFileSync(keyPath, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
    const warnings: string[] = [];
    const key = loadSigningKey({ keyPath, dataDir: dir, warn: (m) => warnings.push(m) });
    expect(key.source).toBe('configured');
    expect(key.path).toBe(keyPath);
    expect(warnings).toEqual([]);
    expect(fs.existsSync(path.join(dir, DEV_KEY_FILE))).toBe(false);
    signAndCheck(key);
  });

  it('warns when the key file is readable by others', () => {
    const dir = makeTempDir();
    const keyPath = path.join(dir, 'license.key');
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    fs.writeFileSync(keyPath, privateKey.export({ type: 'pkcs1', format: 'pem' }));
    fs.chmodSync(keyPath, 0o644);
    const warnings: string[] = [];
    loadSigningKey({ keyPath, dataDir: dir, warn: (m) => warnings.push(m) });
    expect(warnings.join('\n')).toMatch(/readable by other users/);
  });

  it('fails with a clear message naming the path when the file is missing', () => {
    const dir = makeTempDir();
    const keyPath = path.join(dir, 'nope.pem');
    expect(() => loadSigningKey({ keyPath, dataDir: dir, warn: () => undefined })).toThrow(SigningKeyError);
    expect(() => loadSigningKey({ keyPath, dataDir: dir, warn: () => undefined })).toThrow(
      `Cannot read the license signing key at ${keyPath}: no such file.`,
    );
  });

  it('fails naming the path for a directory, garbage, a public key or a non-RSA key', () => {
    const dir = makeTempDir();
    const garbage = path.join(dir, 'garbage.pem');
    fs.writeFileSync(garbage, '-----BEGIN PRIVATE KEY-----\nc2VjcmV0LWlzaA==\n-----END PRIVATE KEY-----\n');
    const pub = path.join(dir, 'pub.pem');
    fs.writeFileSync(
      pub,
      generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey.export({ type: 'spki', format: 'pem' }),
    );
    const ec = path.join(dir, 'ec.pem');
    fs.writeFileSync(
      ec,
      generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'pem' }),
    );

    const attempt = (keyPath: string) => () => loadSigningKey({ keyPath, dataDir: dir, warn: () => undefined });
    expect(attempt(dir)).toThrow(new RegExp(`${escape(dir)}: it is a directory`));
    expect(attempt(garbage)).toThrow(`The file at ${garbage} does not contain a valid PEM private key.`);
    expect(attempt(garbage)).not.toThrow(/c2VjcmV0/); // never echoes the content
    expect(attempt(pub)).toThrow(/is a public key/);
    expect(attempt(pub)).toThrow(pub);
    expect(attempt(ec)).toThrow(/RSA/);
    expect(attempt(ec)).toThrow(ec);
  });

  it('rejects an empty keyPath instead of silently using the development key', () => {
    const dir = makeTempDir();
    expect(() => loadSigningKey({ keyPath: '', dataDir: dir, warn: () => undefined })).toThrow(/path is empty/);
  });
});

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
