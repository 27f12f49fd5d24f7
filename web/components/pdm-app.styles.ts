import { css } from 'lit';
import { baseStyles } from './theme.js';

/** <pdm-app>'s styles. */
export const pdmAppStyles = [
  baseStyles,
  css`
    :host {
      display: flex;
      flex-direction: column;
      height: 100vh;
      background: var(--bg);
    }
    header {
      display: flex;
      flex-wrap: wrap;
      align-items: center;
      gap: 0.75rem;
      padding: 0.6rem 1rem;
      border-bottom: 1px solid var(--border);
      background: var(--panel-bg);
    }
    h1 {
      font-size: 1.2rem;
      margin: 0 auto 0 0;
    }
    .me {
      color: var(--muted);
    }
    main {
      flex: 1;
      min-height: 0;
      display: grid;
      grid-template-columns: minmax(0, 1fr) 16rem;
      gap: 1rem;
      padding: 1rem;
    }
    activity-feed {
      overflow: auto;
      min-height: 0;
    }
    .error {
      margin: 0;
      padding: 0.5rem 1rem;
      color: var(--danger);
    }
    .skip {
      position: absolute;
      left: 0.5rem;
      top: -3rem;
      z-index: 20;
      padding: 0.4rem 0.8rem;
      background: var(--panel-bg);
      border: 2px solid var(--focus);
      border-radius: 6px;
    }
    .skip:focus {
      top: 0.5rem;
    }
    main.first {
      display: block;
    }
    /* Under 1000 px the header keeps to one line: "Signed in as" goes, the name stays. */
    @media (max-width: 1000px) {
      .wide-only {
        display: none;
      }
    }
    /* A phone: one compact header line (it wraps only when it must). */
    @media (max-width: 640px) {
      header {
        gap: 0.4rem 0.5rem;
        padding: 0.4rem 0.6rem;
      }
      h1 {
        font-size: 1rem;
      }
      header button {
        padding: 0.2rem 0.5rem;
        min-height: 1.8rem;
        font-size: 0.85rem;
      }
      main {
        padding: 0.5rem;
      }
    }
    /* Narrow: the activity goes under the list, at a height of its own, so the list keeps the
       rest of the window and scrolls alone (one scroll area, not three). */
    @media (max-width: 1100px) {
      main {
        grid-template-columns: 1fr;
        grid-template-rows: minmax(0, 1fr) 9.5rem;
      }
      activity-feed {
        min-height: 0;
      }
    }
    /* A phone: the list takes the screen's height; the activity follows below it, scrolled to
       like the rest of the page (an auto row would give a scroll area no height at all). */
    @media (max-width: 640px) {
      main {
        grid-template-rows: minmax(calc(100vh - 5rem), 1fr) 20rem;
        overflow: auto;
      }
    }
  `,
];
