import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';

/**
 * The text of a file people edit by hand, as its editor saved it: UTF-8 with or without a
 * byte-order mark (Notepad, PowerShell 5's `-Encoding UTF8`), or UTF-16 with its mark (Notepad's
 * "Unicode", PowerShell 5's `>`). Line ends are left as they are: JSON takes CRLF as whitespace,
 * and the line-based readers split on either.
 */
export function decodeText(bytes: Uint8Array): string {
  const b = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (b.length >= 3 && b[0] === 0xef && b[1] === 0xbb && b[2] === 0xbf) return b.toString('utf8', 3);
  if (b.length >= 2 && b[0] === 0xff && b[1] === 0xfe) return b.toString('utf16le', 2);
  if (b.length >= 2 && b[0] === 0xfe && b[1] === 0xff) {
    const swapped = Buffer.from(b.subarray(2));
    swapped.swap16();
    return swapped.toString('utf16le');
  }
  return b.toString('utf8');
}

/** Reads a hand-edited text file (see decodeText). */
export async function readTextFile(file: string): Promise<string> {
  return decodeText(await readFile(file));
}

/** readTextFile, blocking. */
export function readTextFileSync(file: string): string {
  return decodeText(readFileSync(file));
}

/** The lines of a hand-edited text file's content, whatever its line ends. */
export function textLines(text: string): string[] {
  return text.split(/\r?\n/);
}
