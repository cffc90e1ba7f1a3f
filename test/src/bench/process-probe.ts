import { monitorEventLoopDelay } from 'node:perf_hooks';

// Preloaded into a service process by the `large` benchmark
// (`NODE_OPTIONS=--import <this file>`): once a second it prints one JSON
// line with the longest event-loop stall of that second and the process's
// peak RSS so far, so the benchmark can tell a stall during the load from
// the one of loading the modules at start.
const histogram = monitorEventLoopDelay({ resolution: 10 });
histogram.enable();
const timer = setInterval(() => {
  console.log(
    JSON.stringify({
      probe: 'process',
      at: Date.now(),
      loopDelayMaxMs: histogram.max / 1e6,
      maxRssBytes: process.resourceUsage().maxRSS * 1024,
    }),
  );
  histogram.reset();
}, 1_000);
timer.unref();
