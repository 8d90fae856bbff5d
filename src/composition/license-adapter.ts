import type { Config } from '../config';
import { createLicenseAdapter, loadSigningKey } from '../licenses';
import type { Logger } from '../logger';

/** Shown wherever a license is handed over, so nobody sends a customer a file that cannot work. */
export const DEVELOPMENT_KEY_WARNING =
  'Signed with the DEVELOPMENT key: real GitLab instances will not accept this license. An admin must set ' +
  'LICENSE_SIGNING_KEY_PATH.';

function licenseAdapterFor(config: Config, logger: Logger) {
  // The config schema requires the GitLab settings with this adapter: no fallback to local here.
  if (config.licenseAdapter === 'gitlab-issue') {
    return createLicenseAdapter({
      adapter: 'gitlab-issue',
      baseUrl: config.gitlab.url,
      token: config.gitlab.token,
      projectId: config.gitlab.projectId,
      pollIntervalMs: config.gitlab.pollIntervalMs,
      timeoutMs: config.gitlab.timeoutMs,
      requestTimeoutMs: 10_000,
    });
  }
  let signingKey;
  try {
    signingKey = loadSigningKey({
      keyPath: config.licenseSigningKeyPath,
      dataDir: config.dataDir,
      warn: (message) => logger.warn(message),
    });
  } catch (error) {
    throw new Error(`LICENSE_SIGNING_KEY_PATH: ${(error as Error).message}`, { cause: error });
  }
  return createLicenseAdapter({
    adapter: 'local',
    dataDir: config.dataDir,
    warn: (message) => logger.warn(message),
    signingKey,
  });
}

/** Which key signs local licenses, for the detailed health report. */
export type SigningKeyKind = 'development' | 'configured' | 'n/a';

/** The license adapter the configuration selects, and the warning every hand-over carries with a development key. */
export function configuredLicenseAdapter(deps: { config: Config; logger: Logger }) {
  const { config, logger } = deps;
  const developmentKey = config.licenseAdapter === 'local' && !config.licenseSigningKeyPath;
  const adapter = licenseAdapterFor(config, logger);
  if (developmentKey && config.database.url) {
    // Each replica would sign with a development key of its own DATA_DIR: one key for all is a must.
    logger.warn(
      'Several replicas share DATABASE_URL but no LICENSE_SIGNING_KEY_PATH is set: each replica signs with its own ' +
        'development key. Give every replica the same key.',
    );
  }
  const signingKey: SigningKeyKind =
    config.licenseAdapter === 'local' ? (developmentKey ? 'development' : 'configured') : 'n/a';
  return { adapter, licenseWarning: developmentKey ? DEVELOPMENT_KEY_WARNING : undefined, signingKey };
}
