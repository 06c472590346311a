import { describe, expect, it } from 'vitest';
import { dasClient } from '../alibaba/clients.js';
import { startTestEmulator } from '../support/emulator.js';
import { rawRequest } from '../support/http.js';

describe('access log', () => {
  it('writes one JSON object per request with --log-format json: id, provider, operation, status, code, ms', async () => {
    const lines: string[] = [];
    const emulator = await startTestEmulator({ logLevel: 'info', logFormat: 'json' }, { logSink: (l) => lines.push(l) });
    try {
      await dasClient('openapi-v3', emulator.url).call('CreateKillInstanceSessionTask', { InstanceId: 'rm-emulator0001', DbUser: 'dbadmin', DbUserPassword: 'Dbadmin#2026', KillAllSessions: false, SessionIds: '[101]' });
      await rawRequest(emulator.url, { path: '/v3/nope' });
      const entries = lines.map((line) => JSON.parse(line) as Record<string, unknown>).filter((e) => e.msg === 'request' || e.msg === 'request refused');
      expect(entries).toHaveLength(2);
      expect(entries[0]).toMatchObject({ level: 'info', method: 'POST', path: '/', provider: 'alibaba', operation: 'CreateKillInstanceSessionTask', status: 200 });
      expect(entries[0]!.id).toMatch(/^[0-9A-F-]{36}$/);
      expect(typeof entries[0]!.ms).toBe('number');
      // A refusal no fault rule asked for is a warning, saying why.
      expect(entries[1]).toMatchObject({ level: 'warn', msg: 'request refused', path: '/v3/nope', provider: 'huawei', status: 404, code: 'APIGW.0101', detail: 'no API for GET /v3/nope' });
      expect(lines.join('\n')).not.toContain('Dbadmin#2026');
    } finally {
      await emulator.stop();
    }
  });

  it('writes readable text lines by default; a healthy health check only at debug level', async () => {
    const lines: string[] = [];
    const emulator = await startTestEmulator({ logLevel: 'info' }, { logSink: (l) => lines.push(l) });
    try {
      await rawRequest(emulator.url, { path: '/_emulator/health' });
      await rawRequest(emulator.url, { path: '/_emulator/journal' });
      // The start-up line, then the journal request: no line for the health check.
      expect(lines).toHaveLength(2);
      expect(lines[0]).toContain('INFO  state in memory: nothing persists after stop');
      expect(lines[1]).toMatch(/^\d{4}-\d\d-\d\dT[\d:.]+Z INFO  request id="[0-9a-f-]{36}" method="GET" path="\/_emulator\/journal" provider="emulator" operation="ListJournal" status=200 ms=[\d.]+$/);
    } finally {
      await emulator.stop();
    }
  });
});
