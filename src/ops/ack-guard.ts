import type { App } from '@slack/bolt';
import type { Logger } from 'pino';

/**
 * Slack gives an interaction 3 s to be acknowledged. Every store call a listener makes before
 * its ack is bounded by the database timeouts, but several of them in a row, or a database that
 * hangs instead of refusing, could still pass 3 s. This guard answers in the listener's place
 * when the listener has not acknowledged after `deadlineMs`, or ended (failed) without an ack:
 * the person sees a clear "try again" answer instead of Slack's generic error. A late ack of
 * the listener is then dropped (Slack would have ignored it anyway).
 *
 * It wraps `App.processEvent`, the one entry point of every receiver (HTTP and Socket Mode): a global
 * middleware never sees the listener's ack (Bolt hands each middleware its own copy of the arguments,
 * and acknowledges events before middleware runs). The ack timing for /metrics is taken here too.
 */
export const ACK_DEADLINE_MS = 2500;

export type Body = { type?: string; command?: string; event?: { type?: string } };

/** Why the guard answers: the database (hung, or refusing) or a failure of the listener's own. */
export type Unanswered = 'database' | 'failed';

export interface AckGuardOptions {
  /**
   * What Slack shows for each kind of interaction (undefined: a plain ack). The screens are the Slack
   * layer's (src/slack/unanswered.ts), which this layer may not import: the composition root passes them.
   */
  answer: (body: Body, why: Unanswered) => Record<string, unknown> | undefined;
  deadlineMs?: number;
  /** Told of every acknowledgement (the listener's or the guard's) with the request body and the seconds it took. */
  onAck?: (body: Body, seconds: number) => void;
  /**
   * Whether the database answers now, asked when a listener ended without an ack: the answer blames the
   * database only when it does not answer (or not before the deadline). Without it, the database is assumed.
   */
  databaseReachable?: () => Promise<boolean>;
}

/** The probe's answer, or false when it fails or does not answer within `ms`. */
async function reachableWithin(probe: () => Promise<boolean>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), ms)));
  try {
    return await Promise.race([probe().catch(() => false), late]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * One wrapper around `processEvent` for everything that must see the ack (the deadline and the ack
 * timing): each wrapper costs every request a closure and a promise, so there is one.
 */
export function guardAcks(app: App, logger: Logger, options: AckGuardOptions): void {
  const { answer, deadlineMs = ACK_DEADLINE_MS, onAck, databaseReachable } = options;
  const processEvent = app.processEvent.bind(app);
  app.processEvent = async (event) => {
    const started = performance.now();
    const body = event.body as Body;
    const receiverAck = event.ack;
    let acked = false;
    const ackOnce = (response?: Parameters<typeof receiverAck>[0]) => {
      acked = true;
      onAck?.(body, (performance.now() - started) / 1000);
      return receiverAck.call(event, response);
    };
    event.ack = async (response) => {
      if (acked) return; // the guard answered already
      return ackOnce(response);
    };
    const answerInstead = async (why: 'deadline' | 'ended') => {
      if (acked) return;
      const type = String(body.command ?? body.type ?? 'unknown').slice(0, 100);
      if (why === 'deadline')
        logger.warn(
          { type, deadlineMs },
          'answered in the listener’s place: no ack within the deadline (most likely a slow or unreachable database)',
        );
      else
        logger.warn(
          { type },
          'answered in the listener’s place: nothing acknowledged it (no handler for this request, e.g. a malformed ' +
            'or unknown payload, or its listener failed: see "listener failed")',
        );
      // Asked within what is left of the deadline, which still answers in the listener's place if the probe hangs.
      const listenerFault =
        why === 'ended' &&
        databaseReachable !== undefined &&
        (await reachableWithin(databaseReachable, deadlineMs - (performance.now() - started)));
      if (acked) return;
      await ackOnce(answer(body, listenerFault ? 'failed' : 'database')).catch((error: Error) =>
        logger.warn({ error: error.message }, 'the guard’s answer failed too'),
      );
    };
    const timer = setTimeout(() => void answerInstead('deadline'), deadlineMs);
    try {
      await processEvent(event);
      // The error handler has run (and told the person what it could); the request still needs an answer.
      if (!acked) await answerInstead('ended');
    } finally {
      clearTimeout(timer);
    }
  };
}
