# Berth container image.
#
#   docker build -t berth .                      normal build: `npm ci` from the npm registry
#   scripts/build-image.sh [--local] [TAG]       the same, or offline from the host's node_modules
#
# Build args (and files):
#   BASE_IMAGE  Node 20 on Debian bookworm (glibc), used for every stage (default node:20-bookworm-slim)
#   DEPS        where node_modules comes from:
#                 registry  `npm ci` inside the build (default; needs the npm registry)
#                 local     .local-deps/node_modules from the build context, prepared on a
#                           bookworm-compatible host by `scripts/build-image.sh --local`
#               Choosing the stage by name (FROM deps-${DEPS}) needs BuildKit, which skips the
#               stage that is not used; the legacy builder would run `npm ci` either way.
#   .berth-build-ca.pem  optional, in the context: a CA bundle `npm ci` trusts (behind a
#               TLS-inspecting proxy); `BERTH_BUILD_CA_FILE=... scripts/build-image.sh` puts it there.
#               HTTP_PROXY / HTTPS_PROXY / NO_PROXY build args reach `npm ci` as usual.
#
# Run it (the installer does this):
#   docker run -d --name berth --restart unless-stopped --network host \
#     -v /var/run/docker.sock:/var/run/docker.sock -v /var/lib/berth:/var/lib/berth berth
#
# Layers are ordered for the cache: node_modules depends only on package.json/package-lock.json
# (or the prepared node_modules), so a source-only change recompiles TypeScript and rewrites the
# small dist/ layer, nothing else.

ARG BASE_IMAGE=node:20-bookworm-slim
ARG DEPS=registry

# ---------------------------------------------------------------------------------------------
FROM ${BASE_IMAGE} AS base
WORKDIR /app

# --- deps, from the registry -------------------------------------------------------------------
FROM base AS deps-registry
# A CA bundle for a registry behind a TLS-inspecting proxy: .berth-build-ca.pem in the context, put
# there by scripts/build-image.sh from BERTH_BUILD_CA_FILE (or by Berth itself, which hands it to
# Dockerfiles that declare this arg). The `[m]` pattern lets the COPY match nothing when it is absent.
# Only this stage sees it, and it is discarded.
ARG BERTH_BUILD_CA
COPY package.json package-lock.json .berth-build-ca.pe[m] ./
# `postinstall` runs this (it copies htmx and xterm.js into public/vendor).
COPY scripts/copy-assets.mjs scripts/copy-assets.mjs
# better-sqlite3 and bcrypt ship prebuilt binaries for linux x64/arm64 glibc, so a plain `npm ci`
# needs no compiler. Only if that fails (no prebuilt for this platform, download blocked) does it
# install python3/make/g++ and retry, building them from source against the base image's own Node
# headers when it has them (official node images do), so nothing but the registry and the apt mirror
# must be reachable. This stage is discarded, so the toolchain never reaches the final image.
RUN if [ -s .berth-build-ca.pem ]; then \
      echo "npm trusts the build CA (.berth-build-ca.pem)"; \
      export npm_config_cafile="$PWD/.berth-build-ca.pem" NODE_EXTRA_CA_CERTS="$PWD/.berth-build-ca.pem"; \
    fi; \
    npm ci --no-audit --no-fund \
 || { echo "npm ci failed; installing a C/C++ toolchain and retrying with a source build" >&2 \
      && apt-get update \
      && apt-get install -y --no-install-recommends python3 make g++ \
      && rm -rf /var/lib/apt/lists/* \
      && if [ -f /usr/local/include/node/common.gypi ]; then export npm_config_nodedir=/usr/local; fi \
      && npm ci --no-audit --no-fund; }

# --- deps, prepared on the host (offline build) ------------------------------------------------
FROM base AS deps-local
COPY package.json package-lock.json ./
COPY .local-deps/node_modules ./node_modules

# --- deps: the selected one, plus public/vendor ------------------------------------------------
FROM deps-${DEPS} AS deps
COPY scripts/copy-assets.mjs scripts/copy-assets.mjs
RUN node scripts/copy-assets.mjs && test -s public/vendor/htmx.min.js && test -s public/vendor/xterm.js \
 && test -s public/vendor/xterm.css && test -s public/vendor/addon-fit.js

# --- production node_modules: dev dependencies pruned ------------------------------------------
FROM deps AS prod-deps
# Needs nothing from the network: it only removes what package-lock.json marks as dev.
RUN npm prune --omit=dev --no-audit --no-fund --offline \
 && find node_modules -mindepth 1 -maxdepth 1 -type d -empty -delete

# --- compile TypeScript ------------------------------------------------------------------------
FROM deps AS build
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build

# --- final image -------------------------------------------------------------------------------
FROM ${BASE_IMAGE}
LABEL org.opencontainers.image.title="Berth" \
      org.opencontainers.image.description="Self-hosted single-node PaaS: git push to deploy, managed databases, automatic HTTPS." \
      org.opencontainers.image.licenses="MIT"
WORKDIR /app
ENV NODE_ENV=production \
    BERTH_DATA_DIR=/var/lib/berth

# git clones sources and serves `git push` (http-backend, receive-pack); openssh-client fetches
# ssh:// sources; ca-certificates lets git verify https:// hosts. Its own layer, first, so source
# changes never re-run apt.
RUN apt-get update \
 && apt-get install -y --no-install-recommends git openssh-client ca-certificates \
 && rm -rf /var/lib/apt/lists/*

# Biggest and least often changed first.
COPY --from=prod-deps /app/node_modules ./node_modules
COPY package.json ./
COPY bin ./bin
COPY views ./views
# Buildpack templates and the static file server are read at run time.
COPY buildpacks ./buildpacks
# The one-click template catalog (compose files and metadata) is read from the source path at run time.
COPY src/templates/catalog ./src/templates/catalog
COPY public ./public
COPY --from=deps /app/public/vendor ./public/vendor
COPY --from=build /app/dist ./dist
# `docker exec berth berth upgrade|backup|restore ...` (the installer's container is named berth).
RUN ln -s /app/bin/berth.js /usr/local/bin/berth

# Berth keeps everything it owns here: berth.db, secrets, certificates, build workspaces.
VOLUME /var/lib/berth
# 3000: the panel (BERTH_PANEL_PORT); 80 and 443: the reverse proxy for apps (and ACME).
EXPOSE 3000 80 443

# Runs as root on purpose: Berth drives the host's Docker engine through the mounted
# /var/run/docker.sock (which is root-equivalent anyway) and binds ports 80 and 443.
USER root

# No curl in slim images: ask node. Uses the panel's own port and listen address.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "const h=process.env.BERTH_PANEL_HOST||'0.0.0.0';const host=h==='0.0.0.0'||h==='::'?'127.0.0.1':h.includes(':')?'['+h+']':h;fetch('http://'+host+':'+(process.env.BERTH_PANEL_PORT||'3000')+'/healthz',{signal:AbortSignal.timeout(4000)}).then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]

# A 2 MB young generation keeps the idle daemon under 100 MB (see bench/idle-memory.ts).
ENTRYPOINT ["node", "--max-semi-space-size=2", "/app/bin/berth.js"]
CMD ["serve"]
