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
    .actions {
      display: flex;
      gap: 0.5rem;
      align-items: center;
    }
    .buttons {
      margin-top: 0.6rem;
    }
  `,
];
