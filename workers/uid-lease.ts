// User mode gives each live run a uid of its own (CLAUDEGATE_SANDBOX_UID + slot), so that one run cannot read
// another's folder or /proc entries. The slots are Int32s in a SharedArrayBuffer that every worker thread of
// the pool sees (runtime/queue/cli-pool.ts): 0 free, 1 taken, claimed with a compare-and-swap.

/** The index of a slot now held by the caller, or undefined when all are taken. */
export function leaseSlot(leases: SharedArrayBuffer): number | undefined {
  const slots = new Int32Array(leases);
  for (let i = 0; i < slots.length; i++) {
    if (Atomics.compareExchange(slots, i, 0, 1) === 0) return i;
  }
  return undefined;
}

export function releaseSlot(leases: SharedArrayBuffer, slot: number): void {
  Atomics.store(new Int32Array(leases), slot, 0);
}
