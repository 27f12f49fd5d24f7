import { DUMMY_HASH, verifyPassword } from './passwords.js';
import type { Role, UsersDirectory } from './users-file.js';

/** A person who may sign in, as the server knows them now. */
export interface Account {
  /** The canonical spelling (the users file's, or the directory's own). */
  name: string;
  role: Role;
  /** A directory user in `--ldap-approver-group`: may release and retire files. */
  approver?: boolean;
  /** Where notices are mailed (the users file's `email`, the directory's `mail`), when known. */
  email?: string;
}

/** Where names and passwords are checked: the users file, the directory, or both. */
export interface Accounts {
  /**
   * The account for a right name/password pair, null for a wrong one. Throws
   * `DIRECTORY_UNAVAILABLE` when the directory cannot say.
   */
  signIn(name: string, password: string): Promise<Account | null>;
  /**
   * The account as it is now, null when it no longer exists. `lastKnown` (from the session) is
   * what a directory that cannot be reached leaves in force.
   */
  current(name: string, lastKnown?: Account): Promise<Account | null>;
  /** Changes when the account's password does, so a remembered good pair goes stale with it. */
  stamp(name: string): Promise<string>;
  /**
   * Whether `name` may still be given a file, as far as is known without asking (hand-off): in
   * the users file as last read, or a directory user not found removed at their last re-check.
   */
  known(name: string): boolean;
  /** The users file's admins (the directory's are not listed: they get what their own account does). */
  admins(): Promise<string[]>;
  /** What the sign-in form names (`--ldap-label`), null for the users file alone. */
  readonly label: string | null;
}

/** The part of the directory that Accounts needs (see LdapDirectory). */
export interface DirectoryAccounts {
  signIn(name: string, password: string): Promise<Account | null>;
  current(name: string, lastKnown?: Account): Promise<Account | null>;
  /** False only for someone the directory said (at sign-in or a re-check) does not exist. */
  known(name: string): boolean;
  readonly label: string;
}

/**
 * A wrong pair is answered no sooner than this after it was asked, whichever source decided: a
 * users-file name costs an scrypt (~160 ms here), a directory name a bind (~16 ms), an unknown
 * name a search (~9 ms), and without a floor the time would tell which kind of name exists.
 */
export const FAILED_SIGN_IN_FLOOR_MS = 400;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The users file first, then the directory: a name the users file has, in any spelling that
 * folds to it, is decided there (so a local break-glass admin works while the directory is down);
 * any other goes to the directory. An account is one source's: a directory account whose name the
 * users file has is refused, never mixed with the file's.
 */
export function accountsFrom(users: UsersDirectory | undefined, directory: DirectoryAccounts | undefined, failFloorMs = FAILED_SIGN_IN_FLOOR_MS): Accounts {
  const local = async (name: string) => (users ? await users.get(name) : undefined);
  const check = async (name: string, password: string): Promise<Account | null> => {
    const user = await local(name);
    if (user || !directory) {
      // scrypt runs for unknown names too, so a wrong name and a wrong password cost the same work.
      const ok = await verifyPassword(password, user?.hash ?? DUMMY_HASH);
      return user && ok ? { name: user.name, role: user.role, ...(user.email ? { email: user.email } : {}) } : null;
    }
    const account = await directory.signIn(name, password);
    // The file was just read (local above): its names as last read are enough.
    return account && users?.has(account.name) ? null : account;
  };
  return {
    label: directory?.label ?? null,
    async signIn(name, password) {
      const started = performance.now();
      const account = await check(name, password);
      if (!account) await sleep(started + failFloorMs - performance.now());
      return account;
    },
    async current(name, lastKnown) {
      const user = await local(name);
      if (user) return { name: user.name, role: user.role, ...(user.email ? { email: user.email } : {}) };
      return directory ? directory.current(name, lastKnown) : null;
    },
    async stamp(name) {
      return (await local(name))?.hash ?? 'directory';
    },
    async admins() {
      return users ? (await users.all()).filter((u) => u.role === 'admin').map((u) => u.name) : [];
    },
    known(name) {
      if (users?.has(name)) return true;
      return directory ? directory.known(name) : false;
    },
  };
}
