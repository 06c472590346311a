import { readdirSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DASHBOARD_CSP, DASHBOARD_DIR, DASHBOARD_FILES } from '../../src/admin/dashboard.js';
import type { RunningEmulator } from '../../src/emulator.js';
import { VERSION } from '../../src/package.js';
import { startTestEmulator } from '../support/emulator.js';
import { ControlApi, expectControlError } from './control.js';

const TOKEN = 'dash-s3cret';

/** The dashboard's files over HTTP, without a browser (test/ui drives the page in Chromium). */
describe('the dashboard routes', () => {
  let open: RunningEmulator;
  let guarded: RunningEmulator;
  beforeAll(async () => {
    [open, guarded] = await Promise.all([startTestEmulator(), startTestEmulator({ adminToken: TOKEN })]);
  });
  afterAll(async () => {
    await Promise.all([open?.stop(), guarded?.stop()]);
  });

  it('serves every file of ui/, and no other', () => {
    expect([...DASHBOARD_FILES].sort()).toEqual(readdirSync(DASHBOARD_DIR).sort());
  });

  it('serves the page without the admin token (it holds no data), with a Content-Security-Policy that allows only its own files', async () => {
    const res = await fetch(`${guarded.url}/_emulator/ui`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(res.headers.get('content-security-policy')).toBe(DASHBOARD_CSP);
    expect(DASHBOARD_CSP).toContain("script-src 'self'");
    expect(DASHBOARD_CSP).toContain("connect-src 'self'");
    expect(DASHBOARD_CSP).not.toContain('unsafe');
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('referrer-policy')).toBe('no-referrer');
    const html = await res.text();
    expect(html).toContain('<script type="module" src="/_emulator/ui/dashboard.js">');
    // No inline script or style: the CSP would refuse them.
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
    expect(html).not.toMatch(/<style|\sstyle=|\son[a-z]+=/i);
  });

  it('serves its scripts and style with their types, without the token', async () => {
    for (const [file, type] of [
      ['dashboard.js', 'text/javascript; charset=utf-8'],
      ['api.js', 'text/javascript; charset=utf-8'],
      ['dashboard.css', 'text/css; charset=utf-8'],
    ] as const) {
      const res = await fetch(`${guarded.url}/_emulator/ui/${file}`);
      expect(res.status, file).toBe(200);
      expect(res.headers.get('content-type'), file).toBe(type);
    }
  });

  it('never writes data into the page as HTML: the scripts use no innerHTML, outerHTML, insertAdjacentHTML or document.write', async () => {
    for (const file of DASHBOARD_FILES.filter((f) => f.endsWith('.js'))) {
      const text = await (await fetch(`${open.url}/_emulator/ui/${file}`)).text();
      expect(text, file).not.toMatch(/innerHTML|outerHTML|insertAdjacentHTML|document\.write|eval\(|new Function/);
    }
  });

  it('tells the page whether to ask for a token, and nothing else', async () => {
    expect(await (await fetch(`${guarded.url}/_emulator/ui/settings.json`)).json()).toEqual({ adminToken: true, version: VERSION });
    expect(await (await fetch(`${open.url}/_emulator/ui/settings.json`)).json()).toEqual({ adminToken: false, version: VERSION });
  });

  it('keeps every data route behind the token: the page is public, what it shows is not', async () => {
    const anonymous = new ControlApi(guarded.url);
    for (const path of ['/state', '/journal', '/tasks', '/faults', '/operations']) expectControlError(await anonymous.get(path), 401, 'unauthorized');
    expect((await new ControlApi(guarded.url, TOKEN).get('/state')).status).toBe(200);
  });

  it('answers a file it does not have as any unknown control path: 401 without the token, 404 with it', async () => {
    for (const path of ['/ui/nope.js', '/ui/..%2Fpackage.json', '/ui/dashboard.html/x']) {
      expectControlError(await new ControlApi(guarded.url).get(path), 401, 'unauthorized');
      expectControlError(await new ControlApi(guarded.url, TOKEN).get(path), 404, 'not_found');
    }
  });

  it('does not journal page views: the journal is about the clouds’ APIs', async () => {
    await fetch(`${open.url}/_emulator/ui`);
    await fetch(`${open.url}/_emulator/ui/dashboard.js`);
    expect((await new ControlApi(open.url).journal()).entries).toEqual([]);
  });

  it('is linked from the welcome page', async () => {
    const html = await (await fetch(`${open.url}/`, { headers: { accept: 'text/html' } })).text();
    expect(html).toContain('<a href="/_emulator/ui">');
  });
});
