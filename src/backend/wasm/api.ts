/**
 * The part of the global `WebAssembly` object we use, typed here because the project's TypeScript libs
 * (ES2022 + @types/node 20) do not declare it. Reading it through this module avoids a global declaration
 * that could clash with a future lib "DOM" or newer @types/node.
 */
export interface WasmMemory {
  readonly buffer: ArrayBuffer | SharedArrayBuffer;
  grow(deltaPages: number): number;
}

export interface WasmInstance {
  readonly exports: Record<string, unknown>;
}

export interface WasmApi {
  validate(bytes: Uint8Array): boolean;
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: Record<string, Record<string, unknown>>) => WasmInstance;
  Memory: new (desc: { initial: number; maximum?: number; shared?: boolean }) => WasmMemory;
}

export const WASM_PAGE_BYTES = 65536;

/** The runtime's WebAssembly object, or null where there is none. */
export const wasmApi: WasmApi | null = ((globalThis as Record<string, unknown>).WebAssembly as WasmApi | undefined) ?? null;
