# syntax=docker/dockerfile:1.7
#
# One Dockerfile for every shopmesh process. Pick the process with SERVICE:
#
#   docker build --build-arg SERVICE=catalog -t shopmesh/catalog:0.1.0 .
#
# SERVICE is one of: users catalog inventory orders payments shipping gateway
# payment-simulator (`node scripts/bundle.js --list`); scripts/build-images.sh
# builds them all. The image holds one esbuild bundle of the process, its
# migrations, the contract descriptor set and the few npm packages that read
# their own files at run time: no dev dependencies, no TypeScript, no npm. It
# runs as uid 1000 on a read-only root filesystem (only /tmp, and /keys when
# the service creates its own identity, need to be writable), and tini passes
# SIGTERM to node, which drains and exits 0.

ARG NODE_IMAGE=node:20.19-bookworm-slim

# Only the package manifests, so the npm ci layer below is rebuilt when
# dependencies change, not when code does.
FROM ${NODE_IMAGE} AS manifests
WORKDIR /src
COPY . .
RUN mkdir /manifests \
 && find . -name package.json -not -path '*/node_modules/*' -exec cp --parents {} /manifests \; \
 && cp package-lock.json .npmrc /manifests/

# No install scripts: nothing in the build needs them (esbuild finds its
# binary in its platform package), and no third-party code runs here.
FROM ${NODE_IMAGE} AS deps
WORKDIR /src
COPY --from=manifests /manifests/ ./
RUN --mount=type=cache,target=/root/.npm npm ci --ignore-scripts --no-audit --no-fund

FROM deps AS build
COPY . .
ARG SERVICE
RUN test -n "${SERVICE}" || { echo "pass --build-arg SERVICE=<one of: $(node scripts/bundle.js --list | tr '\n' ' ')>"; exit 1; } \
 && node scripts/bundle.js "${SERVICE}" /out

# Shared by every image: tini as PID 1, no npm/corepack/yarn, /keys owned by the app user.
FROM ${NODE_IMAGE} AS runtime-base
RUN apt-get update \
 && apt-get install -y --no-install-recommends tini \
 && rm -rf /var/lib/apt/lists/* \
 && rm -rf /usr/local/lib/node_modules /usr/local/bin/npm /usr/local/bin/npx /usr/local/bin/corepack \
           /usr/local/bin/yarn /usr/local/bin/yarnpkg /opt/yarn-* \
 && mkdir -p /keys \
 && chown 1000:1000 /keys

FROM runtime-base AS runtime
ARG SERVICE
LABEL org.opencontainers.image.title="shopmesh-${SERVICE}" \
      org.opencontainers.image.description="shopmesh ${SERVICE}" \
      org.opencontainers.image.licenses="Apache-2.0"
ENV NODE_ENV=production \
    GRPC_HOST=0.0.0.0 \
    GRPC_PORT=50051 \
    METRICS_HOST=0.0.0.0 \
    METRICS_PORT=9464 \
    HTTP_HOST=0.0.0.0 \
    HTTP_PORT=8080 \
    SIMULATOR_HOST=0.0.0.0 \
    SIMULATOR_PORT=8090 \
    SERVICE_KEYS_DIR=/keys \
    DATA_DIR=/tmp/data
WORKDIR /app
# Owned by root and not writable by the process.
COPY --from=build /out/ /app/
USER 1000:1000
EXPOSE 50051 9464 8080 8090
STOPSIGNAL SIGTERM
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 CMD ["node", "/app/dist/healthcheck.js"]
# Exec form: node is tini's direct child and gets SIGTERM; no shell in between.
ENTRYPOINT ["/usr/bin/tini", "--", "node", "--enable-source-maps", "/app/dist/main.js"]
