import { Cron } from 'croner';

/**
 * Cron expressions for scheduled jobs (STAR_DIGEST_CRON), always read in UTC. Parsing is left to
 * the croner library; this module only fixes the dialect and turns its errors into one clear
 * message. The dialect is the classic five fields (minute hour day-of-month month day-of-week) or
 * a nickname (@hourly, @daily, @weekly, @monthly, @yearly): a seconds field would let a typo post
 * every second. As in Vixie cron, when both day fields are restricted a day matching either runs.
 */

export class CronExpressionError extends Error {
  constructor(
    readonly expression: string,
    reason: string,
  ) {
    super(
      `invalid cron expression ${JSON.stringify(expression)}: ${reason}. Expected five fields in UTC, "minute ` +
        `hour day-of-month month day-of-week" (e.g. "0 9 * * 1" = Mondays 09:00 UTC), or ` +
        `@daily/@weekly/@monthly`,
    );
    this.name = 'CronExpressionError';
  }
}

export interface CronSchedule {
  /** The expression as given (trimmed). */
  expression: string;
  /** The first run strictly after `after`, or undefined when the expression never matches again. */
  nextRunAfter(after: Date): Date | undefined;
}

const NICKNAMES = new Set(['@yearly', '@annually', '@monthly', '@weekly', '@daily', '@midnight', '@hourly']);
/** Some expressions are valid field by field but never match (e.g. 31 February): refuse them too. */
const NEVER_PROBE = new Date(Date.UTC(2000, 0, 1));

function toCron(expression: string): Cron {
  // `timezone: 'UTC'` so the host's zone never moves a run; no job function, so no timer starts.
  return new Cron(expression, { timezone: 'UTC', mode: NICKNAMES.has(expression.toLowerCase()) ? 'auto' : '5-part' });
}

/** Parses and validates; throws CronExpressionError with the reason for a bad expression. */
export function parseCronSchedule(raw: string): CronSchedule {
  const expression = raw.trim().replace(/\s+/g, ' ');
  if (expression === '') throw new CronExpressionError(raw, 'it is empty');
  const fields = expression.split(' ').length;
  if (!expression.startsWith('@') && fields !== 5)
    throw new CronExpressionError(raw, `it has ${fields} field${fields === 1 ? '' : 's'}, not 5`);
  if (expression.startsWith('@') && !NICKNAMES.has(expression.toLowerCase()))
    throw new CronExpressionError(raw, `unknown nickname ${expression}`);
  let cron: Cron;
  try {
    cron = toCron(expression);
  } catch (error) {
    const reason = error instanceof Error ? error.message.replace(/^CronPattern:\s*/, '') : String(error);
    throw new CronExpressionError(raw, reason);
  }
  if (!cron.nextRun(NEVER_PROBE)) throw new CronExpressionError(raw, 'it never matches a date');
  return {
    expression,
    nextRunAfter(after: Date): Date | undefined {
      if (!(after instanceof Date) || Number.isNaN(after.getTime())) throw new RangeError('nextRunAfter: invalid date');
      return cron.nextRun(after) ?? undefined;
    },
  };
}

/** The problem with an expression, or undefined when it parses: for config validation that collects messages. */
export function cronExpressionProblem(raw: string): string | undefined {
  try {
    parseCronSchedule(raw);
    return undefined;
  } catch (error) {
    if (error instanceof CronExpressionError) return error.message;
    throw error;
  }
}
