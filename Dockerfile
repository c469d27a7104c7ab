# The scanner's image: one image, one process per container (the `command` picks it; docker-compose.yml runs them
# all). Build: `docker build -t open-scanner .`  Checked in CI without a Docker engine (`npm run lint:docker`).
#
# Node 20 on Debian 12 (glibc 2.36): the uWebSockets.js build the gateway uses ships Linux x64/arm64 binaries
# for Node 16, 18 and 20 only (README "Runtimes").

# --- build: every dependency, then tsc to dist/ ---
FROM node:20.20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY orchestrator ./orchestrator
COPY workers ./workers
COPY gateway ./gateway
COPY feed ./feed
COPY jobs ./jobs
COPY dashboard ./dashboard
COPY launcher ./launcher
COPY shared ./shared
RUN npm run build

# --- runtime: production dependencies only, compiled code, non-root ---
FROM node:20.20-bookworm-slim AS runtime
ENV NODE_ENV=production
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/dist ./dist
# The gateway bundles its web page from source at start-up (esbuild): the page, the SDK and what they import.
COPY --from=build /app/gateway/web ./gateway/web
COPY --from=build /app/shared ./shared
COPY migrations ./migrations
COPY ecosystem.config.cjs ./
USER node
EXPOSE 8080 8081
# Overridden per service in docker-compose.yml; the default image runs the gateway, whose /health says whether
# the data it serves is fresh (non-200 when stale or down).
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.GATEWAY_PORT||8080)+'/health').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
CMD ["node", "dist/gateway/main.js"]
