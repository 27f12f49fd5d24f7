import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { COMMANDS } from '../../server/files/command-table.js';
import { api, startServer, type TestServer } from '../support/server.js';
import { connect } from '../support/sockets.js';
import { makeVault, type TempVault } from '../support/temp-vault.js';

/** The table is the one place a command is declared: HTTP, sockets and the OpenAPI document follow it. */
describe('the command table', () => {
  let vault: TempVault;
  let server: TestServer;
  beforeEach(async () => {
    vault = await makeVault();
    server = await startServer(vault);
  });
  afterEach(async () => {
    await server.close();
    await vault.cleanup();
  });

  it('every command has its HTTP route, its socket event and its OpenAPI path, each validating with the same schema', async () => {
    const doc = (await api(server.url, '/api/openapi.json')).body as { paths: Record<string, { post?: unknown }> };
    const live = await connect(server.url, 'alice');
    try {
      for (const spec of COMMANDS) {
        expect(doc.paths[`/api/files/${spec.name}`]?.post, spec.name).toBeDefined();
        const http = await api(server.url, `/api/files/${spec.name}`, { json: { filename: 7 } });
        expect([http.status, http.body.code], spec.name).toEqual([400, 'INVALID_REQUEST']);
        const ack: unknown = await live.socket.emitWithAck(spec.name as 'wait', { filename: 7 } as never);
        expect(ack, spec.name).toMatchObject({ ok: false, code: 'INVALID_REQUEST', detail: (http.body as { detail: string }).detail });
      }
    } finally {
      live.close();
    }
  });
});
