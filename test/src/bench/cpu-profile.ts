import fs from 'node:fs';
import { Session } from 'node:inspector';
import path from 'node:path';

// Preloaded (`NODE_OPTIONS=--import=<this file>`) into every process the
// system benchmark's launcher starts when it profiles: Node 20 refuses
// `--cpu-prof` in NODE_OPTIONS, so this does what it does through the
// inspector — sample the CPU every millisecond from the start and write
// `<CHAMBER_BENCH_CPU_PROFILE_DIR>/CPU.<pid>.cpuprofile` at exit — in the
// services named in CHAMBER_BENCH_CPU_PROFILE_SERVICES (comma-separated) only,
// since the profiler's own cost loads the machine.
const dir = process.env['CHAMBER_BENCH_CPU_PROFILE_DIR'];
const service = /services\/([^/]+)\/dist\//.exec(process.argv[1] ?? '')?.[1];
const wanted = (process.env['CHAMBER_BENCH_CPU_PROFILE_SERVICES'] ?? '').split(',');
if (dir !== undefined && dir !== '' && service !== undefined && wanted.includes(service)) {
  const session = new Session();
  session.connect();
  session.post('Profiler.enable');
  session.post('Profiler.setSamplingInterval', { interval: 1000 });
  session.post('Profiler.start');
  process.on('exit', () => {
    // A session on the main thread answers synchronously, so this runs before the exit.
    session.post('Profiler.stop', (error, result) => {
      if (error === null) {
        fs.writeFileSync(
          path.join(dir, `CPU.${process.pid}.cpuprofile`),
          JSON.stringify(result.profile),
        );
      }
    });
  });
}
