import { html } from 'lit';

/** The names a dialog acts on, the first eight and how many more (a list that needs no scrolling). */
export function fileList(names: string[]) {
  const shown = names.slice(0, 8);
  return html`<ul class="files">
    ${shown.map((n) => html`<li class="file">${n}</li>`)}${names.length > shown.length ? html`<li>and ${names.length - shown.length} more</li>` : ''}
  </ul>`;
}
