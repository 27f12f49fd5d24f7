import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { accountsFrom, type DirectoryAccounts } from '../../server/auth/accounts.js';
import { ANONYMOUS, openIdentity, SESSION_COOKIE, tokenFrom, usersIdentity } from '../../server/auth/identity.js';
import { SessionTokens } from '../../server/auth/session-tokens.js';
import { UsersDirectory } from '../../server/auth/users-file.js';
import { writeUsersFile } from '../support/users.js';

describe('identity: open mode', () => {
  const id = openIdentity(['boss']);
  it('a body user, else X-PDM-User, else anonymous; admins by --admins', async () => {
    expect(await id.fromHttp({}, 'alice')).toEqual({ user: 'alice', admin: false });
    expect(await id.fromHttp({ 'x-pdm-user': 'boss' })).toEqual({ user: 'boss', admin: true });
    expect(await id.fromHttp({})).toEqual({ user: ANONYMOUS, admin: false });
    expect(await id.fromHandshake({ user: 'carol' }, {})).toEqual({ user: 'carol', admin: false });
    await expect(id.fromHttp({}, 'bad\u0001name')).rejects.toMatchObject({ code: 'INVALID_REQUEST' });
    await expect(id.fromHandshake({ user: 42 }, {})).rejects.toMatchObject({ code: 'INVALID_REQUEST' });
  });
  it('reads the bearer token, else the session cookie', () => {
    expect(tokenFrom({ authorization: 'Bearer abc' })).toBe('abc');
    expect(tokenFrom({ cookie: `x=1; ${SESSION_COOKIE}=def` })).toBe('def');
    expect(tokenFrom({})).toBeUndefined();
  });
});

describe('identity: users mode over the users file and a directory', () => {
  let dir: string;
  let tokens: SessionTokens;
  let users: UsersDirectory;
  // A stand-in directory: carol (a user) and dave (an admin); `reachable` false is an outage.
  let reachable = true;
  let people: Record<string, 'user' | 'admin'> = {};
  const directory: DirectoryAccounts = {
    label: 'SHOP',
    signIn: (name, password) => Promise.resolve(people[name.toLowerCase()] && password === `${name.toLowerCase()}-pw` ? { name: name.toLowerCase(), role: people[name.toLowerCase()]! } : null),
    known: (name) => people[name.toLowerCase()] !== undefined,
    current: (name, lastKnown) => Promise.resolve(reachable ? (people[name] ? { name, role: people[name] } : null) : (lastKnown ?? null)),
  };
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'pdm-identity-'));
    await writeUsersFile(join(dir, 'users.json'), { alice: ['alice-pw', 'user'], boss: ['boss-pw', 'admin'] });
    users = new UsersDirectory(join(dir, 'users.json'));
    await users.reload();
    tokens = new SessionTokens(dir, join(dir, 'keys'));
    reachable = true;
    people = { carol: 'user', dave: 'admin' };
  });
  afterEach(async () => rm(dir, { recursive: true, force: true }));

  it('signs in from the file first, then the directory; wrong pairs are null', async () => {
    const accounts = accountsFrom(users, directory);
    expect(accounts.label).toBe('SHOP');
    expect(await accounts.signIn('alice', 'alice-pw')).toEqual({ name: 'alice', role: 'user' });
    expect(await accounts.signIn('alice', 'carol-pw')).toBeNull();
    expect(await accounts.signIn('CAROL', 'carol-pw')).toEqual({ name: 'carol', role: 'user' });
    expect(await accounts.signIn('nobody', 'x')).toBeNull();
    expect(await accountsFrom(users, undefined).signIn('carol', 'carol-pw')).toBeNull();
    expect(await accounts.stamp('alice')).toMatch(/^scrypt\$/);
    expect(await accounts.stamp('carol')).toBe('directory');
  });

  it('a session names its user; a claimed other name is FORBIDDEN; removal and role changes apply; an outage keeps the last role', async () => {
    const id = usersIdentity(accountsFrom(users, directory), tokens);
    const { token } = await tokens.issue('dave', 'admin');
    const auth = { authorization: `Bearer ${token}` };
    expect(await id.fromHttp(auth)).toMatchObject({ user: 'dave', admin: true });
    await expect(id.fromHttp(auth, 'carol')).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await expect(id.fromHttp({})).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });
    await expect(id.fromHttp({ authorization: 'Bearer forged.token' })).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });
    people.dave = 'user';
    expect(await id.fromHttp(auth)).toMatchObject({ admin: false });
    reachable = false;
    expect(await id.fromHttp(auth)).toMatchObject({ user: 'dave', admin: true }); // the role the token was issued with
    reachable = true;
    delete people.dave;
    await expect(id.fromHttp(auth)).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });
    const claims = await tokens.verify((await tokens.issue('alice', 'user')).token);
    await tokens.revoke(claims!.sid);
    expect(await tokens.verify(token)).not.toBeNull();
  });
});
