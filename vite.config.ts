import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const server = process.env.PDM_DEV_SERVER ?? 'http://127.0.0.1:8000';

/** The page is built from web/ into dist/; `npm run dev` proxies the API and sockets to a server. */
export default defineConfig({
  // Absolute, so the build works from any working directory (npm start builds it on demand).
  root: fileURLToPath(new URL('./web', import.meta.url)),
  build: {
    outDir: '../dist/web',
    emptyOutDir: true,
    target: 'es2022',
    // The service worker is served as /sw.js (its scope is the folder it is served from).
    rolldownOptions: {
      input: { index: fileURLToPath(new URL('./web/index.html', import.meta.url)), sw: fileURLToPath(new URL('./web/sw.ts', import.meta.url)) },
      output: { entryFileNames: (chunk) => (chunk.name === 'sw' ? 'sw.js' : 'assets/[name]-[hash].js') },
    },
  },
  server: {
    proxy: {
      '/api': server,
      '/socket.io': { target: server, ws: true },
    },
  },
});
