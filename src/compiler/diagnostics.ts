// One error format for every phase: `file:line:col: error: message`, the source line, a caret,
// and a hint where one is known (rustc and Elm are the model). The lexer, parser, checker and
// the CLI all throw or print a `CompileError`; the runtime has its own trap format in vm/.

/** A secondary location of a diagnostic: "note: 'f' declared here". */
export interface Note {
  line: number;
  col: number;
  message: string;
  /** set when the note is in another file than the error (a module's declaration) */
  file?: string;
  source?: string;
}

export class CompileError extends Error {
  readonly notes: Note[] = [];

  constructor(
    readonly file: string,
    readonly source: string,
    readonly line: number,
    readonly col: number,
    message: string,
    readonly hint?: string,
  ) {
    super(message);
  }

  /** Point at a related place in the same file (the declaration an argument was checked against). */
  withNote(at: Pos, message: string): this {
    this.notes.push({ line: at.line, col: at.col, message });
    return this;
  }

  render(): string {
    let out = renderDiagnostic(this.file, this.source, this.line, this.col, this.message, this.hint);
    for (const n of this.notes) out += renderDiagnostic(n.file ?? this.file, n.source ?? this.source, n.line, n.col, n.message, undefined, 'note');
    return out;
  }

  /** One object for `--error-format json`: what an editor needs to underline and explain it. */
  toJSON(): object {
    const end = tokenEnd(this.source, this.line, this.col);
    return {
      file: this.file, line: this.line, column: this.col, end: { line: this.line, column: end },
      severity: 'error', message: this.message, hints: this.hint ? [this.hint] : [],
      notes: this.notes.map((n) => ({ file: n.file ?? this.file, line: n.line, column: n.col, message: n.message })),
    };
  }
}

/**
 * An error about a name that a declaration with a syntax error may have declared (parser.ts
 * Unparsed): it stops checking the expression like any error, but is not reported, since the
 * syntax error already is (as rustc does, one mistake gives one error).
 */
export class QuietError extends CompileError {}

/** At most this many errors are shown; the rest are counted. */
export const MAX_ERRORS = 50;

/**
 * Every error of one compile, in source order (the lexer, parser and checker go on after one).
 * It is a CompileError too, standing for the first, so code that reports one error still can.
 */
export class CompileErrors extends CompileError {
  constructor(readonly errors: CompileError[]) {
    const first = errors[0];
    super(first.file, first.source, first.line, first.col, first.message, first.hint);
  }

  /** A single error as it is, or several (one source order, up to MAX_ERRORS). */
  static of(errors: CompileError[]): CompileError | CompileErrors {
    return errors.length === 1 ? errors[0] : new CompileErrors(sortErrors(errors));
  }

  render(): string {
    const shown = this.errors.slice(0, MAX_ERRORS).map((e) => e.render()).join('\n');
    const more = this.errors.length - MAX_ERRORS;
    const summary = more > 0
      ? `and ${more} more error${more === 1 ? '' : 's'} (${this.errors.length} in all; the first ${MAX_ERRORS} are shown)\n`
      : `${this.errors.length} errors\n`;
    return `${shown}\n${summary}`;
  }
}

export function sortErrors(errors: CompileError[]): CompileError[] {
  return [...errors].sort((a, b) => a.line - b.line || a.col - b.col);
}

/** The column just after the token that starts at line:col (a name, a number or one symbol). */
function tokenEnd(source: string, line: number, col: number): number {
  let start = 0;
  for (let l = 1; l < line; l++) {
    const nl = source.indexOf('\n', start);
    if (nl < 0) return col;
    start = nl + 1;
  }
  const m = /^(?:[A-Za-z_0-9]+|"(?:\\.|[^"\\\n])*"|\S)/.exec(source.slice(start + col - 1, start + col + 200));
  return col + (m ? m[0].length : 0);
}

/** The most characters of a source line a diagnostic shows. */
const MAX_SHOWN = 120;

export function renderDiagnostic(file: string, source: string, line: number, col: number, message: string, hint?: string, severity: 'error' | 'note' = 'error'): string {
  const lines = sourceLine(source, line);
  let text = (lines ?? '').replace(/\t/g, ' ');
  // a very long line is shown as a window around the column
  let caretCol = col;
  if (text.length > MAX_SHOWN) {
    const from = Math.max(0, col - 1 - MAX_SHOWN / 2);
    const cut = text.slice(from, from + MAX_SHOWN);
    text = (from > 0 ? '...' : '') + cut + (from + MAX_SHOWN < text.length ? '...' : '');
    caretCol = col - from + (from > 0 ? 3 : 0);
  }
  const gutter = String(line).length;
  const pad = ' '.repeat(gutter);
  let out = `${file}:${line}:${col}: ${severity}: ${message}\n`;
  if (lines !== null) {
    out += `${pad} |\n${line} | ${text}\n${pad} | ${' '.repeat(Math.max(0, caretCol - 1))}^\n`;
  }
  if (hint) out += `${pad} = hint: ${hint}\n`;
  return out;
}

/** Line `line` (1-based) of the source, without splitting all of it (errors in a large file). */
function sourceLine(source: string, line: number): string | null {
  if (line < 1) return null;
  let start = 0;
  for (let l = 1; l < line; l++) {
    const nl = source.indexOf('\n', start);
    if (nl < 0) return null;
    start = nl + 1;
  }
  const end = source.indexOf('\n', start);
  return source.slice(start, end < 0 ? source.length : end);
}

/** A source position carried by every AST node. */
export interface Pos {
  line: number;
  col: number;
}

/** A bug in the compiler itself (such as an ambiguous parse): exit code 70, not a user error. */
export class InternalError extends Error {}
