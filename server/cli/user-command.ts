import { createInterface } from 'node:readline';
import { hashPassword } from '../auth/passwords.js';
import { readUsers, USER_NAME, writeUsers } from '../auth/users-file.js';
import { UsageError } from './settings.js';

function usersFile(flag: string | undefined): string {
  const file = flag ?? process.env.PDM_USERS;
  if (!file) throw new UsageError('give the users file with --users FILE (or PDM_USERS)');
  return file;
}

/** The password: stdin's first line when piped; asked for without echo on a terminal. */
async function readPassword(): Promise<string> {
  if (!process.stdin.isTTY) {
    let data = '';
    for await (const chunk of process.stdin) data += String(chunk);
    return data.split(/\r?\n/)[0] ?? '';
  }
  const rl = createInterface({ input: process.stdin, output: process.stderr, terminal: true });
  const muted = rl as unknown as { _writeToOutput: (s: string) => void };
  process.stderr.write('Password: ');
  muted._writeToOutput = () => undefined;
  const pw = await new Promise<string>((resolve) => rl.question('', resolve));
  rl.close();
  process.stderr.write('\n');
  return pw;
}

export async function userAdd(name: string, opts: { admin?: boolean; users?: string }): Promise<void> {
  const file = usersFile(opts.users);
  if (!USER_NAME.test(name)) throw new UsageError(`invalid user name "${name}": 1 to 100 characters, no control characters or "$"`);
  const password = await readPassword();
  if (!password) throw new UsageError('the password is empty');
  const users = await readUsers(file);
  const hash = await hashPassword(password);
  const role = opts.admin ? 'admin' : 'user';
  const existing = users.find((u) => u.name === name);
  if (existing) Object.assign(existing, { hash, role });
  else users.push({ name, role, hash });
  await writeUsers(file, users);
  console.log(`${existing ? 'Updated' : 'Added'} ${name} (${role}) in ${file}`);
}

export async function userRemove(name: string, opts: { users?: string }): Promise<void> {
  const file = usersFile(opts.users);
  const users = await readUsers(file);
  if (!users.some((u) => u.name === name)) throw new UsageError(`no user named "${name}" in ${file}`);
  await writeUsers(file, users.filter((u) => u.name !== name));
  console.log(`Removed ${name} from ${file}`);
}

export async function userList(opts: { users?: string }): Promise<void> {
  for (const u of await readUsers(usersFile(opts.users))) console.log(`${u.name}\t${u.role}`);
}
