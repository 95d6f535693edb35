// Preloaded into the server by bench/profile.mjs (node --require): samples the CPU from start-up and
// writes the profile to BENCH_PROFILE_FILE on SIGUSR2, whatever the server does with SIGTERM.
const inspector = require('node:inspector');
const { writeFileSync } = require('node:fs');

const session = new inspector.Session();
session.connect();
session.post('Profiler.enable', () => {
  session.post('Profiler.setSamplingInterval', { interval: 200 }, () => {
    process.on('SIGUSR2', () => {
      session.post('Profiler.stop', (err, result) => {
        if (!err) writeFileSync(process.env.BENCH_PROFILE_FILE, JSON.stringify(result.profile));
        process.send?.('profiled');
        console.log('profile written');
      });
    });
    process.on('SIGUSR1', () => session.post('Profiler.start'));
  });
});
