/*
 * The contracts between the orchestrator and its piscina worker threads (workers/): one module per task, with
 * the task's input and output types and where the worker's module is. The orchestrator starts the threads by
 * file, not by import, so these modules are all that both sides share.
 */

/**
 * The URL of `workers/<name>`: tsx runs the TypeScript sources and the build runs compiled JavaScript, so the
 * worker follows the caller's extension. dist/ keeps the source tree's layout, so the relative path holds in both.
 */
export function workerFileUrl(name: string): URL {
  const ext = import.meta.url.endsWith('.ts') ? '.ts' : '.js';
  return new URL(`../../workers/${name}${ext}`, import.meta.url);
}
