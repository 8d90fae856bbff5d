// Test-only preload for the child bot: the process dies (SIGKILL, no cleanup) right before it
// queues an audit message whose outbox key matches KILL_BEFORE_QUEUING (a regular expression), so
// the state that message tells of is stored and the message is not.
const { Outbox } = require('../../../src/store/sql/outbox');

const pattern = new RegExp(process.env.KILL_BEFORE_QUEUING);
const enqueue = Outbox.prototype.enqueue;
Outbox.prototype.enqueue = function (message, now) {
  if (!pattern.test(message.key)) return enqueue.call(this, message, now);
  process.kill(process.pid, 'SIGKILL');
  // The signal may land a moment after this returns: nothing is written meanwhile.
  return new Promise(() => undefined);
};
