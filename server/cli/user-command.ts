import { createInterface } from 'node:readline';
import { hashPassword } from '../auth/passwords.js';
import { foldName } from '../auth/name-fold.js';
import { isEmail, readUsers, USER_NAME, writeUsers, type UserRecord } from '../auth/users-file.js';
import { UsageError } from './settings.js';

function usersFile(flag: string | undefined): string {
  const file = flag ?? process.env.PDM_USERS;
  if (!file) throw new UsageError('give the users file with --users FILE (or PDM_USERS)');
  return file;
}

/**
 * Shortest password `user add` takes. Ten characters: NIST SP 800-63B asks for at least 8 for a
 * password people choose; a shop's accounts guard programs that run machines, and the sign-in
 * limits are per name and address, so a little more costs nobody much.
 */
export const MIN_PASSWORD = 10;

/**
 * The password: stdin's first line when piped; on a terminal asked for without echo, twice when
 * it is being set (a typo would otherwise lock its owner out).
 */
export async function readPassword(twice = true): Promise<string> {
  if (!process.stdin.isTTY) {
    let data = '';
    for await (const chunk of process.stdin) data += String(chunk);
    return data.split(/\r?\n/)[0] ?? '';
  }
  const rl = createInterface({ input: process.stdin, output: process.stderr, terminal: true });
  const muted = rl as unknown as { _writeToOutput: (s: string) => void };
  const ask = (prompt: string) => {
    process.stderr.write(prompt);
    muted._writeToOutput = () => undefined;
    return new Promise<string>((resolve) => rl.question('', resolve)).finally(() => process.stderr.write('\n'));
  };
  try {
    const pw = await ask('Password: ');
    if (!twice || pw.length < MIN_PASSWORD) return pw; // refused below, before asking again
    if ((await ask('Password again: ')) !== pw) throw new UsageError('the two passwords differ: nothing was changed');
    return pw;
  } finally {
    rl.close();
  }
}

/** The exact name, else the one name that folds to it. */
function findUser(users: UserRecord[], name: string): UserRecord | undefined {
  const folded = users.filter((u) => foldName(u.name) === foldName(name));
  return users.find((u) => u.name === name) ?? (folded.length === 1 ? folded[0] : undefined);
}

export async function userAdd(name: string, opts: { admin?: boolean; users?: string; email?: string }): Promise<void> {
  const file = usersFile(opts.users);
  if (!USER_NAME.test(name)) throw new UsageError(`invalid user name "${name}": 1 to 100 characters, no control characters or "$"`);
  if (opts.email !== undefined && !isEmail(opts.email)) throw new UsageError(`invalid --email "${opts.email}": expected an address such as carol@example.com`);
  const password = await readPassword();
  if (password.length < MIN_PASSWORD) throw new UsageError(`the password must be at least ${MIN_PASSWORD} characters (it has ${password.length}): nothing was changed`);
  const users = await readUsers(file);
  const hash = await hashPassword(password);
  const role = opts.admin ? 'admin' : 'user';
  // Names are one person whatever their case (a sign-in folds them), so Carol updates carol.
  const existing = findUser(users, name);
  const email = opts.email !== undefined ? { email: opts.email } : {};
  if (existing) Object.assign(existing, { hash, role }, email);
  else users.push({ name, role, hash, ...email });
  await writeUsers(file, users);
  console.log(`${existing ? 'Updated' : 'Added'} ${existing?.name ?? name} (${role}) in ${file}`);
}

export async function userRemove(name: string, opts: { users?: string }): Promise<void> {
  const file = usersFile(opts.users);
  const users = await readUsers(file);
  const gone = findUser(users, name);
  if (!gone) throw new UsageError(`no user named "${name}" in ${file}`);
  await writeUsers(file, users.filter((u) => u !== gone));
  console.log(`Removed ${gone.name} from ${file}`);
}

export async function userList(opts: { users?: string }): Promise<void> {
  for (const u of await readUsers(usersFile(opts.users))) console.log(`${u.name}\t${u.role}${u.email ? `\t${u.email}` : ''}`);
}
