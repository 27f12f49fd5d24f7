import { css, unsafeCSS } from 'lit';
import { baseStyles } from './theme.js';

/** <file-table>'s styles. */
export const fileTableStyles = [
  baseStyles,
  css`
    :host {
      display: flex;
      flex-direction: column;
      min-height: 0;
      min-width: 0;
    }
    /* Compact enough for one line at 800 px, so the list keeps the window's height. */
    .filters {
      display: flex;
      flex-wrap: wrap;
      gap: 0.4rem 0.6rem;
      align-items: end;
      margin-bottom: 0.5rem;
    }
    .filters label {
      min-width: 0;
      max-width: 100%;
      display: grid;
      gap: 0.2rem;
      font-size: 0.85rem;
      color: var(--muted);
    }
    /* A fixed cap, not a percentage: against the label's own width it would not bound the label,
       and a long folder name would stretch it across the line. */
    .filters select {
      max-width: 11rem;
    }
    .filters input {
      width: 13rem;
      max-width: 100%;
      box-sizing: border-box;
    }
    .count {
      color: var(--muted);
      font-size: 0.85rem;
      margin-left: auto;
    }
    [role='grid'] {
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
      /* Wide: one line a file, the name's details under it. */
      grid-template-columns: minmax(0, 2.6fr) 11rem minmax(0, 1.4fr) 5.5rem 11.5rem;
      align-items: center;
      gap: 0.3rem 0.75rem;
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
      min-width: 0;
    }
    .name-line {
      display: flex;
      align-items: center;
      min-width: 0;
    }
    /* A long name gives way in its folder only: the folder shrinks to an ellipsis, the file name
       (the part number people tell files by) stays whole and wraps when it alone is too long;
       a phone has no hover to show the rest. */
    .name {
      display: flex;
      min-width: 0;
      font-family: ui-monospace, monospace;
    }
    .folder {
      overflow: hidden;
      text-overflow: ellipsis;
      white-space: nowrap;
      min-width: 0;
      flex: 0 1 auto;
      color: var(--muted);
    }
    .base {
      flex: 0 0 auto;
      max-width: 100%;
      overflow-wrap: anywhere;
    }
    .select {
      margin: 0 0.45rem 0 0;
      flex: none;
      width: 1rem;
      height: 1rem;
    }
    .meta {
      display: flex;
      flex-wrap: wrap;
      gap: 0 0.7rem;
      margin: 0.15rem 0 0 1.45rem;
      font-size: 0.8rem;
      color: var(--muted);
    }
    .meta a,
    .meta .link {
      font-size: 0.8rem;
    }
    .c-message {
      min-width: 0;
      overflow: hidden;
      display: -webkit-box;
      -webkit-line-clamp: 2;
      -webkit-box-orient: vertical;
      overflow-wrap: anywhere;
    }
    .c-held {
      color: var(--muted);
      font-size: 0.9rem;
    }
    .held-label {
      display: none;
    }
    .c-actions {
      display: flex;
      gap: 0.4rem;
      align-items: center;
      justify-content: end;
    }
    .meta .off {
      text-decoration: line-through;
    }
    .link.danger {
      color: var(--danger);
    }
    .c-status {
      min-width: 0;
    }
    /* The summary and the count share one line. */
    .tally {
      display: flex;
      flex-wrap: wrap;
      align-items: baseline;
      gap: 0.2rem 0.75rem;
      margin: 0 0 0.5rem;
    }
    .summary {
      margin: 0;
      font-size: 0.9rem;
    }
    .summary [aria-pressed='true'] {
      font-weight: 700;
      text-decoration: none;
    }
    .bulk {
      display: flex;
      flex-wrap: wrap;
      gap: 0.4rem 0.6rem;
      align-items: center;
      margin-bottom: 0.5rem;
    }
    .hint {
      color: var(--muted);
      font-size: 0.85rem;
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
    /* Release states: an outlined tag, so it reads apart from the lock's filled badge. */
    .state {
      display: inline-block;
      padding: 0.05rem 0.45rem;
      border: 1px solid var(--control-border);
      border-radius: 0.3rem;
      color: var(--fg);
      font-size: 0.82rem;
      white-space: nowrap;
    }
    .state-proven {
      border-color: var(--accent);
      color: var(--mine-fg);
      background: var(--mine-bg);
    }
    .state-released {
      border-color: var(--ok);
      color: var(--ok-fg);
      background: var(--ok-bg);
    }
    .state-obsolete {
      color: var(--muted);
      text-decoration: line-through;
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
    /* Medium (the table narrower than its wide layout): two lines a file. */
    /* Narrow (a phone): a card a file, its buttons below it, free to wrap. */
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
  // Container queries, outside lit-analyzer's CSS check (its CSS grammar predates them): the
  // table's own width decides its layout, whatever sits beside it (the activity feed or nothing).
  unsafeCSS(`
    :host {
      container: board / inline-size;
    }
    @container board (max-width: 40rem) {
      .filters {
        display: grid;
        grid-template-columns: 1fr 1fr;
        gap: 0.4rem 0.6rem;
      }
      .filters label:first-child {
        grid-column: 1 / -1;
      }
      .filters input,
      .filters select {
        width: 100%;
        max-width: none;
      }
    }
    @container board (max-width: 54rem) {
      .row {
        grid-template-columns: minmax(0, 1fr) minmax(0, 1fr) 11.5rem;
        grid-template-areas: 'name name actions' 'status message held';
      }
      .head .row {
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
      .c-held {
        grid-area: held;
        text-align: right;
      }
      .c-actions {
        grid-area: actions;
      }
    }
    @container board (max-width: 40rem) {
      .row {
        grid-template-columns: minmax(0, 1fr) auto;
        grid-template-areas: 'name name' 'status held' 'message message' 'actions actions';
        row-gap: 0.35rem;
      }
      .c-held {
        text-align: right;
      }
      .held-label {
        display: inline;
      }
      .c-actions {
        flex-wrap: wrap;
        justify-content: start;
      }
      .count {
        margin-left: 0;
      }
    }
  `),
];
