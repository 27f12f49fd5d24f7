import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

/** The custom properties of one theme block of web/theme.css. */
function themeVars(css: string, selector: string): Record<string, string> {
  const start = css.indexOf(selector);
  const block = css.slice(css.indexOf('{', start) + 1, css.indexOf('}', start));
  return Object.fromEntries([...block.matchAll(/--([\w-]+):\s*(#[0-9a-f]{6})/gi)].map((m) => [m[1]!, m[2]!]));
}

/** WCAG 2 relative luminance and contrast ratio of two #rrggbb colours. */
function contrast(a: string, b: string): number {
  const lum = (hex: string) => {
    const [r, g, bl] = [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16) / 255).map((c) => (c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4));
    return 0.2126 * r! + 0.7152 * g! + 0.0722 * bl!;
  };
  const [hi, lo] = [lum(a), lum(b)].sort((x, y) => y - x);
  return (hi! + 0.05) / (lo! + 0.05);
}

describe('the themes: controls and focus rings at 3:1 (WCAG 1.4.11), text at 4.5:1', () => {
  const css = readFileSync(new URL('../../web/theme.css', import.meta.url), 'utf8');
  for (const [theme, selector] of [['light', ":root[data-theme='light']"], ['dark', ":root[data-theme='dark']"]] as const) {
    it(theme, () => {
      const v = themeVars(css, selector);
      for (const bg of ['panel-bg', 'bg', 'input-bg', 'button-bg']) {
        expect(contrast(v['control-border']!, v[bg]!), `control-border on ${bg}`).toBeGreaterThanOrEqual(3);
        expect(contrast(v.focus!, v[bg]!), `focus on ${bg}`).toBeGreaterThanOrEqual(3);
      }
      const pairs: Array<[string, string]> = [['fg', 'panel-bg'], ['muted', 'panel-bg'], ['muted', 'bg'], ['link', 'panel-bg'], ['ok-fg', 'ok-bg'], ['warn-fg', 'warn-bg'], ['mine-fg', 'mine-bg'], ['danger', 'panel-bg'], ['ok-fg', 'panel-bg']];
      for (const [fg, bg] of pairs) {
        expect(contrast(v[fg]!, v[bg]!), `${fg} on ${bg}`).toBeGreaterThanOrEqual(4.5);
      }
    });
  }
});
