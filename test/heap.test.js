// The heap through its runtime API: collection, pinning, coalescing, C-owned memory.
'use strict';
const { expect } = require('chai');
const { Arena, OutOfMemory } = require('../dist/heap/arena');
const { Collector } = require('../dist/heap/gc');
const { CHeap, CMemoryError } = require('../dist/heap/cmem');

const STRING = 1;
const OBJECT = 4;

/** An arena with a collector whose roots are exactly `roots`. */
function heap(max = 8 << 20, shapes = [Uint8Array.of(1, 0)]) {
  const arena = new Arena(1 << 20, max);
  const roots = new Set();
  const collector = new Collector(arena, shapes, { scan: (mark) => roots.forEach(mark) }, true);
  arena.attachCollector(collector);
  return { arena, roots, collector };
}

/** Freed: a FREE block now, or above the bump pointer (a free tail is given back). */
function isFree(arena, ref) {
  return ref >= arena.top || (arena.i32[ref >>> 2] & 0xff) === 0;
}

describe('heap', () => {
  it('frees unreachable objects and keeps reachable ones and what they reference', () => {
    const { arena, roots, collector } = heap();
    const kept = arena.newString('kept');
    const pair = arena.alloc(OBJECT, 16, 0); // shape 0: field 0 is a reference, field 1 a number
    arena.f64[Arena.slot0(pair)] = kept;
    arena.f64[Arena.slot0(pair) + 1] = 42;
    const garbage = arena.newString('garbage');
    roots.add(pair);
    collector.collect();
    expect(isFree(arena, garbage)).to.equal(true);
    expect(arena.readString(arena.f64[Arena.slot0(pair)])).to.equal('kept');
    expect(arena.f64[Arena.slot0(pair) + 1]).to.equal(42);
  });

  it('coalesces free neighbours and gives a free tail back to the bump pointer', () => {
    const { arena, roots, collector } = heap();
    const keep = arena.newString('k');
    const start = arena.top;
    for (let i = 0; i < 100; i++) arena.newString('x'.repeat(i));
    roots.add(keep);
    collector.collect();
    expect(arena.top).to.equal(start);
  });

  it('reuses freed memory: a steady-state loop does not grow the heap', () => {
    const { arena, roots, collector } = heap();
    roots.add(arena.newString('root'));
    for (let round = 0; round < 5; round++) {
      for (let i = 0; i < 2000; i++) arena.newString('item ' + i);
      collector.collect();
    }
    const top = arena.top;
    for (let i = 0; i < 2000; i++) arena.newString('item ' + i);
    collector.collect();
    expect(arena.top).to.be.at.most(top);
  });

  it("keeps a pinned object's bytes through many collections while nothing references it", () => {
    const { arena, collector } = heap();
    const buf = arena.alloc(STRING, 64);
    const bytes = Uint8Array.from({ length: 64 }, (_, i) => (i * 7) & 0xff);
    arena.u8.set(bytes, buf + 16);
    arena.pin(buf);
    for (let i = 0; i < 50; i++) {
      for (let k = 0; k < 200; k++) arena.newString('churn ' + k);
      collector.collect();
    }
    expect(isFree(arena, buf)).to.equal(false);
    expect(Array.from(arena.u8.subarray(buf + 16, buf + 80))).to.deep.equal(Array.from(bytes));
    arena.unpin(buf);
    collector.collect();
    expect(isFree(arena, buf)).to.equal(true);
  });

  it('reports live data above the limit as out of memory, never a crash', () => {
    const { arena, roots } = heap(2 << 20);
    expect(() => {
      for (;;) roots.add(arena.alloc(STRING, 64 << 10));
    }).to.throw(OutOfMemory, /out of memory: live heap .* exceeds --max-heap 2 MB/);
  });

  it('C-owned memory is outside the arena, readable and writable, and a double free is reported', () => {
    const c = new CHeap();
    const p = c.malloc(32);
    c.write(p, Uint8Array.of(1, 2, 3, 4));
    expect(Array.from(c.read(p, 4))).to.deep.equal([1, 2, 3, 4]);
    c.free(p);
    expect(() => c.free(p)).to.throw(CMemoryError, /double free/);
    expect(() => c.free(12345n)).to.throw(CMemoryError, /did not allocate/);
    expect(() => c.read(p, 4)).to.throw(CMemoryError, /not allocated/);
    expect(c.liveBlocks).to.equal(0);
  });

  it('the collector never frees C-owned memory: it is not in the arena', () => {
    const { arena, collector } = heap();
    const c = new CHeap();
    const p = c.malloc(16);
    c.write(p, Uint8Array.of(9, 8, 7));
    for (let i = 0; i < 10; i++) {
      arena.newString('garbage ' + i);
      collector.collect();
    }
    expect(Array.from(c.read(p, 3))).to.deep.equal([9, 8, 7]);
    c.free(p);
  });
});
