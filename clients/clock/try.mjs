import { ClockClient } from '@chamber/clock';
import net from 'node:net';
import * as grpc from '@grpc/grpc-js';
const free = await new Promise((r) => {
  const s = net.createServer();
  s.listen(0, '127.0.0.1', () => {
    const p = s.address().port;
    s.close(() => r(p));
  });
});
const c = ClockClient.connect(`127.0.0.1:${free}`);
let t = Date.now();
try {
  await c.getStatus();
} catch (e) {
  console.log('unreach', e.code, e.message, Date.now() - t);
}
try {
  await c.step(3);
} catch (e) {
  console.log('unreach step', e.code, e.message);
}
await new Promise((r) =>
  c.watch(
    (s) => console.log('s', s),
    (e) => {
      console.log('watch end', e?.code, e?.message);
      r();
    },
  ),
);
c.close();
try {
  await c.getStatus();
} catch (e) {
  console.log('closed', e.code, e.message);
}
// silent TCP
const silent = net.createServer(() => {});
await new Promise((r) => silent.listen(0, '127.0.0.1', r));
const c2 = ClockClient.connect(`127.0.0.1:${silent.address().port}`, { timeoutMs: 300 });
t = Date.now();
try {
  await c2.getStatus();
} catch (e) {
  console.log('silent', e.code, e.message, Date.now() - t);
}
c2.close();
silent.close();
// empty grpc server
const srv = new grpc.Server();
const port = await new Promise((r, j) =>
  srv.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (e, p) =>
    e ? j(e) : r(p),
  ),
);
const c3 = ClockClient.connect(`127.0.0.1:${port}`);
try {
  await c3.getStatus();
} catch (e) {
  console.log('unimpl', e.code, e.message);
}
try {
  await c3.step(-1);
} catch (e) {
  console.log('neg', e.code, e.message);
}
try {
  ClockClient.connect('foo');
} catch (e) {
  console.log('addr', e.code, e.message);
}
const ac = new AbortController();
ac.abort();
try {
  await c3.getStatus({ signal: ac.signal });
} catch (e) {
  console.log('abort', e.code, e.message);
}
c3.close();
srv.forceShutdown();
