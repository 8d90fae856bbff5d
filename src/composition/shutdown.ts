import type { Server } from 'node:http';
import type { App } from '@slack/bolt';
import type { Config } from '../config';
import type { Logger } from '../logger';
import type { Authorizer } from '../slack/authorization';
import type { Store } from '../store/store';
import type { StartProgress } from './health-endpoints';
import type { LeasedWork } from './leased-work';

/**
 * The stop of a started bot, once however often it is called: requests first, then the leased work
 * within half of SHUTDOWN_TIMEOUT_MS, what is still leased handed back, the audit posts in flight
 * within the other half, then the ports and the store.
 */
export function stopOnce(deps: {
  config: Config;
  logger: Logger;
  progress: StartProgress;
  app: App;
  /** The HTTP server Bolt started (undefined in Socket Mode or with a given receiver). */
  server: Server | undefined;
  authz: Authorizer;
  work: LeasedWork;
  metricsServer: { close(): Promise<void> };
  store: Store;
}): () => Promise<void> {
  const { config, logger, server, work } = deps;
  let stopping: Promise<void> | undefined;
  return () =>
    (stopping ??= (async () => {
      deps.progress.shuttingDown = true;
      const deadline = config.shutdownTimeoutMs;
      // Stop accepting requests; idle keep-alive connections would otherwise hold the server open.
      server?.closeIdleConnections?.();
      const receiverStopped = deps.app
        .stop()
        .catch((error: Error) => logger.warn({ error: error.message }, 'stopping the Slack receiver failed'));
      const forceClose = setTimeout(() => server?.closeAllConnections?.(), Math.min(2000, deadline / 4));
      await receiverStopped;
      clearTimeout(forceClose);
      deps.authz.stop();
      await Promise.race([
        Promise.all([work.runner.stop(), work.licenseRunner.settle(), work.lifecycle.stop()]),
        new Promise((resolve) => setTimeout(resolve, deadline / 2).unref()),
      ]);
      // What is still in progress (a GitLab issue followed for minutes) goes to another replica now.
      await work.licenseRunner.releaseLeases();
      await work.audit.stop(deadline / 2);
      await deps.metricsServer.close();
      await deps.store.close();
      logger.info('stopped');
    })());
}
