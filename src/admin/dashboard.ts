import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Hono } from 'hono';
import type { AppEnv } from '../http/context.js';
import { jsonResponse } from '../http/json.js';
import { PACKAGE_ROOT } from '../package.js';

/** The dashboard's files, in `ui/` of the package: served as they are, nothing to build. */
export const DASHBOARD_DIR = join(PACKAGE_ROOT, 'ui');

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
};

/** Every file the page loads; anything else under /_emulator/ui/ is a 404, so no path reaches the disk. */
export const DASHBOARD_FILES = ['dashboard.html', 'dashboard.css', 'dashboard.js', 'api.js', 'dom.js', 'panels.js', 'forms.js'] as const;

/**
 * The page runs only its own script and style and talks only to this origin, so even if some
 * session text slipped past the escaping, it could neither run nor send anything anywhere.
 */
export const DASHBOARD_CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

const HEADERS = {
  'content-security-policy': DASHBOARD_CSP,
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  // A new version of the package must not run against an old cached script.
  'cache-control': 'no-cache',
};

export interface DashboardOptions {
  /** Whether data calls want `Authorization: Bearer`: the page then asks for the token first. */
  readonly adminToken: boolean;
  readonly version: string;
}

/**
 * `GET /_emulator/ui` and its files. They hold no data, so they are served without the admin
 * token; every call the page makes for data goes through the control routes and their token check.
 * Mounted before the control routes for that reason.
 */
export function dashboardRoutes(options: DashboardOptions): Hono<AppEnv> {
  // Read once: a missing file fails the start, not the first page view.
  const files = new Map(DASHBOARD_FILES.map((name) => [name, { body: readFileSync(join(DASHBOARD_DIR, name), 'utf8'), type: TYPES[name.slice(name.lastIndexOf('.'))]! }]));
  const app = new Hono<AppEnv>();
  const serve = (name: string) => {
    const file = files.get(name as (typeof DASHBOARD_FILES)[number]);
    if (!file || name === 'dashboard.html') return undefined;
    return new Response(file.body, { headers: { 'content-type': file.type, ...HEADERS } });
  };
  const mark = (audit: AppEnv['Variables']['audit'], operation: string) => {
    audit.provider = 'emulator';
    audit.operation = operation;
  };

  app.get('/ui', (c) => {
    mark(c.get('audit'), 'Dashboard');
    return new Response(files.get('dashboard.html')!.body, { headers: { 'content-type': TYPES['.html']!, ...HEADERS } });
  });
  // What the page must know before its first data call: whether to ask for a token.
  app.get('/ui/settings.json', (c) => {
    mark(c.get('audit'), 'DashboardSettings');
    return jsonResponse({ adminToken: options.adminToken, version: options.version }, 200, HEADERS);
  });
  app.get('/ui/:file', (c, next) => {
    const response = serve(c.req.param('file'));
    if (!response) return next();
    mark(c.get('audit'), 'DashboardFile');
    return response;
  });
  return app;
}
