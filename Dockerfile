# syntax=docker/dockerfile:1
# das-emulator image: build with dev dependencies, run with production dependencies only.

FROM node:24-bookworm-slim AS build
WORKDIR /app
# better-sqlite3 compiles from source when no prebuilt binary matches.
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY scripts ./scripts
# The build starts the bundled CLI once, with its fixtures and dashboard, to make its code cache.
COPY fixtures ./fixtures
COPY ui ./ui
# `npm ci` runs the prepare script, which compiles src/ into dist/, bundles the CLI into
# dist/cli-bundle.cjs and makes its code cache, dist/cli-bundle.v8cache.
RUN npm ci --no-audit --no-fund && npm prune --omit=dev --no-audit --no-fund

FROM node:24-bookworm-slim
ENV NODE_ENV=production \
    DAS_EMULATOR_HOST=0.0.0.0 \
    DAS_EMULATOR_PORT=9327 \
    DAS_EMULATOR_DATA=/data/emulator.db
WORKDIR /app
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./
COPY fixtures ./fixtures
COPY ui ./ui
RUN mkdir -p /data && chown node:node /data
USER node
VOLUME ["/data"]
EXPOSE 9327
# Node's own fetch: no curl or wget in the image. It sends the admin token when one is set.
HEALTHCHECK --interval=10s --timeout=3s --start-period=5s --retries=3 \
  CMD ["node", "-e", "const t=process.env.DAS_EMULATOR_ADMIN_TOKEN;fetch('http://127.0.0.1:'+(process.env.DAS_EMULATOR_PORT||9327)+'/_emulator/health',{headers:t?{authorization:'Bearer '+t}:{}}).then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
CMD ["node", "dist/cli.js"]
