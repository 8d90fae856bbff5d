# syntax=docker/dockerfile:1
#
# L&R on-call Slack bot.
#
#   docker build -t lr-oncall-bot .
#   docker run --env-file .env -p 127.0.0.1:3000:3000 -v lr-oncall-data:/app/data lr-oncall-bot
#
# Configuration and secrets (SLACK_BOT_TOKEN, SLACK_APP_TOKEN or SLACK_SIGNING_SECRET, ...) come from
# the environment at run time, never from the image. The mode follows the bot's own rule: Socket
# Mode when SLACK_APP_TOKEN is set (health on HEALTH_PORT, 3001), else HTTP mode on PORT (3000):
# point the Slack app's request URLs at https://<host>/slack/events (`npm run manifest -- --url`).
# SLACK_MODE=socket|http overrides the rule. METRICS_PORT (9464) serves /metrics for the cluster.
#
# Node: the current LTS line (24); .ci/run runs the test suite on the same major.

# ---- build: compile TypeScript, then keep only the production dependencies ------------------------
FROM node:24-bookworm-slim AS build
WORKDIR /app

# better-sqlite3 12 (loaded on Node 20 only) downloads a prebuilt binary when one matches; otherwise
# node-gyp compiles it. 13 (alias better-sqlite3-13, the one loaded on this Node) ships its own binaries.
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*

COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund

COPY tsconfig*.json ./
# The bot alone (tsconfig.build.json compiles src/): the testkit, bench and gallery are development
# tools, and they import devDependencies that are pruned below.
COPY src ./src
COPY scripts ./scripts
# Prune in the same image that ran `npm ci`, so the native modules kept are the ones built for this
# very base image (the runtime stage uses the same one).
RUN npm run build \
 && npm prune --omit=dev --no-audit --no-fund \
 && npm cache clean --force

# ---- runtime ------------------------------------------------------------------------------------
FROM node:24-bookworm-slim AS runtime
WORKDIR /app

ENV NODE_ENV=production

# Code and dependencies stay owned by root (read-only for the app); only the data folder is writable.
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json manifest.yml ./

RUN mkdir -p /app/data && chown node:node /app/data
ENV DATA_DIR=/app/data
VOLUME ["/app/data"]

ENV PORT=3000 HEALTH_PORT=3001 METRICS_PORT=9464
# HTTP mode: Slack requests and health on PORT. Socket Mode: health on HEALTH_PORT. Both: metrics.
EXPOSE 3000 3001 9464

# The official image's unprivileged user (uid 1000).
USER node

# Slim images have no curl or wget: ask node itself. Exec form, so no shell is needed either. The
# port is the one that serves health in the mode the bot runs in (the rule of src/config.ts: an
# explicit SLACK_MODE, else socket when SLACK_APP_TOKEN is set): HEALTH_PORT in Socket Mode, PORT
# in HTTP mode; an empty variable means its default, as for the bot.
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD ["node", "-e", "const e=process.env,v=(k)=>(e[k]||'').trim(),socket=(v('SLACK_MODE')||(v('SLACK_APP_TOKEN')?'socket':'http'))==='socket',port=socket?v('HEALTH_PORT')||3001:v('PORT')||3000;const r=require('node:http').get('http://127.0.0.1:'+port+'/healthz',{timeout:4000},(res)=>{res.resume();process.exit(res.statusCode===200?0:1)});r.on('timeout',()=>r.destroy(new Error('timeout')));r.on('error',()=>process.exit(1))"]

# Exec form: node is PID 1 and receives SIGTERM itself (the bot shuts down gracefully on it).
# Not `npm start`: npm would sit in between, and its prestart build step needs the dev dependencies.
STOPSIGNAL SIGTERM
CMD ["node", "dist/src/main.js"]
