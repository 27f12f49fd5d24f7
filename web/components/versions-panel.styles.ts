import { css } from 'lit';
import { baseStyles, dialogStyles } from './theme.js';

/** <versions-panel>'s styles. */
export const versionsPanelStyles = [
  baseStyles,
  dialogStyles,
  css`
    dialog {
      width: min(44rem, calc(100vw - 2rem));
    }
    h2 {
      margin: 0 0 0.6rem;
    }
    .released {
      display: inline-block;
      padding: 0 0.4rem;
      border: 1px solid var(--ok);
      border-radius: 0.3rem;
      background: var(--ok-bg);
      color: var(--ok-fg);
      font-size: 0.82rem;
      white-space: nowrap;
    }
    table {
      width: 100%;
      border-collapse: collapse;
      font-size: 0.9rem;
    }
    th,
    td {
      text-align: left;
      padding: 0.3rem 0.4rem;
      border-bottom: 1px solid var(--border);
    }
    /* A flex box inside the cell, not the cell itself: a flex td leaves the table's grid and its
       border no longer lines up with the row's. */
    .actions div {
      display: flex;
      flex-wrap: wrap;
      gap: 0.5rem;
      align-items: center;
    }
    /* A phone: each version is a small card (number, who, when, size on one line, the comment and
       the buttons under it) so nothing runs off the screen. Roles are set in the markup, so the
       table stays a table to screen readers. */
    @media (max-width: 40rem) {
      thead {
        position: absolute;
        width: 1px;
        height: 1px;
        overflow: hidden;
        clip-path: inset(50%);
      }
      tbody,
      tr {
        display: block;
      }
      tr {
        padding: 0.4rem 0;
        border-bottom: 1px solid var(--border);
      }
      td {
        display: inline-block;
        border: none;
        padding: 0.1rem 0.6rem 0.1rem 0;
      }
      td.comment,
      td.actions {
        display: block;
      }
    }
    .buttons {
      margin-top: 0.6rem;
    }
  `,
];
