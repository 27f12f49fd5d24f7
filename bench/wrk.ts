import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** wrk (C, from Debian's `wrk` package): a load generator far lighter than a Node client. */
export const WRK = ['/usr/bin/wrk', '/usr/local/bin/wrk'].find((p) => existsSync(p)) ?? null;

// Each request checks out the next name of the list (one wrk thread, so one counter); done()
// prints what the bench needs as one JSON line.
const SCRIPT = `
local names = {}
local i = 0
function init(args)
  for line in io.lines(args[1]) do names[#names + 1] = line end
  i = tonumber(args[2])
end
function request()
  i = i + 1
  local body = '{"filename":"' .. names[i] .. '","user":"bench"}'
  return wrk.format("POST", "/api/files/checkout", {["Content-Type"] = "application/json"}, body)
end
function done(summary, latency, requests)
  io.write(string.format('WRK {"requests":%d,"non2xx":%d,"errors":%d,"us":%d,"p50":%d,"p99":%d}\\n',
    summary.requests, summary.errors.status, summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    summary.duration, latency:percentile(50), latency:percentile(99)))
end
`;

export interface WrkResult {
  ok: number;
  seconds: number;
  perSecond: number;
  p50: number;
  p99: number;
  failed: number;
}

/**
 * Check-outs of names[offset…] at `connections` keep-alive connections for `seconds`, by wrk
 * (latency percentiles over every answer; `failed` counts non-2xx and socket errors).
 */
export async function wrkCheckouts(url: string, names: string[], offset: number, connections: number, seconds: number): Promise<WrkResult> {
  if (!WRK) throw new Error('wrk is not installed (apt-get install -y wrk)');
  const dir = await mkdtemp(join(tmpdir(), 'pdm-wrk-'));
  await writeFile(join(dir, 'names.txt'), names.join('\n') + '\n');
  await writeFile(join(dir, 'checkout.lua'), SCRIPT);
  const out = await new Promise<string>((resolve, reject) =>
    execFile(WRK, ['-t1', `-c${connections}`, `-d${seconds}s`, '--timeout', '10s', '-s', join(dir, 'checkout.lua'), url, '--', join(dir, 'names.txt'), String(offset)], (err, stdout) => {
      if (err) reject(new Error(err.message, { cause: err }));
      else resolve(stdout);
    }),
  );
  const m = /WRK (\{.*\})/.exec(out);
  if (!m) throw new Error(`wrk printed no result:\n${out}`);
  const r = JSON.parse(m[1]!) as { requests: number; non2xx: number; errors: number; us: number; p50: number; p99: number };
  const s = r.us / 1e6;
  const ok = r.requests - r.non2xx;
  return { ok, seconds: s, perSecond: ok / s, p50: r.p50 / 1000, p99: r.p99 / 1000, failed: r.non2xx + r.errors };
}
