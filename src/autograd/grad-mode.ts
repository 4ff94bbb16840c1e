/** Whether ops record their backward (PyTorch's grad mode). noGrad(fn) turns recording off inside fn. */
let enabled = true;

export function isGradEnabled(): boolean {
  return enabled;
}

/** Run fn without recording any graph (inference, optimizer updates, gradient arithmetic). */
export function noGrad<T>(fn: () => T): T {
  const prev = enabled;
  enabled = false;
  try {
    return fn();
  } finally {
    enabled = prev;
  }
}

/** Run fn with recording on, even inside noGrad. */
export function enableGrad<T>(fn: () => T): T {
  const prev = enabled;
  enabled = true;
  try {
    return fn();
  } finally {
    enabled = prev;
  }
}
