import { Hono } from 'hono';
import type { AppEnv } from '../http/context.js';
import { jsonResponse } from '../http/json.js';

export interface HealthInfo {
  readonly version: string;
  readonly providers: readonly string[];
  readonly store: string;
  readonly backends: readonly string[];
}

/** `GET /_emulator/health`: liveness and readiness in one answer. */
export function healthRoutes(info: () => HealthInfo): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.get('/health', (c) => {
    c.get('audit').provider = 'emulator';
    c.get('audit').operation = 'Health';
    return jsonResponse({ status: 'ok', ready: true, ...info() }, 200);
  });
  return app;
}
