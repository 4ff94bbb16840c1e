/**
 * amsunet-ts in a browser (or any bundler's `browser` condition): the platform-neutral core plus the off-thread
 * segmenter on a Web Worker. Bundlers pick this entry for `import ... from 'amsunet-ts'` when they build for the
 * browser.
 */
export * from './index.js';
export { setPoolWorkerUrl } from './platform/web.js';
export { createSegmenter, type WebWorkerLike } from './segmenter/web.js';
export type { Segmenter, SegmenterOptions, SegmenterInfo, ImageBytes } from './segmenter/protocol.js';
