/**
 * Peer: Hono on @hono/node-server, the stack the emulator is built on, with one route per measured
 * call answering a canned JSON body and nothing else: what the framework alone costs per request.
 * `node build/bench/suite/peers/hono-bare.js --port 0`
 */
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import { parseArgs } from 'node:util';
import { CANNED } from './canned.js';

const { values } = parseArgs({ options: { port: { type: 'string', default: '0' } } });

const app = new Hono();
app.get('/_emulator/health', (c) => c.json({ status: 'ok' }));
// Alibaba RPC: the action travels in x-acs-action (V3) on POST /.
app.post('/', (c) => {
  const body = CANNED.alibaba[c.req.header('x-acs-action') ?? ''];
  return body ? c.json(body) : c.json({ Code: 'InvalidAction.NotFound' }, 404);
});
app.get('/v3/:project/instances/:instance/processes', (c) => c.json(CANNED.listProcesses));
app.delete('/v3/:project/instances/:instance/process', (c) => c.json(CANNED.deleteProcess));

serve({ fetch: app.fetch, port: Number(values.port), hostname: '127.0.0.1' }, (info) => {
  process.stdout.write(`hono peer ready on http://127.0.0.1:${info.port}\n`);
});
