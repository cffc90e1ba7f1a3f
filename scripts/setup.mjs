// Runs before `npm start`, `npm test` and `npm run bench`, with nothing but
// Node: checks Node, installs the npm dependencies when they are missing or
// differ from package-lock.json, and makes sure etcd is there (Debian's
// etcd-server through apt-get when running as root; otherwise it says the
// one command to run). Quiet when everything is in place.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const purpose = process.argv[2] ?? 'start';

function fail(message) {
  console.error(`setup: ${message}`);
  process.exit(1);
}

function run(command, args) {
  console.log(`setup: ${command} ${args.join(' ')}`);
  try {
    execFileSync(command, args, { cwd: root, stdio: 'inherit' });
  } catch {
    fail(`\`${command} ${args.join(' ')}\` failed (see above)`);
  }
}

// Node 20.19+ (require(esm) and the APIs the services use).
const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 20 || (major === 20 && minor < 19)) {
  fail(`Node ${process.versions.node} is too old: Chamber needs Node 20.19 or newer`);
}

// npm dependencies: missing, or not what package-lock.json says (a pull
// changed it). `npm ci` installs exactly the committed lockfile and never
// rewrites it, so a run leaves the checkout as it found it; the lockfile
// lists every platform's optional binaries, so it is complete everywhere.
const lockFile = path.join(root, 'package-lock.json');
const installedFile = path.join(root, 'node_modules', '.package-lock.json');
const why = (() => {
  if (!fs.existsSync(installedFile)) return 'node_modules is missing';
  const wanted = JSON.parse(fs.readFileSync(lockFile, 'utf8')).packages ?? {};
  const installed = JSON.parse(fs.readFileSync(installedFile, 'utf8')).packages ?? {};
  for (const [name, entry] of Object.entries(wanted)) {
    if (name === '' || entry.optional) continue;
    const have = installed[name];
    if (have === undefined) return `${name} is not installed`;
    if (have.version !== entry.version) return `${name} is ${have.version}, want ${entry.version}`;
  }
  return undefined;
})();
if (why !== undefined) {
  console.log(`setup: installing npm dependencies (${why})`);
  run('npm', ['ci', '--no-audit', '--no-fund']);
}

const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
const onPath = (binary) =>
  (process.env.PATH ?? '')
    .split(path.delimiter)
    .concat('/usr/bin', '/usr/sbin')
    .some((dir) => dir !== '' && fs.existsSync(path.join(dir, binary)));

/**
 * Installs Debian `packages` as root, or stops with the one command to run,
 * unless `binary` is there (a command on the PATH, or an absolute path).
 */
function ensureDebian(binary, packages, why) {
  const isThere = () => (path.isAbsolute(binary) ? fs.existsSync(binary) : onPath(binary));
  if (isThere()) return;
  if (!isRoot) {
    fail(
      `${why} needs \`${binary}\`; install it with: sudo apt-get install -y ${packages.join(' ')}`,
    );
  }
  run('apt-get', ['update']);
  run('apt-get', ['install', '-y', '--no-install-recommends', ...packages]);
  if (!isThere()) fail(`installed ${packages.join(' ')} but \`${binary}\` is still missing`);
}

// The private etcd of `npm start` and of the tests. An external etcd
// (CHAMBER_ETCD_ENDPOINTS) needs none for `npm start`.
if (purpose !== 'start' || !process.env.CHAMBER_ETCD_ENDPOINTS) {
  ensureDebian('etcd', ['etcd-server'], purpose === 'start' ? 'Chamber' : `npm ${purpose}`);
}
// The dashboard's browser tests, once the dashboard exists.
if (purpose === 'test' && fs.existsSync(path.join(root, 'web'))) {
  ensureDebian('chromium', ['chromium'], 'the browser tests');
}
// The Python harness (examples/python): Debian's gRPC for Python and the
// protobuf compiler with its gRPC plugin, which turn the .proto files into its stubs.
if (purpose === 'test' && fs.existsSync(path.join(root, 'examples', 'python'))) {
  const python = [
    'python3-grpcio',
    'python3-protobuf',
    'protobuf-compiler',
    'protobuf-compiler-grpc',
  ];
  ensureDebian('grpc_python_plugin', python, 'the Python harness test');
  ensureDebian(
    '/usr/lib/python3/dist-packages/grpc/__init__.py',
    python,
    'the Python harness test',
  );
}
