import { LitElement, html } from 'lit';
import { customElement, state } from 'lit/decorators.js';
import { baseStyles } from './theme.js';

type Theme = 'light' | 'dark';
const KEY = 'pdm-theme';

function systemTheme(): Theme {
  return matchMedia('(prefers-color-scheme: dark)').matches ? 'dark' : 'light';
}

/** Light or dark: follows the system until the person picks one. */
@customElement('theme-toggle')
export class ThemeToggle extends LitElement {
  @state() private _theme: Theme = (localStorage.getItem(KEY) as Theme | null) ?? systemTheme();

  override connectedCallback() {
    super.connectedCallback();
    document.documentElement.dataset.theme = this._theme;
  }

  override render() {
    const next = this._theme === 'dark' ? 'light' : 'dark';
    return html`<button aria-label="Switch to ${next} theme" @click=${this._toggle}>${this._theme === 'dark' ? '☀' : '☾'}</button>`;
  }

  private _toggle() {
    this._theme = this._theme === 'dark' ? 'light' : 'dark';
    localStorage.setItem(KEY, this._theme);
    document.documentElement.dataset.theme = this._theme;
  }

  static override styles = [baseStyles];
}

declare global {
  interface HTMLElementTagNameMap {
    'theme-toggle': ThemeToggle;
  }
}
