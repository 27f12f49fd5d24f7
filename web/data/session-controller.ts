import type { ReactiveController, ReactiveControllerHost } from 'lit';
import { getSession, signIn, signOut, type SessionInfo } from './session-api.js';

const USER_KEY = 'pdm-user';

/**
 * Who this browser is: the server's mode, the signed-in (users mode) or remembered (open mode,
 * in localStorage) name, and the role. The one owner of the page's user; `onUser` is told each
 * time it changes (the root then connects as that user, or disconnects).
 */
export class SessionController implements ReactiveController {
  /** null until the server said which mode it runs in. */
  session: SessionInfo | null = null;

  constructor(
    private readonly host: ReactiveControllerHost,
    private readonly onUser: (user: string | null) => void,
  ) {
    host.addController(this);
  }

  get user(): string | null {
    return this.session?.user ?? null;
  }

  hostConnected(): void {
    void this.start();
  }

  /** Asks the server for its mode (and, in open mode, the remembered name's role). */
  async start(): Promise<void> {
    const remembered = localStorage.getItem(USER_KEY);
    let info: SessionInfo;
    try {
      info = await getSession(remembered);
    } catch {
      info = { mode: 'open', user: null, role: 'user', share_path: '' };
    }
    this.set(info.mode === 'open' ? { ...info, user: remembered } : info);
  }

  /** Open mode: the name typed in the prompt, remembered for the next visit. */
  async setName(name: string): Promise<void> {
    localStorage.setItem(USER_KEY, name);
    const info = await getSession(name).catch(() => null);
    this.set({ mode: 'open', user: name, role: info?.role ?? 'user', share_path: info?.share_path ?? this.session?.share_path ?? '', approver: info?.approver === true });
  }

  /** Users mode: the server's refusal to show, or null once signed in. */
  async signIn(user: string, password: string): Promise<string | null> {
    const result = await signIn(user, password);
    if ('error' in result) return result.error;
    this.set({ ...result, ...this.directory() });
    return null;
  }

  async signOut(): Promise<void> {
    this.onUser(null);
    await signOut();
    this.set(await getSession(null).catch(() => ({ mode: 'users' as const, user: null, role: 'user' as const, share_path: '', ...this.directory() })));
  }

  /** Users mode: the server refused the connection (signed out elsewhere, expired): back to the form. */
  lost(): void {
    if (this.session?.mode !== 'users') return;
    this.set({ mode: 'users', user: null, role: 'user', share_path: '', ...this.directory() });
  }

  private directory(): { directory?: string } {
    return this.session?.directory ? { directory: this.session.directory } : {};
  }

  private set(info: SessionInfo): void {
    const before = this.user;
    this.session = info;
    this.host.requestUpdate();
    if (info.user !== before || info.user === null) this.onUser(info.user);
  }
}
