/**
 * docs/how-it-works.md cannot go stale: every ```ts block in it is written to a file next to this one (its
 * `'../src/…'` imports re-pointed at the source tree), imported, and what it prints must equal, line by line, the
 * `// prints: …` comments in the block. Every relative link of the document must name a file that exists.
 */
import { afterAll, describe, expect, test, vi } from 'vitest';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { format } from 'node:util';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const DOC = join(ROOT, 'docs/how-it-works.md');
const doc = readFileSync(DOC, 'utf8');

interface Snippet {
  /** 1-based line of the opening fence in the markdown */
  line: number;
  code: string;
}

/** The ```ts blocks of a markdown text. */
function tsBlocks(md: string): Snippet[] {
  const out: Snippet[] = [];
  for (const m of md.matchAll(/^```ts\n([\s\S]*?)^```$/gm)) {
    out.push({ line: md.slice(0, m.index).split('\n').length, code: m[1] });
  }
  return out;
}

/** The lines a snippet says it prints: the text after `// prints: ` on each line that has one, in order. */
function expectedLines(code: string): string[] {
  return code.split('\n').flatMap((l) => {
    const m = /\/\/ prints: (.*)$/.exec(l);
    return m ? [m[1].trimEnd()] : [];
  });
}

let dir: string | null = null;
afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** Run a snippet as a module and return the lines it printed with console.log. */
async function run(code: string, n: number): Promise<string[]> {
  dir ??= mkdtempSync(join(ROOT, 'tests/docs/.snippets-'));
  // the document lives in docs/, so its snippets import '../src/…'; the file written here sits two folders deeper
  const file = join(dir, `snippet-${n}.ts`);
  writeFileSync(file, code.replace(/(['"])\.\.\/src\//g, '$1../../../src/'));
  const lines: string[] = [];
  const spy = vi.spyOn(console, 'log').mockImplementation((...args: unknown[]) => {
    lines.push(...format(...args).split('\n'));
  });
  try {
    await import(pathToFileURL(file).href);
  } finally {
    spy.mockRestore();
  }
  return lines.map((l) => l.trimEnd());
}

const snippets = tsBlocks(doc);

describe('docs/how-it-works.md', () => {
  test('has snippets, each importing only from the source tree and saying what it prints', () => {
    expect(snippets.length).toBeGreaterThanOrEqual(6);
    for (const s of snippets) {
      expect(expectedLines(s.code).length, `snippet at line ${s.line}`).toBeGreaterThan(0);
      for (const m of s.code.matchAll(/from\s+['"]([^'"]+)['"]/g)) expect(m[1], `snippet at line ${s.line}`).toMatch(/^\.\.\/src\//);
    }
  });

  test('the checker can fail: a wrong `// prints:` line is a mismatch', async () => {
    const code = "console.log('gelu', 1 + 1); // prints: gelu 3\n";
    expect(expectedLines(code)).toEqual(['gelu 3']);
    expect(await run(code, 0)).toEqual(['gelu 2']);
  });

  test.each(snippets.map((s, i) => [s.line, i + 1, s] as const))('snippet at line %i prints what it says', async (_line, n, s) => {
    expect(await run(s.code, n)).toEqual(expectedLines(s.code));
  });

  test('every relative link names a file that exists', () => {
    const links = [...doc.matchAll(/\]\((?!https?:|#)([^)\s#]+)(?:#[^)]*)?\)/g)].map((m) => m[1]);
    expect(links.length).toBeGreaterThan(10);
    const missing = links.filter((l) => !existsSync(resolve(dirname(DOC), l)));
    expect(missing).toEqual([]);
  });

  test('the README links it', () => {
    expect(readFileSync(join(ROOT, 'README.md'), 'utf8').includes('](docs/how-it-works.md)')).toBe(true);
  });
});
