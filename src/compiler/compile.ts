// The compiler's one entry point: source text -> Module, through every phase in order.
//   source --lexer/parser--> AST --modules--> one AST of every imported file --check--> checked AST
//   --emit--> Module (bytecode)
// A program nested too deeply for this thread's stack is compiled again on a thread with a
// large one (compile-thread.ts).
import type { Module } from '../bytecode/module';
import { check } from './check';
import { compileOnBigStack, isStackOverflow } from './compile-thread';
import { CompileError } from './diagnostics';
import { emit } from './emit';
import { link, remapError } from './modules';
import { parse } from './parser';

export function compile(source: string, file: string): Module {
  try {
    return compileHere(source, file);
  } catch (e) {
    if (!isStackOverflow(e)) throw e;
    return compileOnBigStack(source, file);
  }
}

/** Compile on this thread. */
export function compileHere(source: string, file: string): Module {
  const linked = link(parse(source, file), file, source);
  let checked;
  try {
    checked = check(linked.program, file, source);
  } catch (e) {
    throw e instanceof CompileError ? remapError(linked.files, e) : e;
  }
  const m = emit(checked, file, source);
  if (linked.files.length > 1) m.files = linked.files.slice(1);
  return m;
}
