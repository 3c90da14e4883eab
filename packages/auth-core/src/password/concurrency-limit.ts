/** Thrown, without running the task, when the queue is full. */
export class QueueFull extends Error {
  override readonly name = "QueueFull";
}

/**
 * Runs at most `max` tasks at once; the rest wait in order, at most
 * `maxWaiting` of them: past that a task is refused at once (QueueFull)
 * rather than queued behind work that would take longer than any client
 * waits.
 *
 * Why for bcrypt: libuv's thread pool has four threads, so on a two-core
 * machine four hashes at once leave the event loop competing with four busy
 * threads, and every other request waits. Hashing about as many at once as
 * there are cores (password-hasher.ts: one more, so that no core idles
 * between two hashes) keeps the throughput and leaves the event loop its turn.
 */
export function createConcurrencyLimit(
  max: number,
  maxWaiting = Number.POSITIVE_INFINITY,
): <T>(task: () => Promise<T>) => Promise<T> {
  let running = 0;
  const waiting: (() => void)[] = [];
  return async <T>(task: () => Promise<T>): Promise<T> => {
    if (running >= max && waiting.length >= maxWaiting) throw new QueueFull();
    // A finishing task hands its slot straight to the next in line, so a
    // newcomer can never slip in between and exceed the limit.
    if (running >= max) await new Promise<void>((resolve) => waiting.push(resolve));
    else running += 1;
    try {
      return await task();
    } finally {
      const nextInLine = waiting.shift();
      if (nextInLine) nextInLine();
      else running -= 1;
    }
  };
}
