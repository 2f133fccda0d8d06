# ClaudeGate: the gateway plus the Claude Code CLI, running as a non-root user.
#
#   docker build -t claudegate .
#   docker run -d --init --name claudegate -p 127.0.0.1:8080:8080 \
#     -e CLAUDEGATE_API_KEYS=your-secret-key-here -e ANTHROPIC_API_KEY=sk-ant-... \
#     -v claudegate-data:/app/data claudegate

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

# The Claude Code CLI, at the version package.json pins (the one the tests run against). Its postinstall puts
# the native binary in place; `claude --version` fails the build if it did not. setpriv (util-linux, part of
# the base image) lets the kernel kill a CLI whose gateway died; the gateway uses it when it is there.
COPY package.json /tmp/claudegate-package.json
RUN version="$(node -p "require('/tmp/claudegate-package.json').dependencies['@anthropic-ai/claude-code']")" \
 && npm install -g --no-audit --no-fund "@anthropic-ai/claude-code@${version}" \
 && npm cache clean --force \
 && rm /tmp/claudegate-package.json \
 && claude --version \
 && test -x /usr/bin/setpriv

RUN useradd --system --create-home --home-dir /home/claudegate --shell /usr/sbin/nologin claudegate \
 && mkdir -p /app/data \
 && chown claudegate:claudegate /app/data

WORKDIR /app
COPY --from=build /src/.output ./.output

ENV NODE_ENV=production \
    CLAUDEGATE_DB_PATH=/app/data/claudegate.db \
    CLAUDEGATE_LISTEN_ADDR=:8080 \
    CLAUDEGATE_CLAUDE_PATH=/usr/local/bin/claude

# The database, its WAL files and (if ever generated) the API key file live here.
VOLUME /app/data
USER claudegate
EXPOSE 8080

# No curl in this image: node asks the health endpoint, and "degraded" (database or CLI missing) is unhealthy.
HEALTHCHECK --interval=30s --timeout=5s --start-period=15s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:8080/api/v1/health').then((r) => r.json().then((b) => process.exit(r.ok && b.status === 'ok' ? 0 : 1))).catch(() => process.exit(1))"]

# Listening on :8080 (not loopback), the gateway refuses to start unless CLAUDEGATE_API_KEYS is set.
CMD ["node", ".output/server/index.mjs"]
