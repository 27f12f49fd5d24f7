// npm test's first step: the type-check and the lint at once, one lane per core (each is a single
// thread, and together they were most of the time before the first test ran). Each lane's output
// is printed when it ends; the exit code is non-zero when either failed.
import { spawn } from 'node:child_process';

const lanes = [
  ['typecheck', 'npm run -s typecheck && cd web && npx lit-analyzer --strict --maxWarnings 0 --format list .'],
  ['eslint', 'npx eslint . --max-warnings 0'],
];

const results = await Promise.all(
  lanes.map(
    ([name, command]) =>
      new Promise((resolve) => {
        const child = spawn(command, { shell: true, stdio: ['ignore', 'pipe', 'pipe'] });
        let out = '';
        child.stdout.on('data', (d) => (out += d));
        child.stderr.on('data', (d) => (out += d));
        child.on('close', (code) => {
          if (out.trim()) process.stdout.write(`── ${name}\n${out}`);
          resolve({ name, code });
        });
      }),
  ),
);
const failed = results.filter((r) => r.code !== 0).map((r) => r.name);
if (failed.length > 0) {
  console.error(`failed: ${failed.join(', ')}`);
  process.exit(1);
}
