// Test-only preload for the child bot: SIGUSR2 makes a promise reject with nobody to handle it,
// the way a bug in one piece of background work would.
process.on('SIGUSR2', () => {
  Promise.reject(new Error('test: a rejection nobody handles'));
});
