import { Filter } from 'ldapts';

/**
 * A user name as one RDN value (RFC 4514 §2.4): `, + " \ < > ; =` and NUL escaped, and a
 * leading space or `#` and a trailing space, so `x,ou=admins` stays one value.
 */
export function escapeDnValue(value: string): string {
  let out = value.replace(/[,+"\\<>;=]/g, (c) => `\\${c}`).replaceAll('\u0000', '\\00');
  if (out.startsWith(' ') || out.startsWith('#')) out = `\\${out}`;
  if (out.endsWith(' ') && !out.endsWith('\\ ')) out = `${out.slice(0, -1)}\\ `;
  return out;
}

/** A user name as a filter value (RFC 4515 §3): `* ( ) \` and NUL as `\2a`-style escapes. */
export function escapeFilterValue(value: string): string {
  return Filter.escape(value);
}

/** `uid={user},ou=people,…` with the name escaped for where it lands. */
export function fillDn(template: string, user: string): string {
  return template.replaceAll('{user}', escapeDnValue(user));
}

export function fillFilter(template: string, user: string): string {
  return template.replaceAll('{user}', escapeFilterValue(user));
}

/**
 * The attribute that holds the name: the one `{user}` is matched against in the filter
 * (`(sAMAccountName={user})`) or the DN template (`uid={user},…`); `uid` when neither says.
 */
export function nameAttributeOf(template: string | undefined): string {
  const m = template ? /([A-Za-z][\w-]*)=\{user\}/.exec(template) : null;
  return m?.[1] ?? 'uid';
}

/** DNs compared as directories compare them for these purposes: case and blanks after separators aside. */
export function sameDn(a: string, b: string): boolean {
  const norm = (dn: string) => dn.replace(/\s*([,=+])\s*/g, '$1').toLowerCase();
  return norm(a) === norm(b);
}
