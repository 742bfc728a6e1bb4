// The compiler's one entry point: source text -> Module, through every phase in order.
//   source --lexer/parser--> AST --check--> checked AST --emit--> Module (bytecode)
import type { Module } from '../bytecode/module';
import { check } from './check';
import { emit } from './emit';
import { parse } from './parser';

export function compile(source: string, file: string): Module {
  const ast = parse(source, file);
  const checked = check(ast, file, source);
  return emit(checked, file, source);
}
