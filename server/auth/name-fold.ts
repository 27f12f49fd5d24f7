/**
 * A person's name as every source compares it: NFKC, then lower case. A directory folds names
 * this way (slapd and Active Directory take `ALICE` and full-width `ａlice` for alice), so the
 * users file, the sign-in limits and the directory must too, or one person is two accounts (or
 * two people's accounts are one).
 */
export const foldName = (name: string): string => name.normalize('NFKC').toLowerCase();
