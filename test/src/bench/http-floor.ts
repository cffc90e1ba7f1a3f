import http from 'node:http';

// The floor of the frontend benchmark: a bare Node HTTP server, in a process
// of its own like the frontend, answering every request with a constant JSON
// of about a blade's size. `node http-floor.js <port>`.
const body = JSON.stringify({
  element: {
    path: 'standard/z1/rack1/blade/0',
    kind: 'ELEMENT_KIND_BLADE',
    view: 'VIEW_ACTUAL',
    revision: '1234',
    bladeActual: { state: 'BLADE_STATE_WORKING', since: '12', image: 'ubuntu-24.04' },
  },
});
const server = http.createServer((req, res) => {
  req.resume();
  res.writeHead(200, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(body),
  });
  res.end(body);
});
server.keepAliveTimeout = 60_000;
server.listen(Number(process.argv[2] ?? 0), '127.0.0.1', () => {
  const address = server.address();
  console.log(`http floor serving on ${typeof address === 'object' ? address?.port : address}`);
});
process.on('SIGTERM', () => {
  server.close(() => process.exit(0));
  server.closeAllConnections();
});
