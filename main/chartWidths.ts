/**
 * Text widths as DejaVu Sans draws them, for server-side ECharts (main/chartRender.ts): without a
 * canvas ECharts guesses widths narrower than DejaVu renders, and an exported chart's legend items
 * touched. Advance widths of DejaVu Sans (Bitstream Vera's metrics) in font units of a 2048-unit em;
 * a character not listed counts as a digit's width, and bold as 10 % wider, so the estimate errs wide.
 */
const unitsPerEm = 2048;
const fallbackUnits = 1303;
const boldFactor = 1.1;

const advance = new Map<string, number>();
function set(characters: string, units: number): void {
  for (const character of characters) advance.set(character, units);
}
set(' ,.', 651);
set('!', 821);
set('"', 942);
set("'", 563);
set('#+<=>×÷→', 1716);
set('$0123456789', 1303);
set('%', 1946);
set('&', 1597);
set('()', 799);
set('*–', 1024);
set('-', 739);
set('/:;', 690);
set('?', 1087);
set('@…—', 2048);
const letters: Record<string, number> = {
  A: 1401, B: 1405, C: 1430, D: 1577, E: 1294, F: 1178, G: 1587, H: 1540, I: 604, J: 604, K: 1343, L: 1141, M: 1767,
  N: 1532, O: 1612, P: 1235, Q: 1612, R: 1423, S: 1300, T: 1251, U: 1499, V: 1401, W: 2025, X: 1403, Y: 1251, Z: 1403,
  a: 1255, b: 1300, c: 1126, d: 1300, e: 1260, f: 721, g: 1300, h: 1298, i: 569, j: 569, k: 1186, l: 569, m: 1995,
  n: 1298, o: 1253, p: 1300, q: 1300, r: 842, s: 1067, t: 803, u: 1298, v: 1212, w: 1675, x: 1212, y: 1212, z: 1075,
};
for (const [letter, units] of Object.entries(letters)) advance.set(letter, units);

/** The font size (px) and weight of a CSS font shorthand ("bold 13px DejaVu Sans"); 12 px normal when it says none. */
function fontOf(font: string | undefined): { sizePx: number; bold: boolean } {
  const size = /(\d+(?:\.\d+)?)px/.exec(font ?? '');
  return { sizePx: size === null ? 12 : Number(size[1]), bold: /\b(bold|bolder|[6-9]00)\b/.test(font ?? '') };
}

/** The width `text` takes in `font`, px. */
export function dejaVuTextWidth(text: string, font?: string): number {
  const { sizePx, bold } = fontOf(font);
  let units = 0;
  for (const character of text) units += advance.get(character) ?? fallbackUnits;
  return (units / unitsPerEm) * sizePx * (bold ? boldFactor : 1);
}
