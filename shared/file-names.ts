/**
 * The rules for a file name (README.md, HTTP API), shared so the page can refuse what the server would.
 * Returns null when the name is acceptable, otherwise a sentence saying why not.
 */
export const MAX_NAME_LENGTH = 1024;
export const DEFAULT_EXTENSIONS = ['.mcam', '.vnc'];

// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f]/;

export function fileNameProblem(name: string, extensions: readonly string[]): string | null {
  if (name.length === 0) return 'the file name is empty';
  if (name.length > MAX_NAME_LENGTH) return `the file name is longer than ${MAX_NAME_LENGTH} characters`;
  if (CONTROL.test(name)) return 'the file name contains NUL or control characters';
  if (name.includes('\\')) return 'the file name contains a backslash';
  if (name.includes('..')) return 'the file name contains ".."';
  if (name.startsWith('/') || /^[A-Za-z]:/.test(name)) return 'the file name is absolute';
  const parts = name.split('/');
  if (parts.some((p) => p === '' || p === '.')) return 'the file name has an empty or "." segment';
  if (!isTrackedName(name, extensions)) {
    return `the file name does not end in a tracked extension (${extensions.join(', ')})`;
  }
  return null;
}

/** Extensions match case-insensitively, so `PN1.MCAM` is tracked. */
export function isTrackedName(name: string, extensions: readonly string[]): boolean {
  const lower = name.toLowerCase();
  return extensions.some((ext) => lower.endsWith(ext.toLowerCase()) && lower.length > ext.length);
}

/** Code-point order, as `/api/files` is sorted (not localeCompare). */
export function compareNames(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    if (a.charCodeAt(i) !== b.charCodeAt(i)) {
      // At the first differing unit, whole code points order correctly even across surrogates.
      return (a.codePointAt(i) ?? 0) - (b.codePointAt(i) ?? 0);
    }
  }
  return a.length - b.length;
}
