import { Hono } from 'hono';
import type { AppEnv } from '../http/context.js';
import type { OperationInfo } from '../providers/operation-info.js';

export interface WelcomeOptions {
  readonly version: string;
  readonly operations: readonly OperationInfo[];
}

const escape = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/**
 * `GET /` from a browser (it asks for HTML and names no Action) gets a page saying what runs here,
 * instead of Alibaba's MissingParameter JSON. Every other request to `/` goes on to the Alibaba
 * endpoint: no official client asks for HTML, and every RPC call carries a query or a form.
 */
export function welcomeRoute(options: WelcomeOptions): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  const rows = options.operations
    .map((o) => `<tr><td>${o.provider === 'alibaba' ? 'Alibaba' : 'Huawei'}</td><td><code>${escape(o.operation)}</code></td><td><code>${escape(`${o.method} ${o.path}`)}</code></td></tr>`)
    .join('\n');
  const page = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>das-emulator ${escape(options.version)}</title>
<style>body{font:15px/1.5 system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem}code{font-size:90%}table{border-collapse:collapse}td{padding:.15rem .8rem .15rem 0;border-bottom:1px solid #ddd}</style></head>
<body><h1>das-emulator ${escape(options.version)}</h1>
<p>A local emulator of Alibaba Cloud DAS (API 2020-01-16, RPC at <code>/</code>) and Huawei Cloud DAS v3 (<code>/v3/...</code>). Point the vendors' clients at this address.</p>
<ul>
<li><a href="/_emulator/ui"><strong>/_emulator/ui</strong></a>: the dashboard: instances and live sessions, kill tasks, the journal, fault rules, DB users</li>
<li><a href="/_emulator/health">/_emulator/health</a>: health</li>
<li><a href="/_emulator/operations">/_emulator/operations</a>: the operations below, as JSON</li>
<li><a href="/_emulator/journal">/_emulator/journal</a>: the last requests, with why each refusal was refused</li>
<li><a href="/_emulator/state">/_emulator/state</a>: instances, sessions, tasks, DB users, fault rules</li>
<li><a href="/_emulator/openapi.json">/_emulator/openapi.json</a>: the control API</li>
</ul>
<table>${rows}</table>
</body></html>`;
  app.get('/', async (c, next) => {
    const fromBrowser = (c.req.header('accept') ?? '').includes('text/html') && new URL(c.req.url).search === '';
    if (!fromBrowser) return next();
    const audit = c.get('audit');
    audit.provider = 'emulator';
    audit.operation = 'Welcome';
    return c.html(page);
  });
  return app;
}
