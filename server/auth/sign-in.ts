import type { Logger } from '../logger.js';
import { accountsFrom, type Accounts } from './accounts.js';
import { openIdentity, usersIdentity, type Identity } from './identity.js';
import { LdapDirectory, type LdapOptions } from './ldap-directory.js';
import { SessionTokens } from './session-tokens.js';
import { UsersDirectory } from './users-file.js';

export interface SignInConfig {
  usersFile?: string | undefined;
  ldap?: LdapOptions | undefined;
  /** Open mode's admins (`--admins`). */
  admins: string[];
  dataDir: string;
  keysDir: string;
  logger: Logger;
}

/** How callers are known: open mode, or users mode over the users file and/or the directory. */
export interface SignIn {
  identity: Identity;
  /** Users mode only. */
  accounts?: Accounts;
  tokens?: SessionTokens;
}

/**
 * Open mode unless a users file or a directory is configured. The users file is read once now
 * (a broken one stops the start), then again whenever it changes.
 */
export async function signInFor(c: SignInConfig): Promise<SignIn> {
  const { logger } = c;
  const users = c.usersFile
    ? new UsersDirectory(c.usersFile, (problem) => {
        if (problem) logger.error({ problem }, 'the users file cannot be used');
        else logger.info('the users file is usable again');
      })
    : undefined;
  if (users) await users.reload();
  const directory = c.ldap ? new LdapDirectory(c.ldap, logger) : undefined;
  if (!users && !directory) return { identity: openIdentity(c.admins) };
  const accounts = accountsFrom(users, directory);
  const tokens = new SessionTokens(c.dataDir, c.keysDir);
  return { identity: usersIdentity(accounts, tokens), accounts, tokens };
}
