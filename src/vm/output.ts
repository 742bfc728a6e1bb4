// Program output. Writes are buffered and flushed in whole lines, so a line is never split
// between two writes (so lines printed by different workers never mix within a line).
import { writeSync } from 'fs';

const FLUSH_AT = 1 << 16;

export class Output {
  private buf: string[] = [];
  private size = 0;

  stdout(text: string): void {
    this.buf.push(text);
    this.size += text.length;
    if (this.size >= FLUSH_AT) this.flush();
  }

  stderr(text: string): void {
    this.flush();
    writeAll(2, text);
  }

  flush(): void {
    if (this.size === 0 && this.buf.length === 0) return;
    const text = this.buf.join('');
    this.buf = [];
    this.size = 0;
    writeAll(1, text);
  }
}

/** writeSync may write part of a buffer when stdout is a pipe; loop until all is out. */
export function writeAll(fd: number, text: string): void {
  const data = Buffer.from(text, 'utf8');
  let off = 0;
  while (off < data.length) {
    try {
      off += writeSync(fd, data, off);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'EAGAIN') continue;
      if ((e as NodeJS.ErrnoException).code === 'EPIPE') return;
      throw e;
    }
  }
}
