/**
 * The benchmark's fake Slack: the testkit's FakeSlack (the one the tests use) in a child process of
 * its own, so its CPU is not the load generator's. Lean settings for load: nothing recorded, no view
 * validation, trigger_ids never expire (autocannon's are not Slack-shaped anyway).
 *
 * It notes the arrival of every first views.open by trigger_id on the monotonic clock (`hr()`,
 * CLOCK_MONOTONIC, so comparable with the load generator's clock in another process), and while
 * recording reports every Web API call as a `FakeEvent` (used by the conversation flows).
 *
 * Run with `fork(dist/bench/fake-slack.js)`: it sends `{ ready, port }` over IPC, then answers
 * `{ id, cmd }` requests (`drainOpens`, `record`, `counts`, `reset`, `stop`) with `{ id, result }` and
 * pushes `{ event }` while recording.
 */
import { FakeSlack, type JsonObject, type RecordedCall } from '../testkit/fake-slack';
import { hr } from '../testkit/signed-request';

export interface FakeEvent {
  method: string;
  /** Monotonic ms at which the request body was complete. */
  t: number;
  triggerId?: string;
  viewId?: string;
  callbackId?: string;
  channel?: string;
  text?: string;
  /** The view as the fake shows it (views.open/update/push). */
  view?: JsonObject;
  fileId?: string;
  ok: boolean;
}

const MAX_OPENS = 1_000_000;

function eventOf(call: RecordedCall): FakeEvent {
  const { args, response } = call;
  const view = response.view as JsonObject | undefined;
  const files = Array.isArray(args.files) ? (args.files as JsonObject[]) : [];
  return {
    method: call.method,
    t: call.receivedAt,
    ok: response.ok === true,
    triggerId: args.trigger_id,
    viewId: view?.id,
    callbackId: view?.callback_id,
    channel: args.channel ?? args.channel_id,
    text: args.text ?? args.initial_comment,
    view,
    fileId: files[0]?.id,
  };
}

interface IpcRequest {
  id: number;
  cmd: 'drainOpens' | 'record' | 'counts' | 'reset' | 'stop';
  on?: boolean;
}

if (require.main === module) {
  if (!process.send) {
    console.error('fake-slack: run me with child_process.fork (IPC is required)');
    process.exit(2);
  }
  const send = (message: unknown) => process.send?.(message);
  const fake = new FakeSlack({ record: false, validate: false, strictTriggers: false, clock: hr });
  /** trigger_id → arrival (monotonic ms) of its first views.open. */
  const opens = new Map<string, number>();
  let recording = false;
  fake.onCall = (call) => {
    const trigger = call.args.trigger_id;
    if (call.method === 'views.open' && typeof trigger === 'string' && !opens.has(trigger) && opens.size < MAX_OPENS)
      opens.set(trigger, call.receivedAt);
    if (recording) send({ event: eventOf(call) });
  };
  // Exit with the parent: never outlive the benchmark.
  process.on('disconnect', () => process.exit(0));
  process.on('message', (message: IpcRequest) => {
    switch (message.cmd) {
      case 'drainOpens':
        send({ id: message.id, result: [...opens.entries()] });
        opens.clear();
        break;
      case 'record':
        recording = Boolean(message.on);
        send({ id: message.id, result: recording });
        break;
      case 'counts': {
        const byToken = fake.callCountsByToken();
        const total: Record<string, number> = {};
        for (const byMethod of Object.values(byToken))
          for (const [method, n] of Object.entries(byMethod)) total[method] = (total[method] ?? 0) + n;
        send({ id: message.id, result: { total, byToken } });
        break;
      }
      case 'reset':
        opens.clear();
        fake.reset();
        send({ id: message.id, result: true });
        break;
      case 'stop':
        void fake.stop().then(() => {
          send({ id: message.id, result: true });
          process.exit(0);
        });
        break;
      default:
        send({ id: message.id, error: 'unknown command' });
    }
  });
  fake.start().then(
    () => send({ ready: true, port: fake.port }),
    (error: unknown) => {
      console.error('fake-slack failed to start:', error);
      process.exit(1);
    },
  );
}
