import { runCli } from './cli.js';

// The `pdm-live` command (bin/pdm-live.js runs the compiled copy of this file).
await runCli(process.argv.slice(2));
