import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import { scrubSecrets } from '../logger';

type ProcessLike = Pick<NodeJS.Process, 'on' | 'off'>;

export interface ProcessGuardOptions {
  /**
   * Called after an uncaught exception is logged. The process state is unknown after one (Node's
   * own advice is not to resume), so main stops gracefully and exits 1 for the orchestrator to
   * restart it; everything that matters (requests, deliveries, audit posts) resumes from the store.
   */
  onFatal: (reference: string) => void;
}

const describe = (error: unknown) =>
  scrubSecrets(error instanceof Error ? (error.stack ?? error.message) : String(error));
const newReference = () => randomBytes(4).toString('hex').toUpperCase();

/**
 * Last-resort handlers: nothing ends the process silently. An unhandled rejection is a bug in one
 * piece of work (e.g. one request), not a broken process: it is logged with a reference ID and the
 * bot keeps serving. An uncaught exception is logged with a reference ID, then `onFatal` decides.
 * Returns a function that removes the handlers.
 */
export function installProcessGuards(
  logger: Logger,
  options: ProcessGuardOptions,
  proc: ProcessLike = process,
): () => void {
  const onRejection = (reason: unknown) => {
    const reference = newReference();
    logger.error({ reference, error: describe(reason) }, 'unhandled promise rejection (the bot keeps running)');
  };
  const onException = (error: unknown) => {
    const reference = newReference();
    logger.fatal(
      { reference, error: describe(error) },
      'uncaught exception: stopping gracefully so that the bot restarts clean',
    );
    options.onFatal(reference);
  };
  proc.on('unhandledRejection', onRejection);
  proc.on('uncaughtException', onException);
  return () => {
    proc.off('unhandledRejection', onRejection);
    proc.off('uncaughtException', onException);
  };
}
