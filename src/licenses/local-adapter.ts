/**
 * Signs 10-day Ultimate trial licenses itself and keeps each one at
 * `<dataDir>/licenses/<requestId>.gitlab-license`.
 *
 * Idempotent by request ID: once the file exists, `request()` and `follow()` return that file
 * (read back and verified with the public key) and never sign a second license for the request.
 * Files are written to a temporary name and hard-linked into place, so a crash never leaves a
 * half-written license and two concurrent calls (even from two processes) end with one file.
 */
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { createPublicKey, randomBytes, type KeyObject } from 'node:crypto';
import { SingleFlight } from '../shared/single-flight';

import { trialLicenseStartDate } from './dates';
import {
  buildTrialLicenseAttributes,
  decodeLicenseFile,
  encodeTrialLicenseFile,
  assertTrialLicenseAttributes,
  trialLicenseFileName,
} from './gitlab-license-file';
import type { FailedLicense, GeneratedLicense, LicenseAdapter, TrialLicenseRequest } from './types';

export const LICENSES_SUBDIR = 'licenses';

export interface LocalLicenseAdapterOptions {
  dataDir: string;
  /** From `loadSigningKey`; only the private key is required (the public one is derived). */
  signingKey: { privateKey: KeyObject; publicKey?: KeyObject };
  /** Clock used for the license dates (the license starts on the UTC-12 date of `now()`). */
  now?: () => Date;
}

export class LocalLicenseAdapter implements LicenseAdapter {
  readonly name = 'local' as const;
  private readonly dir: string;
  private readonly privateKey: KeyObject;
  private readonly publicKey: KeyObject;
  private readonly now: () => Date;
  /** Calls in progress, by request ID, so concurrent calls in this process share one signature. */
  private readonly inFlight = new SingleFlight<GeneratedLicense | FailedLicense>();

  constructor(options: LocalLicenseAdapterOptions) {
    if (!options || typeof options.dataDir !== 'string' || options.dataDir.trim() === '') {
      throw new Error('LocalLicenseAdapter: dataDir is required');
    }
    const key = options.signingKey?.privateKey;
    if (!key || key.type !== 'private' || key.asymmetricKeyType !== 'rsa') {
      throw new Error('LocalLicenseAdapter: signingKey.privateKey must be an RSA private KeyObject');
    }
    this.dir = path.resolve(options.dataDir, LICENSES_SUBDIR);
    this.privateKey = key;
    this.publicKey = options.signingKey.publicKey ?? createPublicKey(key);
    this.now = options.now ?? (() => new Date());
  }

  /** Where the license of `requestId` is (or will be) stored. */
  licensePath(requestId: string): string {
    return path.join(this.dir, trialLicenseFileName(requestId));
  }

  request(req: TrialLicenseRequest): Promise<GeneratedLicense | FailedLicense> {
    const key = typeof req?.requestId === 'string' ? req.requestId : '';
    return this.inFlight.run(key, () => this.generateOnce(req));
  }

  /** The local adapter never leaves requests pending: completing one is `request()` again. */
  follow(req: TrialLicenseRequest, _reference: string): Promise<GeneratedLicense | FailedLicense> {
    return this.request(req);
  }

  private async generateOnce(req: TrialLicenseRequest): Promise<GeneratedLicense | FailedLicense> {
    if (!req || typeof req.requestId !== 'string' || req.requestId.trim() === '') {
      return { status: 'failed', reason: 'The request has no request ID.' };
    }
    const file = this.licensePath(req.requestId);
    try {
      const existing = await readIfExists(file);
      if (existing !== undefined) return this.fromExisting(req, file, existing);

      let attributes;
      try {
        attributes = buildTrialLicenseAttributes({
          email: req.email,
          userCount: req.userCount,
          issuedOn: trialLicenseStartDate(this.now()),
        });
      } catch (err) {
        return { status: 'failed', reason: `Cannot build the trial license: ${errorMessage(err)}` };
      }
      const content = encodeTrialLicenseFile(attributes, this.privateKey);

      await fs.mkdir(this.dir, { recursive: true, mode: 0o700 });
      const written = await writeOnce(file, content);
      if (!written) {
        // Someone else (another process) stored this request's license first: hand out theirs.
        const theirs = await readIfExists(file);
        if (theirs !== undefined) return this.fromExisting(req, file, theirs);
      }
      return generatedFrom(file, content, attributes.expires_at);
    } catch (err) {
      // The reason reaches the licensing channel: say what happened, not where the bot keeps files
      // (the system's message names the path: it goes to the log, as `detail`).
      return {
        status: 'failed',
        reason: `Could not store the trial license: ${storageProblem(err)}. An admin of the bot must look at its log.`,
        reference: file,
        detail: errorMessage(err),
      };
    }
  }

  private fromExisting(req: TrialLicenseRequest, file: string, content: string): GeneratedLicense | FailedLicense {
    let attributes;
    try {
      attributes = decodeLicenseFile(content, this.publicKey);
      assertTrialLicenseAttributes(attributes);
    } catch (err) {
      return {
        status: 'failed',
        reason:
          'A license was already made for this request, but it cannot be verified with the current signing key ' +
          (`(${errorMessage(err)}). No second license was made: an admin of the bot must look at request ` +
            `${req.requestId}.`),
        reference: file,
      };
    }
    const email = typeof req.email === 'string' ? req.email.trim() : req.email;
    if (attributes.licensee.Email !== email || attributes.restrictions.active_user_count !== req.userCount) {
      return {
        status: 'failed',
        reason:
          `A license was already made for request ${req.requestId}, but for ${attributes.licensee.Email} ` +
          (`(${attributes.restrictions.active_user_count} users), not ${String(req.email)} (` +
            `${String(req.userCount)} users). Not signing a second license.`),
        reference: file,
      };
    }
    return generatedFrom(file, content, attributes.expires_at);
  }
}

function generatedFrom(file: string, content: string, expiresOn: string): GeneratedLicense {
  return { status: 'generated', licenseFile: content, fileName: path.basename(file), expiresOn, reference: file };
}

async function readIfExists(file: string): Promise<string | undefined> {
  try {
    return await fs.readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

/**
 * Writes `content` to `file` unless it exists; false when the file was already there. The content
 * is written and fsynced under a temporary name, then hard-linked into place (atomic, no overwrite).
 */
async function writeOnce(file: string, content: string): Promise<boolean> {
  const tmp = path.join(
    path.dirname(file),
    `.${path.basename(file)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`,
  );
  const handle = await fs.open(tmp, 'wx', 0o600);
  try {
    try {
      await handle.writeFile(content, 'utf8');
      await handle.sync();
    } finally {
      await handle.close();
    }
    try {
      await fs.link(tmp, file);
      return true;
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'EEXIST') return false;
      if (code === 'EPERM' || code === 'ENOTSUP' || code === 'ENOSYS' || code === 'EOPNOTSUPP') {
        // File systems without hard links: exclusive create (no overwrite, but not atomic).
        try {
          await fs.writeFile(file, content, { flag: 'wx', mode: 0o600 });
          return true;
        } catch (err2) {
          if ((err2 as NodeJS.ErrnoException).code === 'EEXIST') return false;
          throw err2;
        }
      }
      throw err;
    }
  } finally {
    await fs.unlink(tmp).catch(() => undefined);
  }
}

/** A file-system error in words for people: what is wrong with the licenses folder, never its path. */
function storageProblem(err: unknown): string {
  switch ((err as NodeJS.ErrnoException | undefined)?.code) {
    case 'ENOTDIR':
    case 'ENOENT':
      return "the bot's licenses folder is missing or is not a folder";
    case 'EACCES':
    case 'EPERM':
      return 'the bot may not write in its licenses folder';
    case 'EROFS':
      return "the bot's licenses folder is read-only";
    case 'ENOSPC':
    case 'EDQUOT':
      return "the disk of the bot's licenses folder is full";
    default:
      return "the bot's licenses folder could not be written";
  }
}

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
