import { Store } from '@chamber/store';
import { keys } from '@chamber/world';
import http from 'node:http';

// The floors of the frontend benchmark: a bare Node HTTP server, in a process
// of its own like the frontend, answering every request with a constant JSON
// of about a blade's size; given an etcd and a simulation, it also serves
// `GET /events`, a bare server-sent event stream of the simulation's `clock/`
// changes (one etcd watch of that prefix, each event framed once and written
// to every client): what fanning out the same events costs without the
// frontend. `node http-floor.js <port> [<etcd endpoints, comma-separated> <simulation>]`.
const body = JSON.stringify({
  element: {
    path: 'standard/z1/rack1/blade/0',
    kind: 'ELEMENT_KIND_BLADE',
    view: 'VIEW_ACTUAL',
    revision: '1234',
    bladeActual: { state: 'BLADE_STATE_WORKING', since: '12', image: 'ubuntu-24.04' },
  },
});
const [portArg, endpointsArg, simulation] = process.argv.slice(2);
const streams = new Set<http.ServerResponse>();
const server = http.createServer((req, res) => {
  req.resume();
  if (req.url?.startsWith('/events') === true && endpointsArg !== undefined) {
    req.socket.setNoDelay(true);
    res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8' });
    res.write('retry: 1000\n: stream of clock\n\n');
    streams.add(res);
    res.once('close', () => streams.delete(res));
    return;
  }
  res.writeHead(200, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(body),
  });
  res.end(body);
});
server.keepAliveTimeout = 60_000;
const store =
  endpointsArg === undefined || simulation === undefined
    ? undefined
    : await Store.connect({ endpoints: endpointsArg.split(','), simulation });
await store?.watch(keys.clockPrefix, { isShared: false }, (events) => {
  let text = '';
  for (const e of events) {
    const data = JSON.stringify({
      type: e.type,
      key: e.key,
      revision: e.modRevision,
      value: e.value === undefined ? undefined : (JSON.parse(e.value) as unknown),
    });
    text += `id: ${e.modRevision}-0\nevent: clock\ndata: ${data}\n\n`;
  }
  for (const res of streams) res.write(text);
});
server.listen(Number(portArg ?? 0), '127.0.0.1', () => {
  const address = server.address();
  console.log(`http floor serving on ${typeof address === 'object' ? address?.port : address}`);
});
process.on('SIGTERM', () => {
  for (const res of streams) res.end();
  store?.close();
  server.close(() => process.exit(0));
  server.closeAllConnections();
});
