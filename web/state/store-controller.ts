import type { ReactiveController, ReactiveControllerHost } from 'lit';
import type { BoardStore } from './board-store.js';

/** Re-renders its host whenever the store changes (the store object itself never changes). */
export class StoreController implements ReactiveController {
  private unsubscribe: (() => void) | null = null;

  constructor(
    private readonly host: ReactiveControllerHost,
    private readonly getStore: () => BoardStore,
  ) {
    host.addController(this);
  }

  hostConnected(): void {
    this.unsubscribe = this.getStore().subscribe(() => this.host.requestUpdate());
  }

  hostDisconnected(): void {
    this.unsubscribe?.();
    this.unsubscribe = null;
  }
}
