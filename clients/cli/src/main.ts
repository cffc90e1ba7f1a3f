#!/usr/bin/env node
// The `chamber` executable: wires the process to run() and nothing else.
import process from 'node:process';
import { processEnvironment } from './config.js';
import { run } from './run.js';
import { createSecretReader } from './secrets.js';

const interrupt = new AbortController();
// The first Ctrl-C asks the command to stop (watch ends, waits are cancelled);
// with this listener gone, a second one kills the process the usual way.
process.once('SIGINT', () => interrupt.abort());
// A closed pipe (`chamber clock watch | head -1`) ends the command quietly
// instead of crashing on the unhandled EPIPE.
process.stdout.on('error', () => interrupt.abort());

const secrets = createSecretReader(process.stdin, process.stderr);
process.exitCode = await run(process.argv.slice(2), {
  stdout: (text) => {
    process.stdout.write(text);
  },
  stderr: (text) => {
    process.stderr.write(text);
  },
  env: processEnvironment(),
  signal: interrupt.signal,
  readSecret: secrets.read,
});
secrets.close();
