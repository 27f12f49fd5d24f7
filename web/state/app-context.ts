import { createContext } from '@lit/context';
import type { ReactiveController, ReactiveControllerHost } from 'lit';
import type { BoardStore } from './board-store.js';

/** Provided by <pdm-app>; the store object never changes, so leaves also subscribe (StoreController). */
export const storeContext = createContext<BoardStore>(Symbol('pdm-store'));

/** Re-renders its host whenever the store changes (Lit context alone only notices replacement). */
export class StoreController implements ReactiveController {
  private unsubscribe: (() => void) | null = null;

  constructor(
    private readonly host: ReactiveControllerHost,
    private readonly getStore: () => BoardStore | undefined,
  ) {
    host.addController(this);
  }

  hostConnected(): void {
    this.unsubscribe = this.getStore()?.subscribe(() => this.host.requestUpdate()) ?? null;
  }

  hostDisconnected(): void {
    this.unsubscribe?.();
    this.unsubscribe = null;
  }
}
