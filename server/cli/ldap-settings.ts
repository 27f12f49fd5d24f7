import { readFileSync } from 'node:fs';
import { decodeText, textLines } from '../storage/text-files.js';
import type { LdapOptions } from '../auth/ldap-directory.js';
import { nameAttributeOf } from '../auth/ldap-names.js';
import { UsageError, type ServeSettings } from './settings.js';

function readSecret(file: string, what: string): Buffer {
  try {
    return readFileSync(file);
  } catch (err) {
    throw new UsageError(`cannot read the ${what} ${file} (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
  }
}

/**
 * The `--ldap-*` settings as the directory's options, or undefined without `--ldap-url`. Either
 * a direct bind (`--ldap-user-dn`) or a search (`--ldap-bind-dn`, its password file, `--ldap-base`,
 * `--ldap-filter`); anything half-given is a usage error, found at start rather than at sign-in.
 */
export function ldapOptions(s: ServeSettings): LdapOptions | undefined {
  const url = s['ldap-url'];
  const others = Object.keys(s).filter((k) => k.startsWith('ldap-') && k !== 'ldap-url');
  if (!url) {
    if (others.length > 0) throw new UsageError(`--${others[0]} needs --ldap-url`);
    return undefined;
  }
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new UsageError(`invalid --ldap-url "${url}": expected ldap://host[:port] or ldaps://host[:port]`);
  }
  if (parsed.protocol !== 'ldap:' && parsed.protocol !== 'ldaps:') throw new UsageError(`invalid --ldap-url "${url}": expected ldap:// or ldaps://`);
  const userDn = s['ldap-user-dn'];
  const search = { bindDn: s['ldap-bind-dn'], passwordFile: s['ldap-bind-password-file'], base: s['ldap-base'], filter: s['ldap-filter'] };
  if (userDn && search.filter) throw new UsageError('give either --ldap-user-dn (direct bind) or --ldap-filter (search), not both');
  if (userDn && !userDn.includes('{user}')) throw new UsageError(`--ldap-user-dn "${userDn}" must contain {user}`);
  if (!userDn) {
    const missing = (['bindDn', 'passwordFile', 'base', 'filter'] as const).filter((k) => !search[k]);
    const flag = { bindDn: '--ldap-bind-dn', passwordFile: '--ldap-bind-password-file', base: '--ldap-base', filter: '--ldap-filter' };
    if (missing.length > 0) throw new UsageError(`--ldap-url needs --ldap-user-dn, or ${missing.map((k) => flag[k]).join(', ')} for a search`);
    if (!search.filter!.includes('{user}')) throw new UsageError(`--ldap-filter "${search.filter}" must contain {user}`);
  }
  if (search.bindDn && !search.passwordFile) throw new UsageError('--ldap-bind-dn needs --ldap-bind-password-file');
  const bindPassword = search.passwordFile ? textLines(decodeText(readSecret(search.passwordFile, 'LDAP service password file')))[0] : undefined;
  return {
    url,
    ...(userDn ? { userDn } : { base: search.base!, filter: search.filter! }),
    ...(search.bindDn ? { bindDn: search.bindDn, bindPassword: bindPassword ?? '' } : {}),
    ...(s['ldap-admin-group'] ? { adminGroup: s['ldap-admin-group'] } : {}),
    ...(s['ldap-approver-group'] ? { approverGroup: s['ldap-approver-group'] } : {}),
    ...(s['ldap-ca'] ? { ca: readSecret(s['ldap-ca'], 'LDAP CA file') } : {}),
    nameAttribute: s['ldap-name-attribute'] ?? nameAttributeOf(search.filter ?? userDn),
    label: s['ldap-label'] ?? parsed.hostname,
    recheckMs: (s['ldap-recheck'] ?? 300) * 1000,
    timeoutMs: s['ldap-timeout'] ?? 5000,
  };
}
