// The child side of bench/lib/child.ts: arguments in, one JSON report line out.

/** The JSON arguments the parent passed. */
export function childArgs<A>(): A {
  return JSON.parse(process.argv[2] ?? '{}') as A;
}

/** Peak resident set size of this process so far, in MB. */
export function peakRssMb(): number {
  return process.resourceUsage().maxRSS / 1024;
}

/** Writes the report as the last stdout line (read by runChild). */
export function emit(report: unknown): void {
  process.stdout.write(`${JSON.stringify(report)}\n`);
}
