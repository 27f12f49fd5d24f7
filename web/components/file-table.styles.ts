import { css } from 'lit';
import { baseStyles } from './theme.js';

/** <file-table>'s styles. */
export const fileTableStyles = [
  baseStyles,
  css`
    :host {
      display: flex;
      flex-direction: column;
      min-height: 0;
    }
    .filters {
      display: flex;
      flex-wrap: wrap;
      gap: 0.75rem;
      align-items: end;
      margin-bottom: 0.75rem;
    }
    .filters label {
      display: grid;
      gap: 0.2rem;
      font-size: 0.85rem;
      color: var(--muted);
    }
    .count {
      color: var(--muted);
      font-size: 0.85rem;
      margin-left: auto;
    }
    [role='table'] {
      display: flex;
      flex-direction: column;
      flex: 1;
      min-height: 0;
      border: 1px solid var(--border);
      border-radius: 8px;
      overflow: hidden;
      background: var(--panel-bg);
    }
    .row {
      display: grid;
      grid-template-columns: minmax(9rem, 2.2fr) 4.5rem 6rem minmax(8rem, 1.3fr) minmax(6rem, 1.6fr) 5rem 13rem;
      align-items: center;
      gap: 0.5rem;
      padding: 0.45rem 0.75rem;
      border-bottom: 1px solid var(--border);
      width: 100%;
      box-sizing: border-box;
    }
    .head .row {
      background: var(--head-bg);
      font-weight: 600;
    }
    .sort {
      border: none;
      background: none;
      padding: 0.2rem 0;
      font-weight: 600;
      min-height: auto;
    }
    .body {
      flex: 1;
      min-height: 12rem;
    }
    .c-name {
      font-family: ui-monospace, monospace;
      overflow-wrap: anywhere;
    }
    .path {
      color: var(--muted);
    }
    .select {
      margin: 0 0.4rem 0 0;
      vertical-align: middle;
    }
    .bulk {
      display: flex;
      flex-wrap: wrap;
      gap: 0.4rem 0.6rem;
      align-items: center;
      margin-bottom: 0.5rem;
    }
    .c-message {
      overflow-wrap: anywhere;
    }
    .c-size,
    .c-held,
    .c-modified {
      color: var(--muted);
      font-size: 0.9rem;
    }
    .c-actions {
      display: flex;
      flex-wrap: wrap;
      gap: 0.3rem 0.6rem;
      align-items: center;
    }
    .badge {
      display: inline-block;
      padding: 0.1rem 0.5rem;
      border-radius: 999px;
      background: var(--ok-bg);
      color: var(--ok-fg);
      font-size: 0.88rem;
    }
    .out .badge {
      background: var(--warn-bg);
      color: var(--warn-fg);
    }
    .mine .badge {
      background: var(--mine-bg);
      color: var(--mine-fg);
    }
    .warn {
      display: inline-block;
      margin-top: 0.2rem;
      padding: 0.1rem 0.5rem;
      border-radius: 999px;
      background: var(--danger-bg);
      color: var(--danger-fg);
      font-size: 0.8rem;
    }
    .link {
      border: none;
      background: none;
      color: var(--link);
      text-decoration: underline;
      padding: 0;
      min-height: auto;
    }
    .flash {
      animation: flash 2s ease-out;
    }
    @keyframes flash {
      from {
        background: var(--flash);
      }
    }
    .empty {
      padding: 1rem;
      color: var(--muted);
    }
    .filters .narrow-only {
      display: none;
    }
    @media (max-width: 760px) {
      .filters .narrow-only {
        display: grid;
      }
      .row {
        grid-template-columns: 1fr auto;
        /* The name gets the whole width: a phone has no room for it beside the buttons. */
        grid-template-areas: 'name name' 'status status' 'message message' 'actions actions';
        row-gap: 0.3rem;
      }
      .head .row {
        display: none;
      }
      .c-size,
      .c-modified,
      .c-held {
        display: none;
      }
      .c-name {
        grid-area: name;
      }
      .c-status {
        grid-area: status;
      }
      .c-message {
        grid-area: message;
      }
      .c-actions {
        grid-area: actions;
      }
      .count {
        margin-left: 0;
      }
    }
    .presence,
    .queue {
      color: var(--muted);
      font-size: 0.85em;
    }
    .presence.online {
      color: var(--ok-fg);
    }
    .overdue {
      color: var(--danger);
      font-weight: 600;
    }
  `,
];
