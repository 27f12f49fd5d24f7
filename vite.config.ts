import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const server = process.env.PDM_DEV_SERVER ?? 'http://127.0.0.1:8000';

/** The page is built from web/ into dist/; `npm run dev` proxies the API and sockets to a server. */
export default defineConfig({
  // Absolute, so the build works from any working directory (npm start builds it on demand).
  root: fileURLToPath(new URL('./web', import.meta.url)),
  build: { outDir: '../dist/web', emptyOutDir: true, target: 'es2022' },
  server: {
    proxy: {
      '/api': server,
      '/socket.io': { target: server, ws: true },
    },
  },
});
