import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { appendFile, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { loadSigningKey } from './signing-key.js';
import type { Role } from './users-file.js';

export interface SessionClaims {
  /** Session id, for sign-out. */
  sid: string;
  user: string;
  role: Role;
  /** Expiry, ms since epoch. */
  exp: number;
  /**
   * The account's stamp when the session began (see stampDigest): a password change, or the user
   * removed and added again, gives the account another one and ends the session.
   */
  st?: string;
}

/** A short digest of an account's stamp (its password hash): never the hash itself in a token. */
export function stampDigest(stamp: string): string {
  return createHmac('sha256', 'pdm-live account stamp').update(stamp).digest('base64url').slice(0, 16);
}

const TTL_MS = 12 * 3600 * 1000;

/**
 * Signed session tokens (HMAC-SHA256 with a key kept in the keys folder, never on the share), so
 * every server given the same key accepts them and they survive a restart. Sign-out revokes a session id in
 * `<data>/revoked-sessions.txt`, which every server re-reads when it changes.
 */
export class SessionTokens {
  private key: Buffer | null = null;
  private revoked = new Set<string>();
  private revokedSize = -1;
  private readonly revokedFile: string;

  constructor(
    private readonly dataDir: string,
    private readonly keysDir: string,
  ) {
    this.revokedFile = join(dataDir, 'revoked-sessions.txt');
  }

  private async signingKey(): Promise<Buffer> {
    this.key ??= await loadSigningKey(this.keysDir, this.dataDir);
    return this.key;
  }

  async issue(user: string, role: Role, stamp?: string): Promise<{ token: string; claims: SessionClaims }> {
    const claims: SessionClaims = { sid: randomBytes(12).toString('base64url'), user, role, exp: Date.now() + TTL_MS, ...(stamp !== undefined ? { st: stampDigest(stamp) } : {}) };
    const body = Buffer.from(JSON.stringify(claims)).toString('base64url');
    return { token: `${body}.${await this.sign(body)}`, claims };
  }

  /** The claims of a valid, unexpired, unrevoked token; null otherwise. */
  async verify(token: string | undefined): Promise<SessionClaims | null> {
    if (!token || token.length > 1000) return null;
    const parts = token.split('.');
    if (parts.length !== 2) return null; // `body.sig.garbage` is not this token
    const [body, sig] = parts as [string, string];
    if (!body || !sig) return null;
    const expected = Buffer.from(await this.sign(body));
    const given = Buffer.from(sig);
    if (expected.length !== given.length || !timingSafeEqual(expected, given)) return null;
    let claims: SessionClaims;
    try {
      claims = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as SessionClaims;
    } catch {
      return null;
    }
    if (typeof claims !== 'object' || (claims as SessionClaims | null) === null || typeof claims.sid !== 'string' || typeof claims.user !== 'string') return null;
    if (typeof claims.exp !== 'number' || claims.exp < Date.now()) return null;
    await this.loadRevoked();
    return this.revoked.has(claims.sid) ? null : claims;
  }

  async revoke(sid: string): Promise<void> {
    this.revoked.add(sid);
    await appendFile(this.revokedFile, `${sid}\n`, { mode: 0o600 });
  }

  private async sign(body: string): Promise<string> {
    return createHmac('sha256', await this.signingKey()).update(body).digest('base64url');
  }

  private async loadRevoked(): Promise<void> {
    const size = await stat(this.revokedFile).then((s) => s.size, () => 0);
    if (size === this.revokedSize) return;
    const text = await readFile(this.revokedFile, 'utf8').catch(() => '');
    for (const line of text.split('\n')) if (line) this.revoked.add(line);
    this.revokedSize = size;
  }
}
