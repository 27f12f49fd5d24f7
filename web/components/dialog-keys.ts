/** Ctrl+Enter (Cmd+Enter) submits a dialog's form from a text box, where Enter adds a line. */
export function submitOnCtrlEnter(e: KeyboardEvent): void {
  if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) {
    e.preventDefault();
    (e.currentTarget as HTMLFormElement).requestSubmit();
  }
}
