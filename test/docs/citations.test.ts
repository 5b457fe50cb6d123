import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..', '..');
const folders = ['src', 'main', 'workers', 'renderer', 'preload', 'cli', 'bin', 'bench', 'test', 'presets'];
const endings = ['.ts', '.vue', '.cjs', '.mjs', '.md', '.yaml'];

function files(folder: string): string[] {
  return readdirSync(folder).flatMap((name) => {
    const path = join(folder, name);
    if (statSync(path).isDirectory()) return files(path);
    return endings.some((ending) => name.endsWith(ending)) ? [path] : [];
  });
}

describe('design citations', () => {
  it('every "ARCHITECTURE §N" in the code names a section of docs/ARCHITECTURE.md, and nothing cites a DESIGN document the repository lacks', () => {
    const sections = new Set([...readFileSync(join(root, 'docs', 'ARCHITECTURE.md'), 'utf8').matchAll(/^## (\d+)\. /gm)].map((match) => match[1]));
    const sources = [...folders.flatMap((folder) => files(join(root, folder))), join(root, 'eslint.config.mjs'), join(root, 'README.md')];
    const unknown: string[] = [];
    let citations = 0;
    for (const path of sources) {
      const text = readFileSync(path, 'utf8');
      for (const match of text.matchAll(/ARCHITECTURE §(\d+)/g)) {
        citations++;
        if (!sections.has(match[1] as string)) unknown.push(`${path.slice(root.length + 1)}: §${match[1]}`);
      }
      if (path !== import.meta.filename && /DESIGN §/.test(text)) unknown.push(`${path.slice(root.length + 1)}: cites DESIGN §`);
    }
    expect(citations).toBeGreaterThan(100);
    expect(unknown).toEqual([]);
  });
});
