// Deep programs on a thread with a large stack.
//
// The checker and the emitter recurse once per level of nesting (blocks, if, for, nested
// literals and calls; operator chains are iterated, not recursed). The main thread's stack
// (about 1 MB) lasts to roughly 1,400 levels, so a program nested deeper than that is compiled
// again on a worker thread with a STACK_MB stack, where the checker's MAX_NESTING limit (a
// compile error naming the line) comes long before the stack ends. The main thread waits for it
// synchronously (Atomics.wait), so compile stays a plain function call; the module comes back
// as .astb bytes, and compile errors as their fields.
import * as path from 'path';
import { MessageChannel, MessagePort, Worker, isMainThread, receiveMessageOnPort, workerData } from 'worker_threads';
import type { Module } from '../bytecode/module';
import { readAstb, writeAstb } from '../bytecode/astb';
import { CompileError, CompileErrors, InternalError, Note } from './diagnostics';

/** The compile thread's stack: room for MAX_NESTING levels with a wide margin. */
export const STACK_MB = 1024;
/** How long the main thread waits for the compile thread before giving up. */
const TIMEOUT_MS = 10 * 60 * 1000;

interface ErrorFields {
  /** the file the error is in (an imported module's) */
  file: string;
  source: string;
  line: number;
  col: number;
  message: string;
  hint?: string;
  notes: Note[];
}

type Reply =
  | { ok: true; astb: Uint8Array }
  | { ok: false; compile: ErrorFields[] }
  | { ok: false; internal: string };

/** Is this the JavaScript engine's stack overflow? */
export function isStackOverflow(e: unknown): boolean {
  return e instanceof RangeError && /call stack/i.test(e.message);
}

/** Compile on a thread with a STACK_MB stack; throws what compile would. */
export function compileOnBigStack(source: string, file: string): Module {
  const done = new Int32Array(new SharedArrayBuffer(4));
  const { port1, port2 } = new MessageChannel();
  const worker = new Worker(path.join(__dirname, 'compile-thread.js'), {
    workerData: { source, file, done, port: port2 },
    transferList: [port2],
    resourceLimits: { stackSizeMb: STACK_MB },
  });
  try {
    if (Atomics.wait(done, 0, 0, TIMEOUT_MS) === 'timed-out') {
      throw new InternalError(`${file}: internal error: the compile thread did not finish in ${TIMEOUT_MS / 60000} minutes`);
    }
    const reply = receiveMessageOnPort(port1)?.message as Reply | undefined;
    if (!reply) throw new InternalError(`${file}: internal error: the compile thread ended without a result`);
    if (reply.ok) return readAstb(Buffer.from(reply.astb.buffer, reply.astb.byteOffset, reply.astb.byteLength));
    if ('internal' in reply) throw new InternalError(reply.internal);
    const errors = reply.compile.map((f) => {
      const e = new CompileError(f.file, f.source, f.line, f.col, f.message, f.hint);
      e.notes.push(...f.notes);
      return e;
    });
    throw CompileErrors.of(errors);
  } finally {
    port1.close();
    void worker.terminate();
  }
}

function fields(e: CompileError): ErrorFields {
  return { file: e.file, source: e.source, line: e.line, col: e.col, message: e.message, hint: e.hint, notes: e.notes };
}

// the compile thread itself
if (!isMainThread && workerData && (workerData as { done?: unknown }).done instanceof Int32Array) {
  const { source, file, done, port } = workerData as { source: string; file: string; done: Int32Array; port: MessagePort };
  let reply: Reply;
  try {
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    const { compileHere } = require('./compile') as typeof import('./compile');
    const bytes = writeAstb(compileHere(source, file));
    reply = { ok: true, astb: new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength) };
  } catch (e) {
    if (e instanceof CompileErrors) reply = { ok: false, compile: e.errors.map(fields) };
    else if (e instanceof CompileError) reply = { ok: false, compile: [fields(e)] };
    else if (e instanceof InternalError) reply = { ok: false, internal: e.message };
    else if (isStackOverflow(e)) reply = { ok: false, internal: `${file}: internal error: the compiler ran out of stack even on a ${STACK_MB} MB stack` };
    else reply = { ok: false, internal: `${file}: internal error: ${(e as Error)?.message ?? String(e)}` };
  }
  port.postMessage(reply);
  Atomics.store(done, 0, 1);
  Atomics.notify(done, 0);
}
