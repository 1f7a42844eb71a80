// A small seeded generator for fault timing: a failing run can be replayed with its seed
// (GA_RELIABILITY_SEED), which every scenario prints.
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  // mulberry32
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function suiteSeed(): number {
  const s = process.env.GA_RELIABILITY_SEED;
  return s ? Number(s) : Math.floor(Math.random() * 2 ** 31);
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
