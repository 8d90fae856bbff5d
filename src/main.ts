import 'dotenv/config';
import { existsSync, readFileSync } from 'node:fs';
import { ConfigError, loadConfig } from './config';
import { createLogger } from './logger';
import { setupGuide } from './setup-guide';
import { startBot } from './bot';
import { installProcessGuards } from './ops/process-guards';

async function main(): Promise<void> {
  let config;
  try {
    // The .env text lets a value hidden by `#` (a comment to dotenv) be explained, not just called missing.
    const dotenvText = existsSync('.env') ? readFileSync('.env', 'utf8') : undefined;
    config = loadConfig(process.env, { dotenvText });
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(setupGuide(error.problems, process.env));
      process.exit(1);
    }
    throw error;
  }
  const logger = createLogger(config.logLevel);
  let bot: Awaited<ReturnType<typeof startBot>> | undefined;
  let fatal = false;
  installProcessGuards(logger, {
    onFatal: () => {
      if (fatal) return;
      fatal = true;
      const hardStop = setTimeout(() => process.exit(1), config.shutdownTimeoutMs + 2000);
      hardStop.unref();
      void (bot ? bot.stop() : Promise.resolve()).finally(() => process.exit(1));
    },
  });
  try {
    bot = await startBot(config, logger);
  } catch (error) {
    logger.fatal({ error: (error as Error).message }, 'Cannot start');
    process.stderr.write(`Cannot start: ${(error as Error).message}\n`);
    process.exit(1);
  }
  const shutdown = (signal: string) => {
    logger.info({ signal }, 'shutting down: no new work, finishing what is in flight');
    const hardStop = setTimeout(() => process.exit(1), config.shutdownTimeoutMs + 2000);
    hardStop.unref();
    void bot?.stop().then(() => process.exit(0));
  };
  process.once('SIGTERM', () => shutdown('SIGTERM'));
  process.once('SIGINT', () => shutdown('SIGINT'));
}

void main();
