// npm run dev: the server from its TypeScript sources, restarted on every change (tsx watch), and
// Vite's dev server for the page with hot reload, proxying /api and /socket.io to the server.
// Extra arguments go to the server: npm run dev -- --repo DIR
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const root = fileURLToPath(new URL('..', import.meta.url));
const port = process.env.PORT ?? '8000';
const children = [
  spawn(process.execPath, [require.resolve('tsx/cli'), 'watch', '--clear-screen=false', 'server/cli/main.ts', 'serve', '--no-web', '--port', port, ...process.argv.slice(2)], { cwd: root, stdio: 'inherit' }),
  spawn(process.execPath, [join(dirname(require.resolve('vite/package.json')), 'bin/vite.js'), '--host', '127.0.0.1'], { cwd: root, stdio: 'inherit', env: { ...process.env, PDM_DEV_SERVER: `http://127.0.0.1:${port}` } }),
];
const stop = () => children.forEach((c) => c.kill('SIGTERM'));
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
for (const c of children) c.on('exit', (code) => { stop(); process.exitCode = code ?? 0; });
