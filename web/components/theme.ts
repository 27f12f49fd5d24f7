import { css } from 'lit';

/** Shared look: colours come from custom properties set on :root (light, dark, or the system's). */
export const baseStyles = css`
  :host {
    font-family: system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif;
    color: var(--fg);
  }
  button {
    font: inherit;
    padding: 0.35rem 0.8rem;
    border-radius: 6px;
    border: 1px solid var(--control-border);
    background: var(--button-bg);
    color: var(--fg);
    cursor: pointer;
    min-height: 2rem;
    white-space: nowrap;
  }
  button.primary {
    background: var(--accent);
    border-color: var(--accent);
    color: var(--accent-fg);
  }
  button.danger {
    border-color: var(--danger);
    color: var(--danger);
  }
  button:disabled,
  button[aria-disabled='true'] {
    opacity: 0.5;
    cursor: not-allowed;
  }
  button:focus-visible,
  input:focus-visible,
  select:focus-visible,
  textarea:focus-visible,
  a:focus-visible {
    outline: 2px solid var(--focus);
    outline-offset: 2px;
  }
  input,
  select,
  textarea {
    font: inherit;
    color: var(--fg);
    background: var(--input-bg);
    border: 1px solid var(--control-border);
    border-radius: 6px;
    padding: 0.35rem 0.5rem;
  }
  a {
    color: var(--link);
  }
  /* Read by screen readers, not shown. */
  .sr {
    position: absolute;
    width: 1px;
    height: 1px;
    overflow: hidden;
    clip: rect(0 0 0 0);
    white-space: nowrap;
  }
`;

/** The modal dialogs (check-out, check-in, versions): one look. */
export const dialogStyles = css`
  dialog {
    border: 1px solid var(--border);
    border-radius: 10px;
    background: var(--panel-bg);
    color: var(--fg);
    width: min(30rem, calc(100vw - 2rem));
    max-height: calc(100vh - 2rem);
    overflow: auto;
    box-sizing: border-box;
  }
  dialog::backdrop {
    background: rgb(0 0 0 / 0.4);
  }
  /* One column no wider than the dialog: a long name or a file picker must not widen it past the
     screen (on a phone the buttons would be cut off). */
  form {
    display: grid;
    grid-template-columns: minmax(0, 1fr);
    gap: 0.6rem;
  }
  input,
  select {
    max-width: 100%;
    box-sizing: border-box;
  }
  h2 {
    font-size: 1.1rem;
    margin: 0;
    overflow-wrap: anywhere;
  }
  .file {
    font-family: ui-monospace, monospace;
    overflow-wrap: anywhere;
  }
  .files {
    margin: 0;
    padding-left: 1.2rem;
  }
  textarea {
    width: 100%;
    box-sizing: border-box;
  }
  .error {
    color: var(--danger);
    margin: 0;
  }
  .buttons {
    display: flex;
    flex-wrap: wrap;
    justify-content: end;
    gap: 0.5rem;
  }
`;

/** The first-visit forms (name prompt, sign-in): a centred card. */
export const cardFormStyles = css`
  form {
    max-width: 24rem;
    margin: 10vh auto;
    display: grid;
    gap: 0.6rem;
    padding: 1.5rem;
    border: 1px solid var(--border);
    border-radius: 10px;
    background: var(--panel-bg);
  }
  h2 {
    margin: 0;
  }
`;
