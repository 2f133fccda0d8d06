# ClaudeGate: the gateway plus the Claude Code CLI, every CLI run in a sandbox.
#
#   docker build -t claudegate .
#   docker run -d --init --name claudegate -p 127.0.0.1:8080:8080 \
#     -e CLAUDEGATE_API_KEYS=your-secret-key-here -e ANTHROPIC_API_KEY=sk-ant-... \
#     -v claudegate-data:/app/data claudegate
#
# The sandbox (README, Security): no `docker run` flag is needed. Docker's default seccomp profile forbids the
# namespaces bubblewrap needs, so CLAUDEGATE_SANDBOX=auto settles on user mode: the gateway runs as root inside the
# container (with Docker's default, reduced capability set) and starts each CLI run as its own unprivileged uid
# (61000 and up, one per concurrent run), which cannot read the gateway's 0600 files, its /proc entries or another
# run's folder, nor signal it. For bwrap mode (also a private PID namespace and file system view per run) add
#   --cap-add SYS_ADMIN --security-opt apparmor=unconfined
# (the last only on hosts with AppArmor), at the cost of giving the container's root CAP_SYS_ADMIN; the start-up log
# line "sandbox" says which mode won and why. Reasoned from Docker's defaults, not run here (no Docker engine).

# ---- build: install everything, build .output ----------------------------------------------------------------
FROM node:20-bookworm-slim AS build

# better-sqlite3 compiles from source when no prebuilt binary can be downloaded.
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*

WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
RUN npm run build

# ---- runtime: .output (self-contained: .output/server/node_modules holds its traced dependencies) + the CLI ---
FROM node:20-bookworm-slim

# bubblewrap for the bwrap sandbox. setpriv (util-linux, part of the base image) lets the kernel kill a CLI whose
# gateway died, and switches a run to its own uid in user mode.
RUN apt-get update \
 && apt-get install -y --no-install-recommends bubblewrap \
 && rm -rf /var/lib/apt/lists/* \
 && test -x /usr/bin/bwrap

# The Claude Code CLI, at the version package.json pins (the one the tests run against). Its postinstall puts
# the native binary in place; `claude --version` fails the build if it did not.
COPY package.json /tmp/claudegate-package.json
RUN version="$(node -p "require('/tmp/claudegate-package.json').dependencies['@anthropic-ai/claude-code']")" \
 && npm install -g --no-audit --no-fund "@anthropic-ai/claude-code@${version}" \
 && npm cache clean --force \
 && rm /tmp/claudegate-package.json \
 && claude --version \
 && test -x /usr/bin/setpriv

# The data folder is root's alone: the CLI runs (other uids) cannot enter it. Files in it are 0600 anyway.
RUN mkdir -p /app/data \
 && chmod 0700 /app/data

WORKDIR /app
COPY --from=build /src/.output ./.output

ENV NODE_ENV=production \
    CLAUDEGATE_DB_PATH=/app/data/claudegate.db \
    CLAUDEGATE_LISTEN_ADDR=:8080 \
    CLAUDEGATE_CLAUDE_PATH=/usr/local/bin/claude \
    CLAUDEGATE_SANDBOX=auto \
    CLAUDEGATE_SANDBOX_UID=61000

# The database, its WAL files and (if ever generated) the API key file live here.
VOLUME /app/data
# Root inside the container, so that user mode can give each CLI run its own uid (see the top of this file).
USER root
EXPOSE 8080

# No curl in this image: node asks the health endpoint, and "degraded" (database or CLI missing) is unhealthy.
HEALTHCHECK --interval=30s --timeout=5s --start-period=15s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:8080/api/v1/health').then((r) => r.json().then((b) => process.exit(r.ok && b.status === 'ok' ? 0 : 1))).catch(() => process.exit(1))"]

# Listening on :8080 (not loopback), the gateway refuses to start unless CLAUDEGATE_API_KEYS is set.
CMD ["node", ".output/server/index.mjs"]
