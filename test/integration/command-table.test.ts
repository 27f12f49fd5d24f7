import { describe, expect, it } from 'vitest';
import { COMMANDS } from '../../server/commands/command-table.js';
import { api, serverPerTest } from '../support/server.js';
import { connect } from '../support/sockets.js';

/** The table is the one place a command is declared: HTTP, sockets and the OpenAPI document follow it. */
describe('the command table', () => {
  const t = serverPerTest();

  it('every command has its HTTP route, its socket event and its OpenAPI path, each validating with the same schema', async () => {
    const doc = (await api(t.server.url, '/api/openapi.json')).body as { paths: Record<string, { post?: unknown }> };
    const live = await connect(t.server.url, 'alice');
    try {
      for (const spec of COMMANDS) {
        const byName = spec.path === 'name';
        expect(doc.paths[byName ? `/api/files/{name}/${spec.name}` : `/api/files/${spec.name}`]?.post, spec.name).toBeDefined();
        const http = byName ? await api(t.server.url, `/api/files/PN1001.mcam/${spec.name}`, { json: { state: 7 } }) : await api(t.server.url, `/api/files/${spec.name}`, { json: { filename: 7 } });
        expect([http.status, http.body.code], spec.name).toEqual([400, 'INVALID_REQUEST']);
        if (spec.socket === false) continue;
        const ack: unknown = await live.socket.emitWithAck(spec.name as 'wait', { filename: 7 } as never);
        expect(ack, spec.name).toMatchObject({ ok: false, code: 'INVALID_REQUEST', detail: (http.body as { detail: string }).detail });
      }
    } finally {
      live.close();
    }
  });
});
