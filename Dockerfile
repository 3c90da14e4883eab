# syntax=docker/dockerfile:1
# Multi-stage: build the workspace, then ship only the server and its production dependencies.
FROM node:20-bookworm-slim AS build
WORKDIR /repo
# better-sqlite3 builds from source when no prebuilt binary fits.
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ && rm -rf /var/lib/apt/lists/*
RUN npm install --global pnpm@10.34.9
COPY . .
RUN pnpm install --frozen-lockfile \
 && pnpm exec turbo run build --filter=@warden/server... \
 && pnpm --filter @warden/server deploy --prod --legacy /out

FROM node:20-bookworm-slim
ENV NODE_ENV=production HOST=0.0.0.0 PORT=3000
WORKDIR /app
COPY --from=build --chown=node:node /out /app
USER node
EXPOSE 3000
HEALTHCHECK --interval=10s --timeout=3s --retries=3 CMD node -e "fetch('http://127.0.0.1:3000/readyz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
# `serve` applies pending migrations before it listens.
CMD ["node", "dist/main.js", "serve"]
