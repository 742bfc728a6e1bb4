// One error format for every phase: `file:line:col: error: message`, the source line, a caret,
// and a hint where one is known (rustc and Elm are the model). The lexer, parser, checker and
// the CLI all throw or print a `CompileError`; the runtime has its own trap format in vm/.

export class CompileError extends Error {
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

  render(): string {
    return renderDiagnostic(this.file, this.source, this.line, this.col, this.message, this.hint);
  }
}

export function renderDiagnostic(file: string, source: string, line: number, col: number, message: string, hint?: string): string {
  const lines = source.split('\n');
  const text = (lines[line - 1] ?? '').replace(/\t/g, ' ');
  const gutter = String(line).length;
  const pad = ' '.repeat(gutter);
  let out = `${file}:${line}:${col}: error: ${message}\n`;
  if (line >= 1 && line <= lines.length) {
    out += `${pad} |\n${line} | ${text}\n${pad} | ${' '.repeat(Math.max(0, col - 1))}^\n`;
  }
  if (hint) out += `${pad} = hint: ${hint}\n`;
  return out;
}

/** A source position carried by every AST node. */
export interface Pos {
  line: number;
  col: number;
}

/** A bug in the compiler itself (such as an ambiguous parse): exit code 70, not a user error. */
export class InternalError extends Error {}
