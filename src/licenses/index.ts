/**
 * Entry point of the license adapters. Both can only ever produce a 10-day Ultimate trial.
 */
import { GitLabIssueAdapter, type GitLabIssueAdapterOptions } from './gitlab-issue-adapter';
import { LocalLicenseAdapter } from './local-adapter';
import { loadSigningKey, type SigningKey } from './signing-key';
import type { LicenseAdapter } from './types';

export interface LocalAdapterFactoryOptions {
  adapter: 'local';
  /** The bot's data directory (licenses go to `<dataDir>/licenses/`, the dev key next to it). */
  dataDir: string;
  /** PEM file of the RSA private signing key; without it a development key is used (loud warning). */
  keyPath?: string;
  /** Where warnings go (development key in use, key file too readable). */
  warn: (msg: string) => void;
  now?: () => Date;
  /** An already loaded key (skips `loadSigningKey`). */
  signingKey?: SigningKey;
}

export interface GitLabIssueAdapterFactoryOptions extends GitLabIssueAdapterOptions {
  adapter: 'gitlab-issue';
}

export type CreateLicenseAdapterOptions = LocalAdapterFactoryOptions | GitLabIssueAdapterFactoryOptions;

/** Builds the configured adapter. Throws on invalid configuration (bad key path, bad URL, ...). */
export function createLicenseAdapter(options: CreateLicenseAdapterOptions): LicenseAdapter {
  switch (options?.adapter) {
    case 'local': {
      const signingKey =
        options.signingKey ??
        loadSigningKey({ keyPath: options.keyPath, dataDir: options.dataDir, warn: options.warn });
      return new LocalLicenseAdapter({ dataDir: options.dataDir, signingKey, now: options.now });
    }
    case 'gitlab-issue': {
      const { adapter: _adapter, ...gitlab } = options;
      return new GitLabIssueAdapter(gitlab);
    }
    default:
      throw new Error(
        `Unknown license adapter ${JSON.stringify((options as { adapter?: unknown } | undefined)?.adapter)}; ` +
          `use 'local' or 'gitlab-issue'.`,
      );
  }
}

export * from './types';
export { addDaysToIsoDate, isIsoDate, toUtcIsoDate, trialLicenseStartDate } from './dates';
export {
  LICENSE_BOUNDARY_PRODUCT,
  LICENSE_FILE_EXTENSION,
  LicenseFileError,
  TRIAL_LICENSEE_COMPANY,
  TRIAL_LICENSEE_NAME,
  addBoundary,
  assertTrialLicenseAttributes,
  buildTrialLicenseAttributes,
  decodeLicenseFile,
  encodeTrialLicenseFile,
  removeBoundary,
  trialLicenseFileName,
  type LicenseAttributes,
  type TrialLicenseAttributes,
  type TrialLicenseAttributesInput,
} from './gitlab-license-file';
export {
  DEV_KEY_FILE,
  DEV_PUBLIC_KEY_FILE,
  SigningKeyError,
  loadSigningKey,
  type LoadSigningKeyOptions,
  type SigningKey,
} from './signing-key';
export { LICENSES_SUBDIR, LocalLicenseAdapter, type LocalLicenseAdapterOptions } from './local-adapter';
export { GitLabIssueAdapter, type GitLabIssueAdapterOptions } from './gitlab-issue-adapter';
export { REQUEST_ID_MARKER } from './gitlab/mechanizer-replies';
export { parseIssueReference } from './gitlab/schemas';
