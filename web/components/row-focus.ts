import type { ReactiveController, ReactiveControllerHost } from 'lit';
import type { LitVirtualizer } from '@lit-labs/virtualizer';

type Host = ReactiveControllerHost & HTMLElement;

/** Keys that move between rows, and where they go from row `i` of `n`. */
function target(key: string, i: number, n: number, page: number): number | null {
  switch (key) {
    case 'ArrowDown':
      return Math.min(n - 1, i + 1);
    case 'ArrowUp':
      return Math.max(0, i - 1);
    case 'PageDown':
      return Math.min(n - 1, i + page);
    case 'PageUp':
      return Math.max(0, i - page);
    case 'Home':
      return 0;
    case 'End':
      return n - 1;
    default:
      return null;
  }
}

/**
 * The file list as one tab stop (roving tabindex, the grid pattern): only the active row and its
 * controls are in the tab order; arrows, Page Up/Down, Home and End move between rows (scrolling
 * the virtualized list first, since a row out of view is not in the DOM); Enter on a row runs its
 * main action; a row that gets focus (a click, Tab) becomes the active one.
 */
export class RowFocus implements ReactiveController {
  private active: string | null = null;

  constructor(
    private readonly host: Host,
    private readonly names: () => string[],
    private readonly list: () => LitVirtualizer | null,
  ) {
    host.addController(this);
  }

  hostConnected(): void {
    // Nothing to set up: the state is the active name.
  }

  /** The active row's name: the last focused, or the first row when that one is gone. */
  current(): string | undefined {
    const names = this.names();
    return this.active !== null && names.includes(this.active) ? this.active : names[0];
  }

  /** 0 for the active row (and its controls), -1 for the rest. */
  tabIndex(name: string): 0 | -1 {
    return name === this.current() ? 0 : -1;
  }

  focused(name: string): void {
    if (this.active === name) return;
    this.active = name;
    this.host.requestUpdate();
  }

  /** On a row's keydown (from the row or a control inside it). */
  keydown(e: KeyboardEvent, index: number): void {
    if (e.altKey || e.ctrlKey || e.metaKey) return;
    const row = e.currentTarget as HTMLElement;
    if (e.key === 'Enter' && e.target === row) {
      e.preventDefault();
      row.querySelector<HTMLButtonElement>('.c-actions button:not([disabled])')?.click();
      return;
    }
    const names = this.names();
    const next = target(e.key, index, names.length, 10);
    if (next === null || next === index) return;
    e.preventDefault();
    void this.focus(names[next]!, next);
  }

  /** Scrolls row `name` into view and focuses it (after an action, too: focus is never lost). */
  async focus(name: string, index = this.names().indexOf(name)): Promise<void> {
    if (index < 0) return;
    this.active = name;
    this.host.requestUpdate();
    this.list()?.element(index)?.scrollIntoView({ block: 'nearest' });
    for (let tries = 0; tries < 10; tries++) {
      await this.host.updateComplete;
      const el = this.host.shadowRoot?.querySelector<HTMLElement>(`[role=row][data-name="${CSS.escape(name)}"]`);
      if (el) {
        el.focus();
        return;
      }
      await new Promise((r) => requestAnimationFrame(r));
    }
  }
}
