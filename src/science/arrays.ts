// Gathers and orderings over typed arrays, written as plain loops: Float64Array.from(typed, fn)
// walks the source through the iterator protocol, an order of magnitude slower on a session's
// samples, and sorting every index when a series is already in time order (as recorded series
// are) costs a comparator call per pair.

/** values[index[i]] - shift for every i. */
export function take(values: ArrayLike<number>, index: ArrayLike<number>, shift = 0): Float64Array {
  const out = new Float64Array(index.length);
  for (let i = 0; i < index.length; i++) out[i] = values[index[i]] - shift;
  return out;
}

/** Indexes of the non-NaN values in ascending value order, ties in index order. */
export function sortedOrder(values: ArrayLike<number>): Uint32Array {
  let kept = 0;
  for (let i = 0; i < values.length; i++) if (values[i] === values[i]) kept++;
  const order = new Uint32Array(kept);
  let sorted = true;
  let last = -Infinity;
  for (let i = 0, j = 0; i < values.length; i++) {
    const v = values[i];
    if (v !== v) continue;
    if (v < last) sorted = false;
    last = v;
    order[j++] = i;
  }
  return sorted ? order : order.sort((a, b) => values[a] - values[b] || a - b);
}
