/** Errors that name the op, the rule that was broken, and every shape involved. */
import type { Shape } from './shape.js';

const fmt = (s: Shape): string => `[${s.join(', ')}]`;

/**
 * A shape or argument error at an op boundary.
 * `new ShapeError('conv2d', 'input channels (3) must equal weight.shape[1] * groups (4)', { input: [1,3,8,8], weight: [8,4,3,3] })`
 * reads "conv2d: input channels (3) must equal weight.shape[1] * groups (4); input [1, 3, 8, 8], weight [8, 4, 3, 3]".
 */
export class ShapeError extends Error {
  constructor(
    readonly op: string,
    rule: string,
    readonly shapes: Record<string, Shape> = {},
  ) {
    const named = Object.entries(shapes).map(([k, s]) => `${k} ${fmt(s)}`);
    super(`${op}: ${rule}${named.length ? `; ${named.join(', ')}` : ''}`);
    this.name = 'ShapeError';
  }
}

/** A bad option or configuration value (not a shape): "conv2d: stride must be a positive integer, got 0". */
export class ConfigError extends Error {
  constructor(
    readonly op: string,
    rule: string,
  ) {
    super(`${op}: ${rule}`);
    this.name = 'ConfigError';
  }
}
