import { Command, CommanderError } from 'commander';
import { printable } from './printable.js';
import { packageVersion } from '../package-files.js';
import { serve } from './serve.js';
import { unprotect } from './unprotect-command.js';
import { SERVE_OPTIONS, UsageError, type OptionSpec } from './settings.js';
import { userAdd, userList, userRemove } from './user-command.js';
import { watchEvents, type WatchFlags } from './watch.js';
import { ClientError } from './client.js';
import { registerClientCommands } from './client-commands.js';

/** `pdm-live <command>`: flags are parsed and checked here; errors are one line on stderr. */
export async function runCli(argv: string[]): Promise<void> {
  const program = new Command('pdm-live')
    .description('PDM Live: live check-out/check-in for a shared folder of CAM files')
    .version(packageVersion(), '-V, --version', 'print the version')
    .exitOverride()
    .configureOutput({ writeErr: (s) => process.stderr.write(`${s.split('\n')[0] ?? ''}\n`) });

  const serveCmd = program
    .command('serve', { isDefault: true })
    .description('serve a vault over HTTP and Socket.IO')
    .option('--config <file>', 'a JSON file of these options, keys without the dashes (env PDM_CONFIG)');
  for (const [key, spec] of Object.entries(SERVE_OPTIONS) as Array<[string, OptionSpec]>) {
    if (spec.hidden) continue;
    const env = spec.env ? `env ${spec.env}; ` : '';
    const help = `${spec.help} (${env}default ${spec.shownDefault ?? 'none'})`;
    if (key === 'web') serveCmd.option('--no-web', help);
    else serveCmd.option(spec.kind === 'bool' ? `--${key}` : `--${key} <${spec.arg ?? 'value'}>`, help);
  }
  serveCmd.action((opts: Record<string, unknown>) => serve(opts));

  program
    .command('watch')
    .description('print every event of a server and append its activity to a log file')
    .requiredOption('--url <url>', 'the server, e.g. http://127.0.0.1:8000')
    .option('--log <file>', 'append each ActivityEvent as a JSON line')
    .option('--user <name>', 'name to connect as (open mode)')
    .option('--token <token>', 'session token, users mode (env PDM_TOKEN; others can see it in ps: prefer the env or --token-file)')
    .option('--token-file <file>', 'a file whose first line is the session token')
    .action((opts: WatchFlags) => watchEvents(opts));

  program
    .command('unprotect')
    .description('give every tracked file its write permission back (to switch --protect off)')
    .requiredOption('--repo <dir>', 'the vault')
    .option('--data <dir>', 'data folder (default <repo>/.pdm)')
    .option('--extensions <list>', 'tracked extensions (default .mcam,.vnc)')
    .action((opts: { repo?: string; data?: string; extensions?: string }) => unprotect(opts));

  const user = program.command('user').description('manage the users file of users mode');
  const usersOpt = '--users <file>';
  const usersHelp = 'the users file (env PDM_USERS)';
  user
    .command('add <name>')
    .description('add a user or set a password; the password is read from stdin, or asked for on a terminal')
    .option('--admin', 'may force-release anyone\'s lock')
    .option('--email <address>', 'where notices are mailed (--smtp-url)')
    .option(usersOpt, usersHelp)
    .action((name: string, opts: { admin?: boolean; users?: string; email?: string }) => userAdd(name, opts));
  user
    .command('remove <name>')
    .option(usersOpt, usersHelp)
    .action((name: string, opts: { users?: string }) => userRemove(name, opts));
  user
    .command('list')
    .option(usersOpt, usersHelp)
    .action((opts: { users?: string }) => userList(opts));

  registerClientCommands(program);

  try {
    await program.parseAsync(argv, { from: 'user' });
  } catch (err) {
    if (err instanceof ClientError) {
      process.stderr.write(`pdm-live: ${printable(err.message)}\n`);
      process.exit(err.exitCode);
    }
    if (err instanceof CommanderError) {
      process.exit(err.exitCode === 0 ? 0 : 2);
    }
    const msg = err instanceof UsageError ? err.message : (err as Error).message;
    process.stderr.write(`pdm-live: error: ${printable(msg)}\n`);
    process.exit(err instanceof UsageError ? 1 : 70);
  }
}
