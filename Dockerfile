# syntax=docker/dockerfile:1
#
# One image for every SOC Copilot service. Node 24 runs the TypeScript sources directly (type stripping), so
# there is no build step: the image is production dependencies plus sources.
#
#   docker build -t soc-copilot .
#   docker run -p 8080:8080 -v soc-data:/data soc-copilot                    # everything in one process
#   docker run -e SOC_SERVICE=triage -v soc-data:/data soc-copilot           # one service
#
# Runtime contract (implemented by apps/all-in-one/src/main.ts):
#   SOC_SERVICE   all (default) | ingestion | enrichment | triage | decision | notification | ticketing |
#                 containment | api — or a comma-separated list of services to run in this process
#   PORT          HTTP port (default 8080); every process serves GET /healthz (alive) and GET /readyz
#                 (dependencies reachable) on it, and the api/ingestion routes when those services run
#   SOC_DATA_DIR  directory of the embedded SQLite bus and state (default /data, a volume)

ARG NODE_IMAGE=node:24-slim

# Workspace manifests only, so the dependency layer below is rebuilt only when a package.json or the lockfile changes.
FROM ${NODE_IMAGE} AS manifests
WORKDIR /src
COPY . .
RUN mkdir /manifests \
 && find . -name package.json -not -path '*/node_modules/*' -exec cp --parents {} /manifests/ \; \
 && cp package-lock.json /manifests/

FROM ${NODE_IMAGE} AS deps
WORKDIR /app
ENV NODE_ENV=production
COPY --from=manifests /manifests/ ./
# --omit=dev also drops the `node` devDependency, which only supplies a Node 24 binary on Node 20 machines;
# here the base image is Node 24. Production dependencies are pure JavaScript, so no install script is needed.
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund \
 && npm cache clean --force

FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production \
    SOC_SERVICE=all \
    PORT=8080 \
    SOC_DATA_DIR=/data
WORKDIR /app
# node_modules (root and per workspace, with the @soc/* workspace links) from deps, then the sources on top.
# Both stay owned by root: the process runs as `node` and cannot modify its own code.
COPY --from=deps /app ./
COPY . .
RUN mkdir -p /data && chown node:node /data
VOLUME ["/data"]
USER node
EXPOSE 8080
# No curl in the slim image: probe with Node itself.
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch(`http://127.0.0.1:${process.env.PORT}/healthz`).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# Node is PID 1 and handles SIGTERM itself (graceful shutdown in libs/runtime); it starts no child processes.
ENTRYPOINT ["node", "apps/all-in-one/src/main.ts"]
