/**
 * `amsunet serve`: load the checkpoint, start the HTTP server (src/app/serve), print where it listens, and on
 * SIGTERM or Ctrl-C stop accepting, answer every request already admitted, and exit 0.
 */
import type { FlagValues } from './args.js';
import { loadModel } from '../app/load-model.js';
import { setThreads, engineInfo } from '../app/threads.js';
import { SERVE_DEFAULTS } from '../app/serve/server.js';
import { serve, ListenError } from '../app/serve/serve.js';
import { UsageError } from '../app/errors.js';
import { DataError } from '../data/errors.js';
import { numberList } from './run-commands.js';

const num = (v: unknown) => (v === undefined ? undefined : Number(v));

export async function serveMain(v: FlagValues): Promise<number> {
  if (v.threads !== undefined) setThreads(Number(v.threads));
  const loaded = loadModel(v.checkpoint as string | undefined, { size: num(v.size), mean: numberList('--mean', v.mean), std: numberList('--std', v.std) });
  const { config } = loaded;
  const params = loaded.model.parameters().reduce((s, p) => s + p.size, 0);
  const engine = engineInfo();
  let srv;
  try {
    srv = await serve(loaded, {
      host: (v.host as string | undefined) ?? SERVE_DEFAULTS.host,
      port: num(v.port) ?? SERVE_DEFAULTS.port,
      maxQueue: num(v.maxQueue),
      maxBody: v.maxBody === undefined ? undefined : Math.round(Number(v.maxBody) * 1024 * 1024),
      maxPixels: num(v.maxPixels),
      info: { checkpoint: v.checkpoint, params, ...engine },
      onError: (e) => process.stderr.write(`amsunet serve: request failed: ${(e as Error)?.stack ?? String(e)}\n`),
    });
  } catch (e) {
    if (!(e instanceof ListenError)) throw e;
    const err = e;
    const where = `${v.host ?? SERVE_DEFAULTS.host}:${v.port ?? SERVE_DEFAULTS.port}`;
    if (err.code === 'EADDRINUSE') throw new DataError(where, 'address already in use (EADDRINUSE); choose another --port');
    if (err.code === 'EADDRNOTAVAIL' || err.code === 'ENOTFOUND' || err.code === 'EAI_AGAIN') throw new DataError(where, `cannot listen on --host ${JSON.stringify(v.host)} (${err.code})`);
    if (err.code === 'EACCES') throw new DataError(where, 'permission denied (EACCES): ports below 1024 need privileges');
    throw e;
  }
  const model = `${config.model} baseC ${config.baseC}, ${config.inChannels} → ${config.numClasses} channels, tile ${config.size}, ${params.toLocaleString('en-US')} parameters`;
  const line = `amsunet serve: listening on ${srv.url} (${model}; ${engine.backend}, ${engine.threads} thread${engine.threads > 1 ? 's' : ''}; queue ${v.maxQueue ?? SERVE_DEFAULTS.maxQueue})`;
  process.stdout.write(v.json ? JSON.stringify({ event: 'listening', url: srv.url, port: srv.port, model: config, threads: engine.threads, backend: engine.backend }) + '\n' : line + '\n');
  return new Promise<number>((resolve) => {
    const stop = (signal: string) => {
      process.off('SIGTERM', onTerm);
      process.off('SIGINT', onInt);
      if (!v.json) process.stdout.write(`amsunet serve: ${signal}: no new requests; finishing the ones in flight\n`);
      srv.close().then((s) => {
        process.stdout.write(v.json ? JSON.stringify({ event: 'stopped', signal, ...s }) + '\n' : `amsunet serve: stopped (${s.served} served, ${s.failed} refused as bad, ${s.rejected} turned away)\n`);
        resolve(0);
      });
    };
    const onTerm = () => stop('SIGTERM');
    const onInt = () => stop('SIGINT');
    process.on('SIGTERM', onTerm);
    process.on('SIGINT', onInt);
    srv.failed.catch((e: Error) => {
      process.stderr.write(`amsunet serve: internal error: the server thread failed: ${e.message}\n`);
      resolve(1);
    });
  });
}

