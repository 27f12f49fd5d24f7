import { hashPassword } from '../../server/auth/passwords.js';
import { writeUsers } from '../../server/auth/users-file.js';

/** A users file with the given `name: [password, role, email?]` entries. */
export async function writeUsersFile(file: string, users: Record<string, [string, 'user' | 'admin'] | [string, 'user' | 'admin', string]>): Promise<void> {
  const list = [];
  for (const [name, [password, role, email]] of Object.entries(users)) list.push({ name, role, hash: await hashPassword(password), ...(email ? { email } : {}) });
  await writeUsers(file, list);
}
