// pm2 processes for the production box (ARCHITECTURE.md): `npm ci && npm run build && pm2 start ecosystem.config.cjs`.
// Configuration comes from the environment (see .env.example); pm2 passes its own environment through.
// `migrate` runs once and exits; the others restart on failure with a growing delay.
const common = { exp_backoff_restart_delay: 200, kill_timeout: 10_000, env: { NODE_ENV: 'production' } };

module.exports = {
  apps: [
    { name: 'migrate', script: 'dist/shared/db/migrate-cli.js', autorestart: false },
    // The one owner of market state; its piscina workers are threads inside it (WORKER_THREADS).
    // Exit 2 (EXIT_NOT_RETRYABLE, shared/process-lifecycle.ts) = the vendor refused the key (or the plan lacks the
    // data), or the configuration is invalid: restarting cannot help, so it stays stopped.
    // Memory (docs/performance.md, measured at 15K tickers): V8 collects before the heap grows far past what is
    // live, and glibc returns freed large buffers (snapshot bodies) instead of keeping them: ≈ 330 → 298 MB RSS.
    {
      name: 'orchestrator',
      script: 'dist/orchestrator/main.js',
      ...common,
      node_args: '--heap-growing-percent=50',
      env: { ...common.env, MALLOC_MMAP_THRESHOLD_: '131072' },
      stop_exit_codes: [2],
    },
    // BullMQ workers: scan and volume-slot persistence to PostgreSQL.
    { name: 'jobs', script: 'dist/jobs/main.js', ...common },
    // SPEC §8 clients: WebSocket /ws, the web page, REST /api/, /health, /metrics. Instances share the port (SO_REUSEPORT).
    { name: 'gateway', script: 'dist/gateway/main.js', instances: 2, exec_mode: 'fork', ...common },
    // FEED=polygon only: the vendor WebSocket (one connection per API key), forwarding aggregates to Redis.
    // Exit 0 = FEED is not polygon (nothing to do), 2 (EXIT_NOT_RETRYABLE) = key refused or no key: both stay stopped.
    { name: 'feed', script: 'dist/feed/main.js', ...common, stop_exit_codes: [0, 2] },
    // bull-board over the BullMQ queues (DASHBOARD_PORT), behind basic auth when DASHBOARD_PASSWORD is set.
    { name: 'dashboard', script: 'dist/dashboard/main.js', ...common },
  ],
};
