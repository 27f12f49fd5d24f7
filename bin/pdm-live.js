#!/usr/bin/env node
// The `pdm-live` command: runs the compiled server in dist/ (npm run build makes it).
try {
  await import('../dist/server/cli/main.js');
} catch (err) {
  if (err?.code === 'ERR_MODULE_NOT_FOUND' && String(err.message).includes('dist/server/cli/main.js')) {
    process.stderr.write('pdm-live: error: the server is not built (dist/ is missing): run npm run build\n');
    process.exit(1);
  }
  throw err;
}
