// Start-up: V8's code cache for our own modules (what Node 22's module.enableCompileCache does,
// for Node 20). Most of an `asthra exec` of a short program is Node loading the runtime's modules:
// reading, parsing and compiling them (two bundled scripts, see runtime/boot.ts, or fifty files),
// in the main thread and again in every worker thread. `npm run build` ends by running a few
// programs once with ASTHRA_CODE_CACHE=write (tools/code-cache.js), which saves, for each
// script, the code V8 compiled for it by then (its
// top level and the functions that start-up ran); later runs hand that to V8 with the source,
// and V8 skips the parse and the first compilation of those functions.
//
// Safety: a saved entry is used only for the file it was made from as it was then (the file's
// size and modification time are in the entry's name: a hash of the text would cost more than
// the cache saves, since Node's crypto module alone loads some thirty internal modules), and V8
// itself rejects an entry made by another V8, under other flags or for a text of another length;
// a missing or rejected entry means the module compiles as usual. Nothing is written except in write mode,
// so a run never depends on the cache or changes it.
//
// This module is imported first by every entry point (bin/asthra, the worker threads), for its
// effect: it hooks Module.prototype._compile for the files of this package only.
import { mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'fs';
import * as path from 'path';
import { Script } from 'vm';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const Module = require('module') as {
  prototype: { _compile(content: string, filename: string): unknown };
  wrap(source: string): string;
  createRequire(filename: string): NodeJS.Require;
};

/** The package's root (dist/runtime/ is two levels down); only files under it are cached. */
const ROOT = path.resolve(__dirname, '..', '..');
const DIST = path.join(ROOT, 'dist');
const PISCINA = path.join(ROOT, 'node_modules', 'piscina');
/** where the entries are (ASTHRA_CODE_CACHE_DIR elsewhere: for tests) */
export const CACHE_DIR = process.env.ASTHRA_CODE_CACHE_DIR || path.join(DIST, 'code-cache');

const writing = process.env.ASTHRA_CODE_CACHE === 'write';
const off = process.env.ASTHRA_CODE_CACHE === 'off';
/** in write mode, every script compiled, to save when the process ends */
const made: { file: string; script: Script }[] = [];

/** The entry for a file as it is now: `dist_vm_interpreter.js-<size>-<mtime in ns>.bin`. */
function entryName(filename: string): string {
  const rel = path.relative(ROOT, filename).replace(/[\\/]/g, '_');
  const st = statSync(filename, { bigint: true });
  return `${rel}-${st.size}-${st.mtimeNs}.bin`;
}

function install(): void {
  const proto = Module.prototype;
  const compile = proto._compile;
  proto._compile = function (this: NodeJS.Module, content: string, filename: string): unknown {
    if (!(filename.startsWith(DIST) || filename.startsWith(PISCINA)) || !filename.endsWith('.js')) {
      return compile.call(this, content, filename);
    }
    let file: string;
    try {
      file = path.join(CACHE_DIR, entryName(filename));
    } catch {
      return compile.call(this, content, filename);
    }
    let cachedData: Buffer | undefined;
    if (!writing) {
      try {
        cachedData = readFileSync(file);
      } catch {
        return compile.call(this, content, filename);
      }
    }
    const script = new Script(Module.wrap(content), { filename, cachedData });
    if (writing) made.push({ file, script });
    const fn = script.runInThisContext({ displayErrors: true }) as (
      exports: unknown, require: NodeJS.Require, module: NodeJS.Module, filename: string, dirname: string,
    ) => unknown;
    const require = Module.createRequire(filename);
    return fn.call(this.exports, this.exports, require, this, filename, path.dirname(filename));
  };
  if (writing) process.on('exit', save);
}

/** Write mode: save each script's code as V8 has it now (after the run, so it holds the
 * functions the run compiled), each entry written whole and then renamed into place. */
function save(): void {
  mkdirSync(CACHE_DIR, { recursive: true });
  for (const { file, script } of made) {
    const tmp = `${file}.${process.pid}.tmp`;
    writeFileSync(tmp, script.createCachedData());
    renameSync(tmp, file);
  }
}

if (!off) install();
