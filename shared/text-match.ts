/** Text as the page's filters compare it: NFKC, lower case (`ＰＮ1001` finds PN1001). */
export const foldText = (s: string): string => s.normalize('NFKC').toLowerCase();

/** Whether `text` holds `part`, ignoring case and width, as every filter of the page matches. */
export const containsText = (text: string | null | undefined, part: string): boolean => foldText(text ?? '').includes(foldText(part));
