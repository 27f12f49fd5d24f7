/**
 * Text from the server as a terminal line may show it: control characters (ESC and the escape
 * sequences it starts, BEL, tabs, newlines, C1 controls) and bidirectional overrides are shown
 * as `\xNN` / `\u{NNNN}` instead of acting. A message or a reason is anyone's text: raw, it could
 * set the window title, write the clipboard (OSC 52), erase lines, or forge a line in piped output.
 */
export function printable(text: string): string {
  // eslint-disable-next-line no-control-regex -- control characters are exactly what it replaces
  return text.replace(/[\u0000-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/g, (c) => {
    const code = c.charCodeAt(0);
    return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u{${code.toString(16)}}`;
  });
}
