// The compiler's one entry point: source text -> Module, through every phase in order.
//   source --lexer/parser--> AST --check--> checked AST --emit--> Module (bytecode)
// A program nested too deeply for this thread's stack is compiled again on a thread with a
// large one (compile-thread.ts).
import type { Module } from '../bytecode/module';
import { check } from './check';
import { compileOnBigStack, isStackOverflow } from './compile-thread';
import { emit } from './emit';
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
  const ast = parse(source, file);
  const checked = check(ast, file, source);
  return emit(checked, file, source);
}
