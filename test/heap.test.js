// The heap through its runtime API: collection, pinning, coalescing, C-owned memory.
'use strict';
const { expect } = require('chai');
const { Arena, OutOfMemory } = require('../dist/heap/arena');
const { Collector } = require('../dist/heap/gc');
const { CMemTable, C_FREED, C_UNKNOWN } = require('../dist/heap/cmem');

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

  it('the C-memory table tells live, freed and unknown blocks apart, and a double free', () => {
    const t = CMemTable.create();
    expect(t.empty).to.equal(true);
    t.allocated(0x5000_0010, 32);
    expect(t.lookup(0x5000_0010)).to.equal(32);
    expect(t.release(0x5000_0010)).to.equal('ok');
    expect(t.lookup(0x5000_0010)).to.equal(C_FREED);
    expect(t.release(0x5000_0010)).to.equal('double');
    expect(t.release(0x1234)).to.equal('unknown');
    // C handed the address out again: it is not "freed" memory any more
    t.reissued(0x5000_0010);
    expect(t.lookup(0x5000_0010)).to.equal(C_UNKNOWN);
    t.allocated(0x5000_0010, 8);
    expect(t.lookup(0x5000_0010)).to.equal(8);
    expect(t.live).to.equal(1);
  });

  it('the C-memory table grows, and a second view of its buffer (another worker) sees every block', () => {
    const t = CMemTable.create();
    for (let i = 1; i <= 5000; i++) t.allocated(0x7000_0000 + i * 16, i);
    const other = new CMemTable(t.sab);
    for (let i = 1; i <= 5000; i++) expect(other.lookup(0x7000_0000 + i * 16)).to.equal(i);
    for (let i = 1; i <= 5000; i += 2) expect(other.release(0x7000_0000 + i * 16)).to.equal('ok');
    expect(t.live).to.equal(2500);
    expect(t.release(0x7000_0000 + 16)).to.equal('double');
  });
});
