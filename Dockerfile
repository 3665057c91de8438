# syntax=docker/dockerfile:1

# Guidepost: multi-stage build on the current Node LTS. better-sqlite3 compiles here, so the
# build stage carries a compiler; the runtime stage carries only what runs.

FROM node:24.11.1-bookworm-slim AS build
WORKDIR /app
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
# The root package alone: --workspaces=false leaves out the workspaces package.json names (the typed
# client in clients/, which the server does not run), whatever npm does with a folder not copied.
COPY package.json package-lock.json ./
# One install compiles better-sqlite3 once; pruning the dev dependencies afterwards keeps that
# build, where a second `npm ci --omit=dev` would delete node_modules and compile it again.
RUN npm ci --workspaces=false --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build \
 && npm prune --omit=dev --workspaces=false --no-audit --no-fund

FROM node:24.11.1-bookworm-slim AS runtime
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=3000 \
    DATABASE_URL=/data/guidepost.db \
    GUIDEPOST_DEMO=0
WORKDIR /app
COPY --from=build --chown=root:root /app/node_modules ./node_modules
COPY --from=build --chown=root:root /app/dist ./dist
COPY --chown=root:root package.json ./
COPY --chown=root:root migrations ./migrations
RUN chmod +x dist/cli/main.js \
 && ln -s /app/dist/cli/main.js /usr/local/bin/guidepost \
 && mkdir -p /data \
 && chown node:node /data
USER node
VOLUME ["/data"]
EXPOSE 3000
HEALTHCHECK --interval=30s --timeout=3s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
CMD ["node", "dist/server.js"]
