import { Client, InvalidCredentialsError, NoSuchObjectError, ResultCodeError, type Entry } from 'ldapts';
import { AppError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { Account, DirectoryAccounts } from './accounts.js';
import { escapeFilterValue, fillDn, fillFilter, sameDn } from './ldap-names.js';

/** How to reach and read the directory (`--ldap-*`). */
export interface LdapOptions {
  /** `ldap://host:389` or `ldaps://host:636`. */
  url: string;
  /** Direct bind: `uid={user},ou=people,dc=shop,dc=local`. */
  userDn?: string;
  /** Search mode: a service account, where to search and how (`(sAMAccountName={user})`). */
  bindDn?: string;
  bindPassword?: string;
  base?: string;
  filter?: string;
  /** Members of this group (its `member`, or the user's `memberOf`) are admins. */
  adminGroup?: string;
  /** Members of this group may release and retire files (release states), as admins may. */
  approverGroup?: string;
  /** PEM CA certificates that `ldaps://` trusts besides the system's. */
  ca?: Buffer;
  /** The attribute that holds the name (`uid`, `sAMAccountName`). */
  nameAttribute: string;
  /** The sign-in form's "Sign in with …". */
  label: string;
  /** How long a directory user's existence and role are trusted before they are read again. */
  recheckMs: number;
  /** Connect and per-operation timeout. */
  timeoutMs: number;
}

/** Cached answers at most (oldest dropped): one per person who signed in. */
const CACHE_MAX = 10_000;

function attribute(entry: Entry, name: string): string[] {
  const key = Object.keys(entry).find((k) => k.toLowerCase() === name.toLowerCase());
  const v = key ? entry[key] : undefined;
  const list = Array.isArray(v) ? v : v === undefined ? [] : [v];
  return list.map((x) => (Buffer.isBuffer(x) ? x.toString('utf8') : x));
}

/**
 * Sign-in against LDAP or Active Directory (ldapts). Every call opens its own connection and
 * closes it (sign-ins are rare; a shared bound connection would mix identities). The password
 * is only ever passed to `bind`, never logged.
 */
export class LdapDirectory implements DirectoryAccounts {
  private readonly cache = new Map<string, { account: Account | null; at: number }>();
  private down = false;
  private groupUnreadable = false;

  constructor(
    private readonly o: LdapOptions,
    private readonly logger: Logger,
  ) {}

  get label(): string {
    return this.o.label;
  }

  known(name: string): boolean {
    const hit = this.cache.get(name.toLowerCase());
    return hit === undefined || hit.account !== null;
  }

  async signIn(name: string, password: string): Promise<Account | null> {
    // An empty password is an "unauthenticated bind" (RFC 4513 §5.1.2), which succeeds.
    if (!name || !password) return null;
    return this.session(async (c) => {
      const found = await this.find(c, name);
      if (!found) return null;
      try {
        await c.bind(found.dn, password);
      } catch (err) {
        if (err instanceof InvalidCredentialsError) return null;
        throw err;
      }
      // Direct mode reads the entry as the user; search mode already has it (service account).
      const entry = found.entry ?? (await this.readEntry(c, found.dn));
      const account = await this.account(c, found.dn, entry, name);
      this.remember(name, account);
      return account;
    });
  }

  async current(name: string, lastKnown?: Account): Promise<Account | null> {
    const key = name.toLowerCase();
    const hit = this.cache.get(key);
    if (hit && Date.now() - hit.at < this.o.recheckMs) return hit.account;
    try {
      const account = await this.session(async (c) => {
        const found = await this.find(c, name);
        if (!found) return null;
        const entry = found.entry ?? (await this.readEntry(c, found.dn));
        return entry ? this.account(c, found.dn, entry, name) : null;
      });
      this.remember(name, account);
      return account;
    } catch {
      // Unreachable, or it refused the read (logged by session()): what was known stays in force.
      return hit?.account ?? lastKnown ?? null;
    }
  }

  /** The user's DN (and, in search mode, entry); null when the directory has no such user. */
  private async find(c: Client, name: string): Promise<{ dn: string; entry?: Entry } | null> {
    if (this.o.userDn) {
      if (this.o.bindDn) await this.bindService(c);
      return { dn: fillDn(this.o.userDn, name) };
    }
    await this.bindService(c);
    const { searchEntries } = await c.search(this.o.base!, {
      scope: 'sub',
      filter: fillFilter(this.o.filter!, name),
      attributes: [this.o.nameAttribute, 'memberOf', 'mail'],
      sizeLimit: 2,
    });
    if (searchEntries.length > 1) this.logger.warn({ user: name }, 'the directory filter matches more than one entry: sign-in refused');
    return searchEntries.length === 1 ? { dn: searchEntries[0]!.dn, entry: searchEntries[0]! } : null;
  }

  private async bindService(c: Client): Promise<void> {
    if (!this.o.bindDn) return;
    try {
      await c.bind(this.o.bindDn, this.o.bindPassword ?? '');
    } catch (err) {
      if (err instanceof InvalidCredentialsError) {
        this.logger.error({ bindDn: this.o.bindDn }, 'the directory refuses the service account (--ldap-bind-dn / --ldap-bind-password-file)');
        throw new AppError('DIRECTORY_UNAVAILABLE', 'The directory refuses the service account: ask the administrator.');
      }
      throw err;
    }
  }

  private async readEntry(c: Client, dn: string): Promise<Entry | null> {
    try {
      const { searchEntries } = await c.search(dn, { scope: 'base', attributes: [this.o.nameAttribute, 'memberOf', 'mail'] });
      return searchEntries[0] ?? null;
    } catch (err) {
      if (err instanceof NoSuchObjectError) return null;
      throw err;
    }
  }

  private async account(c: Client, dn: string, entry: Entry | null, given: string): Promise<Account> {
    // The directory's own spelling, so ALICE and alice are one person.
    const name = (entry && attribute(entry, this.o.nameAttribute)[0]) || given;
    const approver = await this.isMember(c, dn, entry, this.o.approverGroup);
    const email = entry ? attribute(entry, 'mail')[0] : undefined;
    return { name, role: (await this.isMember(c, dn, entry, this.o.adminGroup)) ? 'admin' : 'user', ...(approver ? { approver } : {}), ...(email ? { email } : {}) };
  }

  private async isMember(c: Client, dn: string, entry: Entry | null, group: string | undefined): Promise<boolean> {
    if (!group) return false;
    if (entry && attribute(entry, 'memberOf').some((g) => sameDn(g, group))) return true;
    try {
      const v = escapeFilterValue(dn);
      const { searchEntries } = await c.search(group, { scope: 'base', filter: `(|(member=${v})(uniqueMember=${v}))`, attributes: ['1.1'] });
      return searchEntries.length > 0;
    } catch (err) {
      if (err instanceof ResultCodeError) {
        // Common with a direct bind (users may not read groups): memberOf is then the only way.
        if (!this.groupUnreadable) this.logger.warn({ group, err: err.message }, 'cannot read the group: only a memberOf on the user makes a member');
        this.groupUnreadable = true;
        return false;
      }
      throw err;
    }
  }

  private remember(name: string, account: Account | null): void {
    const key = name.toLowerCase();
    this.cache.delete(key);
    this.cache.set(key, { account, at: Date.now() });
    if (account && account.name.toLowerCase() !== key) this.cache.set(account.name.toLowerCase(), { account, at: Date.now() });
    while (this.cache.size > CACHE_MAX) this.cache.delete(this.cache.keys().next().value!);
  }

  /** One connection for `work`; a directory that cannot be reached is DIRECTORY_UNAVAILABLE. */
  private async session<T>(work: (c: Client) => Promise<T>): Promise<T> {
    const c = new Client({
      url: this.o.url,
      timeout: this.o.timeoutMs,
      connectTimeout: this.o.timeoutMs,
      strictDN: false,
      ...(this.o.url.startsWith('ldaps:') ? { tlsOptions: { minVersion: 'TLSv1.2' as const, ...(this.o.ca ? { ca: [this.o.ca] } : {}) } } : {}),
    });
    try {
      const out = await work(c);
      if (this.down) this.logger.info({ url: this.o.url }, 'the directory answers again');
      this.down = false;
      return out;
    } catch (err) {
      if (err instanceof AppError) throw err;
      if (err instanceof ResultCodeError) {
        this.logger.warn({ err: err.message, code: err.code }, 'the directory refused a request');
        throw new AppError('DIRECTORY_UNAVAILABLE', `The directory refused the request (${err.message}).`);
      }
      if (!this.down) this.logger.error({ url: this.o.url, err: (err as Error).message }, 'the directory cannot be reached: directory sign-ins are refused until it answers');
      this.down = true;
      throw new AppError('DIRECTORY_UNAVAILABLE', 'The directory cannot be reached: try again shortly.');
    } finally {
      await c.unbind().catch(() => undefined);
    }
  }
}
