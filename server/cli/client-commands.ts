import type { Command } from 'commander';
import type { FileStatus } from '../../shared/protocol.js';
import { checkin, checkout, formatFiles, status, target, waitFor, type ClientFlags } from './client.js';

/** Prints the answer: the API's body with `--json`, else one line per file. */
function print(flags: ClientFlags, body: { files: FileStatus[] }): void {
  if (flags.json) process.stdout.write(`${JSON.stringify(body, null, 2)}\n`);
  else if (body.files.length > 0) process.stdout.write(`${formatFiles(body.files, process.stdout.isTTY)}\n`);
}

function common(cmd: Command): Command {
  return cmd
    .option('--url <url>', 'the server (env PDM_URL; default http://127.0.0.1:8000)')
    .option('--user <name>', 'who you are, in open mode (env PDM_USER)')
    .option('--token <token>', 'session token, in users mode (env PDM_TOKEN)')
    .option('--json', "print the API's answer as JSON");
}

/** The terminal client: status, checkout, checkin, wait, over the HTTP API of a running server. */
export function registerClientCommands(program: Command): void {
  common(program.command('status [names...]').description('files with their status, holder and message'))
    .option('--mine', 'only the files you hold')
    .action(async (names: string[], flags: ClientFlags & { mine?: boolean }) => print(flags, await status(target(flags), names, flags.mine === true)));
  common(program.command('checkout <names...>').description('check files out (several: all or nothing)'))
    .option('-m, --message <text>', 'what you are changing')
    .option('--until <iso>', 'when you mean to be done (ISO time)')
    .action(async (names: string[], flags: ClientFlags & { message?: string; until?: string }) => print(flags, await checkout(target(flags), names, flags.message, flags.until)));
  common(program.command('checkin <names...>').description('check files in (handed over to the first waiter, if any)'))
    .option('--comment <text>', 'what changed')
    .option('--upload <file>', 'upload this file as the new version first (one name only)')
    .action(async (names: string[], flags: ClientFlags & { comment?: string; upload?: string }) => print(flags, await checkin(target(flags), names, flags.comment, flags.upload)));
  common(program.command('wait <name>').description('join the queue and wait until the file is yours'))
    .option('-m, --message <text>', 'what you need it for')
    .action(async (name: string, flags: ClientFlags & { message?: string }) => {
      const body = await waitFor(target(flags), name, flags.message, (f) => {
        if (!flags.json) process.stderr.write(`waiting for ${name} (held by ${f.locked_by ?? '?'}; ${f.queue.length} in the queue)\n`);
      });
      print(flags, body);
    });
}
