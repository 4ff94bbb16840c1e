/**
 * Bundle a page script for the browser with esbuild (platform=browser): the library's browser entry needs no Node
 * built-ins and no stubs. Writes the bundle to dist/examples/browser-app.bundle.js.
 *
 *   npm run build && node dist/examples/bundle.js
 */
import { build } from 'esbuild';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../', import.meta.url)); // run as dist/examples/bundle.js
const result = await build({
  absWorkingDir: root,
  entryPoints: ['examples/browser-app.ts'],
  bundle: true, platform: 'browser', format: 'esm', target: 'es2022', minify: true,
  outfile: 'dist/examples/browser-app.bundle.js', metafile: true, logLevel: 'silent',
});
const out = Object.entries(result.metafile.outputs).find(([f]) => f.endsWith('.js'))!;
const nodeImports = Object.keys(result.metafile.inputs).filter((f) => f.startsWith('node:') || f.includes('(disabled)'));
console.log(`browser bundle: ${out[0]} ${(out[1].bytes / 1024).toFixed(0)} KB from ${Object.keys(result.metafile.inputs).length} modules; ${result.errors.length} errors, ${result.warnings.length} warnings, Node modules: ${nodeImports.length ? nodeImports.join(', ') : 'none'}`);
