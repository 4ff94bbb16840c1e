/**
 * amsunet-ts in a browser (or any bundler's `browser` condition): the platform-neutral core. Bundlers pick this
 * entry for `import ... from 'amsunet-ts'` when they build for the browser.
 */
export * from './index.js';
