// pm2 processes for the production box (docs/architecture.md): `npm ci && npm run build && pm2 start ecosystem.config.cjs`.
// Configuration comes from the environment (see .env.example); pm2 passes its own environment through.
// `migrate` runs once and exits; the others restart on failure with a growing delay.
//
// Apps that stop on purpose (stop_exit_codes) get no restart delay: pm2 7.0.4 (God.js handleExit) marks any app
// with `restart_delay` or `exp_backoff_restart_delay` "waiting restart" even when its exit code says stop, so
// `pm2 ls` would show a feed stopped on purpose (FEED=sim) as a red restart that never comes. Without a delay it
// shows "stopped"; a crash loop still ends in "errored" after pm2's max_restarts unstable restarts.
// test/integration/pm2.test.ts runs these apps under a real pm2 and checks what `pm2 jlist` says.
const base = { kill_timeout: 10_000, env: { NODE_ENV: 'production' } };
const common = { ...base, exp_backoff_restart_delay: 200 };

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
      ...base,
      node_args: '--heap-growing-percent=50',
      env: { ...base.env, MALLOC_MMAP_THRESHOLD_: '131072' },
      stop_exit_codes: [2],
    },
    // BullMQ workers: scan and volume-slot persistence to PostgreSQL.
    { name: 'jobs', script: 'dist/jobs/main.js', ...common },
    // SPEC §8 clients: WebSocket /ws, the web page, REST /api/, /health, /metrics. Instances share the port (SO_REUSEPORT).
    { name: 'gateway', script: 'dist/gateway/main.js', instances: 2, exec_mode: 'fork', ...common },
    // FEED=polygon only: the vendor WebSocket (one connection per API key), forwarding aggregates to Redis.
    // Exit 0 = FEED is not polygon (nothing to do), 2 (EXIT_NOT_RETRYABLE) = key refused or no key: both stay stopped.
    { name: 'feed', script: 'dist/feed/main.js', ...base, stop_exit_codes: [0, 2] },
    // bull-board over the BullMQ queues (DASHBOARD_PORT), behind basic auth when DASHBOARD_PASSWORD is set.
    { name: 'dashboard', script: 'dist/dashboard/main.js', ...common },
  ],
};
