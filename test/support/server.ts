import type { AddressInfo } from 'node:net';
import { createApp, type AppOptions, type PdmApp } from '../../server/app.js';
import { createLogger } from '../../server/logger.js';
import { afterEach, beforeEach } from 'vitest';
import { makeVault, type TempVault } from './temp-vault.js';

export interface TestServer {
  url: string;
  app: PdmApp;
  close(): Promise<void>;
}

/** The real app, in-process, on 127.0.0.1 and a free port (or the one given, for restarts). */
export async function startServer(vault: TempVault, options: Partial<AppOptions> = {}, port = 0): Promise<TestServer> {
  const app = await createApp({
    repo: vault.root,
    dataDir: vault.dataDir,
    locksFile: vault.locksFile,
    keysDir: vault.keysDir,
    settleMs: 100,
    logger: createLogger(process.env.PDM_LOG_LEVEL ?? 'silent'),
    ...options,
  });
  await new Promise<void>((resolve) => app.httpServer.listen(port, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(app.httpServer.address() as AddressInfo).port}`;
  return {
    url,
    app,
    close: async () => {
      await app.close();
      await new Promise<void>((resolve) => app.httpServer.close(() => resolve()));
    },
  };
}

/**
 * A fresh vault and an in-process server for every test of the calling `describe` (made in
 * beforeEach, closed and removed in afterEach): `t.vault`, `t.server`.
 */
export function serverPerTest(options: Partial<AppOptions> = {}): { vault: TempVault; server: TestServer } {
  const t = {} as { vault: TempVault; server: TestServer };
  beforeEach(async () => {
    t.vault = await makeVault();
    t.server = await startServer(t.vault, options);
  });
  afterEach(async () => {
    await t.server.close();
    await t.vault.cleanup();
  });
  return t;
}

/** fetch + JSON, for API tests. */
export async function api(url: string, path: string, init: RequestInit & { json?: unknown } = {}) {
  const { json, ...rest } = init;
  const res = await fetch(url + path, {
    ...rest,
    method: rest.method ?? (json !== undefined ? 'POST' : 'GET'),
    headers: { ...(json !== undefined ? { 'content-type': 'application/json' } : {}), ...(rest.headers as Record<string, string>) },
    body: json !== undefined ? JSON.stringify(json) : rest.body,
  });
  const text = await res.text();
  let body: any = text;
  try {
    body = JSON.parse(text);
  } catch {
    /* not JSON */
  }
  return { status: res.status, headers: res.headers, body };
}

/** Polls until `check` returns a truthy value, or fails after `timeoutMs` (generous: a busy machine makes a test slower, not red). */
export async function eventually<T>(check: () => T | Promise<T>, timeoutMs = 15_000, what = 'condition'): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
