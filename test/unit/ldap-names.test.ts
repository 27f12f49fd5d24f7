import { describe, expect, it } from 'vitest';
import { escapeDnValue, fillDn, fillFilter, nameAttributeOf, sameDn } from '../../server/auth/ldap-names.js';
import { ldapOptions } from '../../server/cli/ldap-settings.js';
import { UsageError } from '../../server/cli/settings.js';

describe('LDAP names', () => {
  it('escapes a name as one RDN value (RFC 4514)', () => {
    expect(escapeDnValue('alice')).toBe('alice');
    expect(escapeDnValue('a,ou=admins')).toBe('a\\,ou\\=admins');
    expect(escapeDnValue('x+y"z\\<>;')).toBe('x\\+y\\"z\\\\\\<\\>\\;');
    expect(escapeDnValue(' lead')).toBe('\\ lead');
    expect(escapeDnValue('#hash')).toBe('\\#hash');
    expect(escapeDnValue('trail ')).toBe('trail\\ ');
    expect(escapeDnValue('nul\u0000')).toBe('nul\\00');
    expect(fillDn('uid={user},ou=people,dc=shop', 'x,dc=evil')).toBe('uid=x\\,dc\\=evil,ou=people,dc=shop');
  });

  it('escapes a name as a filter value (RFC 4515)', () => {
    expect(fillFilter('(uid={user})', '*)(uid=*')).toBe('(uid=\\2a\\29\\28uid=\\2a)');
    expect(fillFilter('(sAMAccountName={user})', 'a\\b')).toBe('(sAMAccountName=a\\5cb)');
  });

  it('finds the name attribute; compares DNs without case or blanks', () => {
    expect(nameAttributeOf('(&(objectClass=user)(sAMAccountName={user}))')).toBe('sAMAccountName');
    expect(nameAttributeOf('uid={user},ou=people,dc=shop')).toBe('uid');
    expect(nameAttributeOf('cn=x')).toBe('uid');
    expect(sameDn('CN=CAM Admins, OU=Groups,DC=shop', 'cn=cam admins,ou=groups,dc=shop')).toBe(true);
    expect(sameDn('cn=a,dc=shop', 'cn=b,dc=shop')).toBe(false);
  });
});

describe('--ldap-* settings', () => {
  const url = 'ldap://127.0.0.1:389';
  it('a direct bind, or a search with every part given', () => {
    expect(ldapOptions({ 'ldap-url': url, 'ldap-user-dn': 'uid={user},dc=shop' })).toMatchObject({ userDn: 'uid={user},dc=shop', nameAttribute: 'uid', label: '127.0.0.1', recheckMs: 300_000, timeoutMs: 5000 });
    expect(ldapOptions({})).toBeUndefined();
  });
  it.each([
    [{ 'ldap-user-dn': 'uid={user}' }, /needs --ldap-url/],
    [{ 'ldap-url': 'http://x' }, /ldap:\/\/ or ldaps:\/\//],
    [{ 'ldap-url': 'not a url' }, /invalid --ldap-url/],
    [{ 'ldap-url': url }, /needs --ldap-user-dn, or --ldap-bind-dn, --ldap-bind-password-file, --ldap-base, --ldap-filter/],
    [{ 'ldap-url': url, 'ldap-user-dn': 'uid=alice' }, /must contain \{user\}/],
    [{ 'ldap-url': url, 'ldap-user-dn': 'uid={user}', 'ldap-filter': '(uid={user})' }, /not both/],
    [{ 'ldap-url': url, 'ldap-bind-dn': 'cn=svc', 'ldap-base': 'dc=x', 'ldap-filter': '(uid={user})' }, /--ldap-bind-password-file/],
    [{ 'ldap-url': url, 'ldap-bind-dn': 'cn=svc', 'ldap-bind-password-file': '/nonexistent/pw', 'ldap-base': 'dc=x', 'ldap-filter': '(uid={user})' }, /cannot read the LDAP service password file/],
  ])('refuses %j', (settings, message) => {
    expect(() => ldapOptions(settings)).toThrow(UsageError);
    expect(() => ldapOptions(settings)).toThrow(message);
  });
});
