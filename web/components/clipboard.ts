/**
 * Puts text on the clipboard; false when the browser would not. `navigator.clipboard` exists only
 * on secure origins (HTTPS or localhost): a shop's `http://cam-server:8000` gets the older copy
 * command on a hidden text box instead.
 */
export async function copyText(text: string): Promise<boolean> {
  try {
    // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- undefined on insecure origins
    if (navigator.clipboard) {
      await navigator.clipboard.writeText(text);
      return true;
    }
  } catch {
    /* denied: try the old way */
  }
  const box = document.createElement('textarea');
  box.value = text;
  box.setAttribute('readonly', '');
  box.style.position = 'fixed';
  box.style.opacity = '0';
  document.body.append(box);
  box.select();
  try {
    // eslint-disable-next-line @typescript-eslint/no-deprecated -- the only copy an insecure origin has
    return document.execCommand('copy');
  } catch {
    return false;
  } finally {
    box.remove();
  }
}
