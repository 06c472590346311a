/**
 * Peer and reference: a bare node:http server answering every request with one fixed small JSON
 * body. It stands for the limit of a Node HTTP server on this machine; the bench spawns and loads it
 * exactly as it does the emulator CLI. `node build/bench/suite/peers/node-http.js --port 0`
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseArgs } from 'node:util';

const { values } = parseArgs({ options: { port: { type: 'string', default: '0' } } });
const BODY = Buffer.from('{"status":"ok"}');

const server = http.createServer((_req, res) => {
  res.writeHead(200, { 'content-type': 'application/json', 'content-length': BODY.length });
  res.end(BODY);
});
server.listen(Number(values.port), '127.0.0.1', () => {
  process.stdout.write(`node:http peer ready on http://127.0.0.1:${(server.address() as AddressInfo).port}\n`);
});
// No SIGTERM handler: the default action ends the process, which is all the bench asks of it.
