import { Command, CommanderError } from 'commander';
import { serve, UsageError } from './serve.js';
import { userAdd, userList, userRemove } from './user-command.js';
import { watchEvents } from './watch.js';

/** `pdm-live <command>`: flags are parsed and checked here; errors are one line on stderr. */
export async function runCli(argv: string[]): Promise<void> {
  const program = new Command('pdm-live')
    .description('PDM Live: live check-out/check-in for a shared folder of CAM files')
    .exitOverride()
    .configureOutput({ writeErr: (s) => process.stderr.write(s.split('\n')[0] + '\n') });

  program
    .command('serve', { isDefault: true })
    .description('serve a vault over HTTP and Socket.IO')
    .option('--repo <dir>', 'the vault (env PDM_REPO; default ./vault, created with samples)')
    .option('--data <dir>', 'data folder (env PDM_DATA; default <repo>/.pdm)')
    .option('--locks <file>', 'locks.json (env PDM_LOCKS; default <data>/locks.json)')
    .option('--port <n>', 'port, 0 picks a free one (env PORT; default 8000)')
    .option('--host <h>', 'address to listen on (env HOST; default 127.0.0.1)')
    .option('--extensions <list>', 'tracked extensions (env PDM_EXTENSIONS; default .mcam,.vnc)')
    .option('--poll <ms>', 'poll the disk every <ms> instead of inotify, for network shares (env PDM_POLL)')
    .option('--admins <names>', 'open mode: comma-separated names allowed to force a release (env PDM_ADMINS)')
    .option('--open', 'allow open mode on a non-loopback address')
    .option('--users <file>', 'users mode: sign-in required, users from this file (env PDM_USERS)')
    .option('--keep-versions <n>', 'versions kept per file (env PDM_KEEP_VERSIONS; default 50)')
    .option('--max-upload <bytes>', 'largest upload of a new version (env PDM_MAX_UPLOAD; default 2 GiB)')
    .option('--no-web', 'do not build or serve the web page')
    .action((opts) => serve(opts));

  program
    .command('watch')
    .description('print every event of a server and append its activity to a log file')
    .requiredOption('--url <url>', 'the server, e.g. http://127.0.0.1:8000')
    .option('--log <file>', 'append each ActivityEvent as a JSON line')
    .option('--user <name>', 'name to connect as (open mode)')
    .option('--token <token>', 'session token (users mode)')
    .action((opts) => watchEvents(opts));

  const user = program.command('user').description('manage the users file of users mode');
  const usersOpt = '--users <file>';
  const usersHelp = 'the users file (env PDM_USERS)';
  user
    .command('add <name>')
    .description('add a user or set a password; the password is read from stdin, or asked for on a terminal')
    .option('--admin', 'may force-release anyone\'s lock')
    .option(usersOpt, usersHelp)
    .action((name: string, opts: { admin?: boolean; users?: string }) => userAdd(name, opts));
  user
    .command('remove <name>')
    .option(usersOpt, usersHelp)
    .action((name: string, opts: { users?: string }) => userRemove(name, opts));
  user
    .command('list')
    .option(usersOpt, usersHelp)
    .action((opts: { users?: string }) => userList(opts));

  try {
    await program.parseAsync(argv, { from: 'user' });
  } catch (err) {
    if (err instanceof CommanderError) {
      process.exit(err.exitCode === 0 ? 0 : 2);
    }
    const msg = err instanceof UsageError ? err.message : (err as Error).message;
    process.stderr.write(`pdm-live: error: ${msg}\n`);
    process.exit(err instanceof UsageError ? 1 : 70);
  }
}
