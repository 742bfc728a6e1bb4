// Finding C libraries and binding extern declarations with koffi. Every thread that calls C
// (a worker, for #[non_blocking] externs; an FFI thread, for the others) binds for itself, once
// per extern, on its first call: koffi's function objects belong to the thread that made them.
// The main thread binds everything once before the program starts (checkExterns), so a missing
// library or symbol is a load error naming the extern's line, never a failure in mid-run.
//
// Library names, as `extern "lib"` writes them:
//   ''  or "libc" or "c"    the C library and the process's own symbols (dlopen(NULL))
//   a path (has a '/', or ends in .so or .so.N)   that file (relative to the working directory)
//   a bare name "foo"       libfoo.so in each --lib-path directory (and ASTHRA_LIB_PATH), then in
//                           the system library directories (libfoo.so if it is a real ELF file,
//                           else the highest libfoo.so.N, e.g. libm.so.6), then the dynamic
//                           loader's own search (LD_LIBRARY_PATH, ld.so.cache)
import * as fs from 'fs';
import * as path from 'path';
import { CTYPE_KOFFI, CType, ExternProto } from '../bytecode/ctypes';

type Koffi = typeof import('koffi');
type KoffiLib = ReturnType<Koffi['load']>;
/** A bound C function: koffi's callable. */
export type CFunction = (...args: unknown[]) => unknown;

let koffiModule: Koffi | null = null;

/** koffi, loaded on first use (a program that calls no C never pays for it). */
export function koffi(): Koffi {
  if (koffiModule === null) koffiModule = require('koffi') as Koffi;
  return koffiModule;
}

const SYSTEM_DIRS = [
  '/lib/x86_64-linux-gnu', '/usr/lib/x86_64-linux-gnu', '/lib/aarch64-linux-gnu', '/usr/lib/aarch64-linux-gnu',
  '/lib64', '/usr/lib64', '/lib', '/usr/lib', '/usr/local/lib',
];

/** A library or symbol that cannot be bound: a load error of the extern declared at line:col. */
export class LinkError extends Error {
  /** the program's source file (set by checkExterns) */
  file = '';
  constructor(readonly ext: ExternProto, message: string) {
    super(message);
  }
}

/** The directories to search for bare library names: --lib-path ones first, then ASTHRA_LIB_PATH. */
export function libraryDirs(fromFlags: readonly string[]): string[] {
  const env = (process.env.ASTHRA_LIB_PATH ?? '').split(path.delimiter).filter((d) => d !== '');
  return [...fromFlags, ...env];
}

function isElf(file: string): boolean {
  try {
    const fd = fs.openSync(file, 'r');
    try {
      const b = Buffer.alloc(4);
      return fs.readSync(fd, b, 0, 4, 0) === 4 && b[0] === 0x7f && b.toString('latin1', 1, 4) === 'ELF';
    } finally {
      fs.closeSync(fd);
    }
  } catch {
    return false;
  }
}

/** The highest-versioned libNAME.so.N in dir (libm.so.6), or null. */
function versioned(dir: string, base: string): string | null {
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return null;
  }
  const found = names
    .filter((n) => n.startsWith(base + '.') && /^\d+(\.\d+)*$/.test(n.slice(base.length + 1)))
    .sort((a, b) => b.localeCompare(a, 'en', { numeric: true }));
  for (const n of found) if (isElf(path.join(dir, n))) return path.join(dir, n);
  return null;
}

/** What koffi.load gets for `lib`: a file path, or null for the process itself. */
export function findLibrary(lib: string, dirs: readonly string[]): string | null {
  if (lib === '' || lib === 'libc' || lib === 'c') return null;
  if (lib.includes('/') || /\.so(\.\d+)*$/.test(lib)) return path.resolve(lib);
  const base = `lib${lib}.so`;
  for (const d of dirs) {
    const p = path.resolve(d, base);
    if (fs.existsSync(p)) return p;
  }
  for (const d of SYSTEM_DIRS) {
    const p = path.join(d, base);
    if (isElf(p)) return p;
    const v = versioned(d, base);
    if (v !== null) return v;
  }
  return base; // the dynamic loader's own search
}

/**
 * koffi's declaration of one extern: its C result and parameter types. With `stringAddress`, a
 * string result comes back as its address (an FFI thread cannot allocate the heap string; the
 * woken task copies it).
 */
function declare(lib: KoffiLib, x: ExternProto, stringAddress: boolean): CFunction {
  const params = [...x.params].map((t) => CTYPE_KOFFI[t]);
  const ret = x.ret === CType.String && stringAddress ? 'uintptr_t' : CTYPE_KOFFI[x.ret];
  return lib.func(x.symbol, ret, params) as CFunction;
}

/** The libraries and bound functions of one thread. */
export class Binder {
  private readonly libs = new Map<string, KoffiLib>();
  private readonly fns: (CFunction | null)[];

  constructor(readonly externs: readonly ExternProto[], readonly dirs: readonly string[], readonly stringAddress = false) {
    this.fns = externs.map(() => null);
  }

  /** The bound function of extern `i` (binding it on first use). Throws LinkError. */
  fn(i: number): CFunction {
    const f = this.fns[i];
    if (f !== null) return f;
    const x = this.externs[i];
    const lib = this.library(x);
    let bound: CFunction;
    try {
      bound = declare(lib, x, this.stringAddress);
    } catch (e) {
      throw new LinkError(x, `${describeLib(x.lib)} has no function '${x.symbol}' (${firstLine(e)})`);
    }
    this.fns[i] = bound;
    return bound;
  }

  private library(x: ExternProto): KoffiLib {
    const key = x.lib;
    const have = this.libs.get(key);
    if (have !== undefined) return have;
    const file = findLibrary(x.lib, this.dirs);
    let lib: KoffiLib;
    try {
      lib = koffi().load(file);
    } catch (e) {
      const where = this.dirs.length > 0 ? ` (searched ${this.dirs.join(', ')} and the system directories)` : '';
      throw new LinkError(x, `cannot load ${describeLib(x.lib)}${where}: ${firstLine(e)}`);
    }
    this.libs.set(key, lib);
    return lib;
  }
}

export function describeLib(lib: string): string {
  return lib === '' || lib === 'libc' || lib === 'c' ? 'the C library' : `C library "${lib}"`;
}

function firstLine(e: unknown): string {
  return String((e as Error)?.message ?? e).split('\n')[0];
}

/**
 * The main thread's binders, kept for the life of the process. koffi closes a library when the
 * last thread's handle on it goes (a worker or FFI thread ending, or its handle collected), and
 * a thread that C started (a ticker calling back) still runs that library's code: unmapped under
 * it, the process would crash. Holding one handle from the main thread keeps every library
 * mapped until the process ends.
 */
const kept: Binder[] = [];

/** Bind every extern once (in the thread that starts the program): throws the first LinkError. */
export function checkExterns(externs: readonly ExternProto[], dirs: readonly string[], file: string): void {
  if (externs.length === 0) return;
  const b = new Binder(externs, dirs);
  kept.push(b);
  try {
    for (let i = 0; i < externs.length; i++) b.fn(i);
  } catch (e) {
    if (e instanceof LinkError) e.file = file;
    throw e;
  }
}

/** A C result as a VM number (strings are converted by the caller). */
export function numberFromC(t: number, v: unknown): number {
  if (t === CType.Void) return 0;
  if (t === CType.Bool) return v ? 1 : 0;
  if (typeof v === 'bigint') return Number(v);
  if (v === null || v === undefined) return 0;
  return v as number;
}

/** A VM number as the C argument of type t. */
export function argToC(t: number, v: number): unknown {
  return t === CType.Bool ? v !== 0 : v;
}

/** A copy of `len` bytes of C memory at address `ptr`. */
export function cBytes(ptr: number, len: number): Uint8Array {
  return new Uint8Array(koffi().view(ptr, len).slice(0));
}

let cFree: CFunction | null = null;

/** free() from the C library. */
export function freeC(ptr: number): void {
  if (cFree === null) cFree = koffi().load(null).func('free', 'void', ['uintptr_t']) as CFunction;
  cFree(ptr);
}

/** End the process now with `code`, running no exit handlers (C's _exit); output is written already. */
export function hardExit(code: number): never {
  const exit = koffi().load(null).func('_exit', 'void', ['int']) as CFunction;
  exit(code);
  throw new Error('_exit returned');
}
