// arena.ts: one bump allocator over linear memory; the host marks and resets, nothing is freed singly.

const ALIGN: usize = 16;
const PAGE: usize = 65536;

// first free byte; everything below belongs to the static data and to earlier allocations
let top: usize = (__heap_base + ALIGN - 1) & ~(ALIGN - 1);

/** Reserves `bytes` (rounded up to 16) and returns their address, growing memory as needed; 0 when memory cannot grow. */
export function arena_alloc(bytes: usize): usize {
  const ptr = top;
  const end = ptr + ((bytes + ALIGN - 1) & ~(ALIGN - 1));
  if (end < ptr) return 0; // wrapped around the 32-bit address space
  const have = <usize>memory.size() * PAGE;
  if (end > have) {
    const pages = <i32>((end - have + PAGE - 1) / PAGE);
    if (memory.grow(pages) < 0) return 0;
  }
  top = end;
  return ptr;
}

/** The current top, to hand back to `arena_reset` later. */
export function arena_mark(): usize {
  return top;
}

/** Frees everything allocated since `mark` (memory itself never shrinks). */
export function arena_reset(mark: usize): void {
  top = mark;
}
