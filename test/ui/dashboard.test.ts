/**
 * The dashboard in a real browser: Debian's Chromium driven by playwright-core. Each test fails if
 * the page logs a console error or throws, except where a step expects one (a refused token).
 */
import { copyFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DASHBOARD_CSP } from '../../src/admin/dashboard.js';
import type { RunningEmulator } from '../../src/emulator.js';
import { dasClient } from '../alibaba/clients.js';
import { ALIBABA_ADMIN, alibabaKill, ControlApi, RDS, REDIS } from '../admin/control.js';
import { ROOT } from '../readme/recipes.js';
import { startTestEmulator } from '../support/emulator.js';
import { defaultFixtures, writeFixtures } from '../support/fixtures.js';
import { artifactPath, CHROMIUM_MISSING, launchBrowser, REQUIRE_CHROMIUM, watch, type Browser, type PageWatch } from './browser.js';

if (CHROMIUM_MISSING && !REQUIRE_CHROMIUM) console.warn(`[das-emulator tests] SKIPPING dashboard browser tests: ${CHROMIUM_MISSING}`);

const SLOW = { timeout: 90_000 };
/** Longer than one auto-refresh (2 s), with room for a loaded machine. */
const SEEN = { timeout: 15_000 };
/** SQL text is the client's to choose: the page must show it as text, never run it as markup. */
/** A Redis client name may hold any printable character but a space. */
const HOSTILE_NAME = '<img/src=x/onerror=window.pwned=3>';
const HOSTILE_INFO = `SELECT '<img src=x onerror="window.pwned=1">' /* </td><script>window.pwned=2</script> */`;

describe('Chromium', () => {
  it.runIf(REQUIRE_CHROMIUM)('is installed, as REQUIRE_CHROMIUM=1 demands', () => {
    expect(CHROMIUM_MISSING).toBeUndefined();
  });
});

describe.skipIf(CHROMIUM_MISSING !== undefined)('the dashboard in Chromium', () => {
  let browser: Browser;
  let page: Page;
  let seen: PageWatch;
  beforeAll(async () => {
    browser = await launchBrowser();
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
  });
  beforeEach(async () => {
    page = await browser.context.newPage();
    seen = watch(page);
  });
  afterEach(async () => {
    await page.close();
    expect(seen.errors, 'console errors or page errors').toEqual([]);
  });

  describe('without an admin token', () => {
    let emulator: RunningEmulator;
    let control: ControlApi;
    let cleanup: () => void;
    beforeAll(async () => {
      // Tasks on the RDS instance stay RUNNING until finished, so the page's Finish button has work.
      const fixtures = defaultFixtures();
      fixtures.instances.find((i: { id: string }) => i.id === RDS).taskCompletion = { mode: 'polls', polls: 1000 };
      const file = writeFixtures(fixtures);
      cleanup = file.cleanup;
      emulator = await startTestEmulator({ fixtures: file.path });
      control = new ControlApi(emulator.url);
    });
    afterAll(async () => {
      await emulator?.stop();
      cleanup?.();
    });

    const instance = () => page.locator(`article[data-instance="${RDS}"]`);
    const sessionRow = (id: number | string) => instance().locator(`tr[data-session="${id}"]`);
    const addSession = async (fields: { user: string; info: string; trxSeconds?: number }): Promise<number> => {
      const form = page.locator('#add-session');
      await form.locator('select[name="target"]').selectOption({ label: RDS });
      await form.locator('input[name="user"]').fill(fields.user);
      await form.locator('input[name="info"]').fill(fields.info);
      await form.locator('input[name="trx"]').setChecked(fields.trxSeconds !== undefined);
      if (fields.trxSeconds !== undefined) await form.locator('input[name="trxSeconds"]').fill(String(fields.trxSeconds));
      const before = await page.locator('#status').textContent();
      await form.getByRole('button', { name: 'Add session' }).click();
      await expect.poll(() => page.locator('#status').textContent(), SEEN).not.toBe(before);
      const status = (await page.locator('#status').textContent()) ?? '';
      const id = /added session (\d+) on/.exec(status)?.[1];
      expect(id, status).toBeDefined();
      return Number(id);
    };

    it('adds a session, sees an official client kill it, finishes the task and shows the journal entry with its parameters', SLOW, async () => {
      const response = await page.goto(`${emulator.url}/_emulator/ui`);
      expect(response?.status()).toBe(200);
      expect(response?.headers()['content-security-policy']).toBe(DASHBOARD_CSP);
      await instance().waitFor(SEEN);

      // Added through the page: the control API has it, and the page shows its SQL as text.
      const id = await addSession({ user: 'report', info: HOSTILE_INFO });
      await sessionRow(id).waitFor(SEEN);
      expect(await sessionRow(id).locator('td.info').textContent()).toBe(HOSTILE_INFO);
      expect(await page.locator('#instances img, #instances script').count()).toBe(0);
      expect(await page.evaluate(() => (globalThis as { pwned?: number }).pwned)).toBeUndefined();
      expect((await control.sessions(RDS)).find((s) => s.id === id)).toMatchObject({ user: 'report', info: HOSTILE_INFO });

      // Killed by Alibaba's own client; the page sees the task, RUNNING, and the session gone.
      const taskId = await alibabaKill(dasClient('openapi-v3', emulator.url), RDS, [id]);
      const task = page.locator(`#tasks tr[data-task="${taskId}"]`);
      await task.waitFor(SEEN);
      expect(await task.getAttribute('data-state')).toBe('running');
      await sessionRow(id).waitFor({ state: 'detached', ...SEEN });

      await task.getByRole('button', { name: 'Finish' }).click();
      await expect.poll(() => task.getAttribute('data-state'), SEEN).toBe('success');
      expect(await task.locator('ul.outcomes').textContent()).toBe(`${id}: killed`);
      expect((await control.tasks()).find((t) => t.id === taskId)?.state).toBe('success');

      // The journal entry: what the client asked, the password masked.
      const entry = page.locator('#journal details').filter({ hasText: 'CreateKillInstanceSessionTask' });
      await entry.waitFor(SEEN);
      await entry.locator('summary').click();
      const params = await entry.locator('pre').first().textContent();
      expect(JSON.parse(params ?? '')).toMatchObject({ InstanceId: RDS, DbUser: ALIBABA_ADMIN.DbUser, DbUserPassword: '******', SessionIds: `[${id}]` });
      expect(await entry.locator('dl').textContent()).toContain(taskId);
      expect(await page.content()).not.toContain(ALIBABA_ADMIN.DbUserPassword);

      // The opened entry stays open across auto-refreshes.
      await page.waitForTimeout(2_500);
      expect(await entry.getAttribute('open')).not.toBeNull();

      const screenshot = artifactPath('dashboard.png');
      await page.screenshot({ path: screenshot, fullPage: true });
      // README's copy is refreshed on request only: every run's picture differs (times, ids).
      if (process.env.UPDATE_SCREENSHOT === '1') copyFileSync(screenshot, join(ROOT, 'docs', 'dashboard.png'));
    });

    it('adds a long transaction and ends it', SLOW, async () => {
      await page.goto(`${emulator.url}/_emulator/ui`);
      await instance().waitFor(SEEN);
      const id = await addSession({ user: 'batch', info: 'UPDATE orders SET state = 2', trxSeconds: 900 });
      const row = sessionRow(id);
      await row.waitFor(SEEN);
      const trx = (await control.sessions(RDS)).find((s) => s.id === id);
      expect(trx?.trxId).not.toBeNull();
      expect(trx?.trxSeconds).toBeGreaterThanOrEqual(900);
      expect(await row.locator('td').nth(8).textContent()).toContain(trx!.trxId!);

      await row.getByRole('button', { name: 'End transaction' }).click();
      await row.getByRole('button', { name: 'End transaction' }).waitFor({ state: 'detached', ...SEEN });
      expect((await control.sessions(RDS)).find((s) => s.id === id)?.trxId).toBeNull();
    });

    it('adds and removes a fault rule, and shows why the API refused one', SLOW, async () => {
      await page.goto(`${emulator.url}/_emulator/ui`);
      await instance().waitFor(SEEN);
      const form = page.locator('#add-fault');
      await form.locator('select[name="provider"]').selectOption('alibaba');
      await form.locator('select[name="operation"]').selectOption('CreateKillInstanceSessionTask');
      await form.locator('input[name="instanceId"]').fill(RDS);
      await form.locator('input[name="code"]').fill('Throttling.User');
      await form.locator('input[name="count"]').fill('2');
      await form.getByRole('button', { name: 'Add rule' }).click();
      const row = page.locator('#faults tr[data-fault]');
      await row.waitFor(SEEN);
      expect(await control.faults()).toMatchObject([{ provider: 'alibaba', operation: 'CreateKillInstanceSessionTask', instanceId: RDS, error: { code: 'Throttling.User' }, count: 2 }]);

      // A code outside Huawei's catalog: the API says no (400), and the page says why.
      await form.locator('select[name="provider"]').selectOption('huawei');
      await form.locator('select[name="operation"]').selectOption('DeleteProcess');
      await form.locator('input[name="code"]').fill('Not.A.Code');
      await seen.allowing(/status of 400/, async () => {
        await form.getByRole('button', { name: 'Add rule' }).click();
        await expect.poll(() => page.locator('#status').textContent(), SEEN).toMatch(/^Could not add a fault rule on huawei DeleteProcess: .*Not\.A\.Code/);
      });
      expect(await control.faults()).toHaveLength(1);

      await row.getByRole('button', { name: 'Remove' }).click();
      await row.waitFor({ state: 'detached', ...SEEN });
      expect(await control.faults()).toEqual([]);
    });

    it("shows a Redis instance's clients live, a hostile client name as text, and removes a simulated client", SLOW, async () => {
      await page.goto(`${emulator.url}/_emulator/ui`);
      const redis = page.locator(`article[data-instance="${REDIS}"]`);
      const client = (id: number) => redis.locator(`tr[data-client="${id}"]`);
      await client(203).waitFor(SEEN);
      expect(await client(203).locator('td').allTextContents()).toEqual(['203', '10.0.1.16:51200', 'queue-worker', 'default', '0', 'blpop', expect.stringMatching(/^\d+$/), expect.stringMatching(/^\d+$/), 'b', 'Remove']);
      // Redis takes no MySQL-style sessions: the session form does not offer it.
      expect(await page.locator('#add-session select[name="target"] option').allTextContents()).not.toContain(REDIS);

      // A client names itself (CLIENT SETNAME): the page shows the name as text.
      const added = await control.post<{ client: { id: number } }>(`/instances/${REDIS}/clients`, { addr: '10.0.9.9:7000', name: HOSTILE_NAME, cmd: 'ping' });
      expect(added.status, added.text).toBe(201);
      await client(added.body.client.id).waitFor(SEEN);
      expect(await client(added.body.client.id).locator('td').nth(2).textContent()).toBe(HOSTILE_NAME);
      expect(await page.locator('#instances img, #instances script').count()).toBe(0);
      expect(await page.evaluate(() => (globalThis as { pwned?: number }).pwned)).toBeUndefined();

      await client(201).getByRole('button', { name: 'Remove' }).click();
      await client(201).waitFor({ state: 'detached', ...SEEN });
      expect((await control.get<{ clients: Array<{ id: number }> }>(`/instances/${REDIS}/clients`)).body.clients.map((c) => c.id)).not.toContain(201);

      // A kill through Alibaba's client empties the table but for the protected clients.
      await dasClient('openapi-v3', emulator.url).call('KillInstanceAllSession', { InstanceId: REDIS });
      await client(202).waitFor({ state: 'detached', ...SEEN });
      expect(await redis.locator('tr[data-client]').evaluateAll((rows) => rows.map((r) => Number(r.getAttribute('data-client'))))).toEqual([206, 207]);
      await control.post('/reset', { instanceId: REDIS });
    });

    it('resets one instance, then everything', SLOW, async () => {
      await page.goto(`${emulator.url}/_emulator/ui`);
      await instance().waitFor(SEEN);
      const seeded = defaultFixtures().instances.find((i: { id: string }) => i.id === RDS).sessions.map((s: { id: number }) => s.id);
      const id = await addSession({ user: 'leftover', info: 'SELECT 1' });
      const killed = await addSession({ user: 'victim', info: 'SELECT 2' });
      const taskId = await alibabaKill(dasClient('openapi-v1', emulator.url), RDS, [killed]);
      await page.locator(`#tasks tr[data-task="${taskId}"]`).waitFor(SEEN);
      await sessionRow(id).waitFor(SEEN);

      await instance().getByRole('button', { name: 'Reset instance' }).click();
      await sessionRow(id).waitFor({ state: 'detached', ...SEEN });
      expect(await control.sessionIds(RDS)).toEqual(seeded);
      await expect.poll(() => page.locator(`#tasks tr[data-task]`).count(), SEEN).toBe(0);
      expect(await page.locator('#journal details').count()).toBeGreaterThan(0);

      await page.getByRole('button', { name: 'Reset everything' }).click();
      await page.locator('#journal').getByText('No requests').waitFor(SEEN);
      expect((await control.journal()).entries).toEqual([]);
    });
  });

  describe('with --admin-token', () => {
    const TOKEN = 'ui-admin-s3cret';
    let emulator: RunningEmulator;
    beforeAll(async () => {
      emulator = await startTestEmulator({ adminToken: TOKEN });
    });
    afterAll(async () => {
      await emulator?.stop();
    });

    const dataRequests = () => seen.requests.filter((r) => new URL(r.url()).pathname.startsWith('/_emulator/') && !new URL(r.url()).pathname.startsWith('/_emulator/ui'));

    it('asks for the token before showing anything, refuses a wrong one, and sends the right one only as a Bearer header', SLOW, async () => {
      await page.goto(`${emulator.url}/_emulator/ui`);
      await page.locator('#login').waitFor({ state: 'visible', ...SEEN });
      expect(await page.locator('#main').isHidden()).toBe(true);
      expect(await page.getByRole('button', { name: 'Reset everything' }).isVisible()).toBe(false);
      expect(await page.locator('body').textContent()).not.toContain(RDS);
      expect(dataRequests()).toEqual([]);
      // Without the token, the data the page would show is refused.
      expect((await fetch(`${emulator.url}/_emulator/state`)).status).toBe(401);

      await seen.allowing(/status of 401/, async () => {
        await page.locator('#token').fill('not-the-token');
        await page.getByRole('button', { name: 'Sign in' }).click();
        await expect.poll(() => page.locator('#status').textContent(), SEEN).toBe('The admin token was refused. Enter it again.');
      });
      expect(await page.locator('#login').isVisible()).toBe(true);
      expect(await page.locator('body').textContent()).not.toContain(RDS);

      await page.locator('#token').fill(TOKEN);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.locator(`article[data-instance="${RDS}"]`).waitFor(SEEN);
      expect(await page.locator('#login').isHidden()).toBe(true);

      const sent = dataRequests();
      expect(sent.length).toBeGreaterThan(0);
      for (const request of seen.requests) expect(request.url()).not.toContain(TOKEN);
      const authorizations = await Promise.all(sent.map(async (r) => (await r.headerValue('authorization')) ?? ''));
      expect(new Set(authorizations)).toEqual(new Set(['Bearer not-the-token', `Bearer ${TOKEN}`]));
      expect(await page.evaluate(() => Object.keys((globalThis as unknown as { localStorage: object }).localStorage))).toEqual([]);

      // This tab keeps it across a reload; signing out forgets it and clears the data from the page.
      await page.reload();
      await page.locator(`article[data-instance="${RDS}"]`).waitFor(SEEN);
      await page.getByRole('button', { name: 'Sign out' }).click();
      await page.locator('#login').waitFor({ state: 'visible', ...SEEN });
      expect(await page.locator('body').textContent()).not.toContain(RDS);
      expect(await page.evaluate(() => (globalThis as unknown as { sessionStorage: { length: number } }).sessionStorage.length)).toBe(0);
    });
  });
});
