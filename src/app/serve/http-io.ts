/** Reading request bodies under a size limit and writing JSON and PNG responses (node:http). */
import type { IncomingMessage, ServerResponse } from 'node:http';

/** An answer other than 200: its status and one line of reason, sent as {"error": reason}. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message.split('\n')[0]);
    this.name = 'HttpError';
  }
}

/** The whole body, or an HttpError 413 as soon as it is longer than `limit` bytes (Content-Length checked first). */
export function readBody(req: IncomingMessage, limit: number): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    const tooLarge = () => new HttpError(413, `request body larger than the limit of ${limit} bytes (--max-body)`, { connection: 'close' });
    const declared = Number(req.headers['content-length']);
    if (Number.isFinite(declared) && declared > limit) {
      req.resume(); // discard; the response closes the connection
      reject(tooLarge());
      return;
    }
    const chunks: Buffer[] = [];
    let length = 0;
    let failed = false;
    req.on('data', (c: Buffer) => {
      if (failed) return;
      length += c.length;
      if (length > limit) {
        failed = true;
        chunks.length = 0;
        reject(tooLarge());
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => {
      if (failed) return;
      const b = Buffer.concat(chunks, length);
      resolve(new Uint8Array(b.buffer, b.byteOffset, b.byteLength));
    });
    req.on('error', (e) => {
      if (!failed) (failed = true), reject(new HttpError(400, `could not read the request body (${e.message})`, { connection: 'close' }));
    });
  });
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body) + '\n';
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

export function sendError(res: ServerResponse, e: HttpError): void {
  if (res.headersSent) return void res.destroy();
  sendJson(res, e.status, { error: e.message }, e.headers);
}

export function sendPng(res: ServerResponse, png: Uint8Array, headers: Record<string, string> = {}): void {
  res.writeHead(200, { 'content-type': 'image/png', 'content-length': png.length, ...headers });
  res.end(png);
}
