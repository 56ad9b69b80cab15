/**
 * `requests` calls of `once`, `concurrency` at a time, each caller starting its next as soon as
 * its last has answered (a closed loop, as perf_analyzer's concurrency mode); each call's latency
 * in ms, sorted.
 */
export async function closedLoop(
  concurrency: number,
  requests: number,
  once: () => Promise<unknown>,
): Promise<number[]> {
  const latencies: number[] = [];
  let left = requests;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (left-- > 0) {
        const t = performance.now();
        await once();
        latencies.push(performance.now() - t);
      }
    }),
  );
  return latencies.sort((a, b) => a - b);
}
