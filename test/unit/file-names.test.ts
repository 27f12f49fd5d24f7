import { describe, expect, it } from 'vitest';
import { compareNames, fileNameProblem, isTrackedName } from '../../shared/file-names.js';

const EXT = ['.mcam', '.vnc'];

describe('file names', () => {
  it.each([
    ['PN1001.mcam'],
    ['customer-a/PN2002.vnc'],
    ['PN1.MCAM'],
    ['deep/er/still/x.Vnc'],
    ['name with spaces.mcam'],
    ['ünïcødé/файл.mcam'],
  ])('accepts %s', (name) => {
    expect(fileNameProblem(name, EXT)).toBeNull();
  });

  it.each([
    ['', 'empty'],
    ['/etc/passwd.mcam', 'absolute'],
    ['C:/x.mcam', 'absolute'],
    ['../x.mcam', '..'],
    ['a/../../x.mcam', '..'],
    ['a\\b.mcam', 'backslash'],
    ['a\u0000.mcam', 'control'],
    ['a\n.mcam', 'control'],
    ['a\u007f.mcam', 'control'],
    ['notes.txt', 'extension'],
    ['.mcam', 'extension'],
    ['a//b.mcam', 'segment'],
    ['./a.mcam', 'segment'],
    ['a/', 'segment'],
    ['x'.repeat(1100) + '.mcam', 'longer'],
  ])('refuses %j (%s)', (name, why) => {
    expect(fileNameProblem(name, EXT)).toContain(why === 'segment' ? 'segment' : why === 'extension' ? 'extension' : why);
  });

  it('matches extensions case-insensitively', () => {
    expect(isTrackedName('A.MCAM', EXT)).toBe(true);
    expect(isTrackedName('A.mcamx', EXT)).toBe(false);
  });

  it('sorts by code point, not by locale', () => {
    const names = ['b.mcam', 'B.mcam', 'a.mcam', '\u{1F600}.mcam', '\uFFFD.mcam'];
    expect([...names].sort(compareNames)).toEqual(['B.mcam', 'a.mcam', 'b.mcam', '\uFFFD.mcam', '\u{1F600}.mcam']);
  });
});
