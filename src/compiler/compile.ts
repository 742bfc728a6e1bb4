// The compiler's one entry point: source text -> Module, through every phase in order.
//   source --lexer/parser--> AST --modules--> one AST of every imported file --check--> checked AST
//   --emit--> Module (bytecode)
// A program nested too deeply for this thread's stack is compiled again on a thread with a
// large one (compile-thread.ts).
import type { Module } from '../bytecode/module';
import { check } from './check';
import { compileOnBigStack, isStackOverflow } from './compile-thread';
import { CompileError, CompileErrors, QuietError, sortErrors } from './diagnostics';
import { emit } from './emit';
import { link, remapError } from './modules';
import { parseRecovering } from './parser';

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
  // A syntax error spoils only its own declaration: the rest is still checked, so one run
  // reports the syntax errors and the other declarations' errors together (and never emits).
  const parsed = parseRecovering(source, file);
  const syntax = parsed.errors;
  // an import that did not parse leaves unknown which names the program has
  if (syntax.length && parsed.unparsed.imports) throw CompileErrors.of(syntax);
  let linked;
  try {
    linked = link(parsed.program, file, source);
  } catch (e) {
    throw syntax.length && e instanceof CompileError ? together(file, syntax, e) : e;
  }
  let checked;
  try {
    checked = check(linked.program, file, source, parsed.unparsed);
  } catch (e) {
    if (!(e instanceof CompileError)) throw e;
    const remapped = remapError(linked.files, e);
    throw syntax.length ? together(file, syntax, remapped) : remapped;
  }
  if (syntax.length) throw CompileErrors.of(syntax);
  const m = emit(checked, file, source);
  if (linked.files.length > 1) m.files = linked.files.slice(1);
  return m;
}

/** The syntax errors and the later phase's errors as one list: the main file's in source order first. */
function together(file: string, syntax: CompileError[], later: CompileError): CompileError {
  const rest = later instanceof QuietError ? [] : later instanceof CompileErrors ? later.errors : [later];
  const all = [...syntax, ...rest.filter((e) => !(e instanceof QuietError))];
  const mine = sortErrors(all.filter((e) => e.file === file));
  const others = all.filter((e) => e.file !== file);
  const list = [...mine, ...others];
  return list.length === 1 ? list[0] : new CompileErrors(list);
}
