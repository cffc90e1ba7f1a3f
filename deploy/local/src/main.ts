import { isChamberError } from '@chamber/errors';
import { inheritedEnv, loadLauncherConfig } from './config.js';
import { launch, type Launched } from './launcher.js';
import { repositoryRoot } from './root.js';

// `npm start`: the whole simulator in the foreground; Ctrl-C stops it.
const print = (line: string): void => console.log(line);
let launched: Launched | undefined;
let signals = 0;

function stop(): void {
  if (launched === undefined) {
    print('\nStopping as soon as startup finishes (Ctrl-C again to abandon it)…');
    return;
  }
  print('\nStopping (Ctrl-C again to kill at once)…');
  launched.stop().then(
    () => {
      print('Stopped.');
      process.exit(0);
    },
    (error: unknown) => {
      console.error(`chamber: stopping failed: ${String(error)}`);
      process.exit(1);
    },
  );
}

// Installed before anything starts: the children run in process groups of
// their own, so the terminal's Ctrl-C reaches only this process.
const onSignal = (): void => {
  if (++signals > 1) {
    print('Killing everything now.');
    launched?.kill();
    process.exit(130);
  }
  stop();
};
process.on('SIGINT', onSignal);
process.on('SIGTERM', onSignal);

try {
  const config = loadLauncherConfig();
  launched = await launch(config, { root: repositoryRoot(), print, env: inheritedEnv() });
  if (signals > 0) stop();
} catch (error) {
  console.error(
    `chamber: ${isChamberError(error) || error instanceof Error ? error.message : String(error)}`,
  );
  process.exit(1);
}
