import type { Command } from 'commander';
import { printable } from './printable.js';
import type { FileStatus } from '../../shared/protocol.js';
import { writeFile } from 'node:fs/promises';
import { checkin, checkout, ClientError, fileState, formatFiles, formatHistory, formatStates, history, login, releaseState, revert, setFileState, status, target, waitFor, type ClientFlags } from './client.js';
import { readPassword } from './user-command.js';

/** Prints the answer: the API's body with `--json`, else one line per file. */
function print(flags: ClientFlags, body: { files: FileStatus[] }): void {
  if (flags.json) process.stdout.write(`${JSON.stringify(body, null, 2)}\n`);
  else if (body.files.length > 0) process.stdout.write(`${formatFiles(body.files, process.stdout.isTTY)}\n`);
}

function common(cmd: Command): Command {
  return cmd
    .option('--url <url>', 'the server (env PDM_URL; default http://127.0.0.1:8000)')
    .option('--user <name>', 'who you are, in open mode (env PDM_USER)')
    .option('--token <token>', 'session token, in users mode (env PDM_TOKEN; others can see it in ps: prefer the env or --token-file)')
    .option('--token-file <file>', 'a file whose first line is the session token')
    .option('--json', "print the API's answer as JSON");
}

/** The terminal client: status, checkout, checkin, wait, history, over the HTTP API of a running server. */
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
    .option('--revert', 'undo the check-out: the content it had when checked out, then released')
    .action(async (names: string[], flags: ClientFlags & { comment?: string; upload?: string; revert?: boolean }) => {
      if (!flags.revert) {
        const body = await checkin(target(flags), names, flags.comment, flags.upload);
        print(flags, body);
        // A check-in that handed a file to the first in its queue says so (stdout shows the new holder).
        if (!flags.json) for (const f of body.files) if (f.lock?.handed_over_from) process.stderr.write(`${printable(`${f.name}: handed over to ${f.lock.user}, the first in its queue`)}\n`);
        return;
      }
      if (flags.upload || flags.comment) throw new ClientError('--revert cannot be combined with --upload or --comment', 2);
      const body = await revert(target(flags), names);
      print(flags, body);
      if (!flags.json) names.forEach((n, i) => process.stderr.write(`${n}: ${body.reverted[i] ? 'content put back as it was at check-out' : 'content unchanged since check-out'}\n`));
    });
  program
    .command('login')
    .description('sign in (users mode) and print a session token, for PDM_TOKEN or --token-file; the password is read from stdin, or asked for on a terminal')
    .option('--url <url>', 'the server (env PDM_URL; default http://127.0.0.1:8000)')
    .requiredOption('--user <name>', 'who you are')
    .option('--token-file <file>', 'write the token to this file (readable by you only) instead of printing it')
    .action(async (flags: ClientFlags & { user: string }) => {
      const token = await login(target({ ...(flags.url ? { url: flags.url } : {}) }), flags.user, await readPassword(false));
      if (!flags.tokenFile) {
        process.stdout.write(`${token}\n`);
        return;
      }
      await writeFile(flags.tokenFile, `${token}\n`, { mode: 0o600 });
      process.stderr.write(`${printable(`signed in as ${flags.user}: the token is in ${flags.tokenFile}`)}\n`);
    });
  common(program.command('history <name>').description("a file's past holds, newest first, with how long each lasted"))
    .option('--limit <n>', 'how many holds (1 to 1000; default 100)', (v) => {
      const n = Number(v);
      if (!Number.isInteger(n) || n < 1 || n > 1000) throw new ClientError(`invalid --limit "${v}": expected 1 to 1000`, 2);
      return n;
    })
    .action(async (name: string, flags: ClientFlags & { limit?: number }) => {
      const body = await history(target(flags), name, flags.limit);
      process.stdout.write(flags.json ? `${JSON.stringify(body, null, 2)}\n` : `${formatHistory(body, process.stdout.isTTY)}\n`);
    });
  common(program.command('wait <name>').description('join the queue and wait until the file is yours'))
    .option('-m, --message <text>', 'what you need it for')
    .action(async (name: string, flags: ClientFlags & { message?: string }) => {
      const body = await waitFor(target(flags), name, flags.message, (f) => {
        if (!flags.json) process.stderr.write(`${printable(`waiting for ${name} (held by ${f.locked_by ?? '?'}; ${f.queue.length} in the queue)`)}\n`);
      });
      print(flags, body);
    });
  common(program.command('state <name>').description("a file's release state and its changes; --set changes it (draft, proven, released, obsolete)"))
    .option('--set <state>', 'the new state', releaseState)
    .option('--comment <text>', 'why (needed to release or retire a file)')
    .action(async (name: string, flags: ClientFlags & { set?: ReturnType<typeof releaseState>; comment?: string }) => {
      const t = target(flags);
      if (!flags.set) {
        const body = await fileState(t, name);
        process.stdout.write(flags.json ? `${JSON.stringify(body, null, 2)}\n` : `${formatStates(body, process.stdout.isTTY)}\n`);
        return;
      }
      // Users mode signs a release with the password again: from stdin, or asked on a terminal.
      const password = flags.set === 'released' && t.token ? await readPassword(false) : undefined;
      print(flags, await setFileState(t, name, flags.set, flags.comment, password));
    });
}
