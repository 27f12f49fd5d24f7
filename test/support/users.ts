import { hashPassword } from '../../server/auth/passwords.js';
import { writeUsers } from '../../server/auth/users-file.js';

/** A users file with the given `name: [password, role]` entries. */
export async function writeUsersFile(file: string, users: Record<string, [string, 'user' | 'admin']>): Promise<void> {
  const list = [];
  for (const [name, [password, role]] of Object.entries(users)) list.push({ name, role, hash: await hashPassword(password) });
  await writeUsers(file, list);
}
