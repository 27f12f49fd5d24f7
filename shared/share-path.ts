/**
 * A file's path as people open it on the share: `prefix` (`--share-path`, else the vault's own
 * folder) and the vault-relative name, with backslashes when the prefix is a Windows or UNC path
 * (`\\cam-server\programs` + `customer-a/PN2001.mcam` = `\\cam-server\programs\customer-a\PN2001.mcam`).
 */
export function sharePathOf(prefix: string, name: string): string {
  const windows = prefix.includes('\\') || /^[A-Za-z]:/.test(prefix);
  const base = prefix.replace(windows ? /[\\/]+$/ : /\/+$/, '');
  return windows ? `${base}\\${name.replaceAll('/', '\\')}` : `${base}/${name}`;
}
