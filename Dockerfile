# syntax=docker/dockerfile:1
#
# L&R on-call Slack bot.
#
#   docker build -t lr-oncall-bot .
#   docker run --env-file .env -p 3000:3000 -v lr-oncall-data:/app/data lr-oncall-bot
#
# Configuration and secrets (SLACK_BOT_TOKEN, SLACK_SIGNING_SECRET, ...) come from the environment
# at run time, never from the image. The image defaults to HTTP mode on port 3000: point the Slack
# app's request URLs at https://<host>/slack/events (see manifest.yml). For Socket Mode, run with
# SLACK_MODE=socket and SLACK_APP_TOKEN set.

# ---- build: compile TypeScript, then keep only the production dependencies ------------------------
FROM node:20-bookworm-slim AS build
WORKDIR /app

# better-sqlite3 downloads a prebuilt binary when one matches; otherwise node-gyp compiles it.
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*

COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund

COPY tsconfig*.json ./
COPY src ./src
COPY bench ./bench
COPY scripts ./scripts
# Prune in the same image that ran `npm ci`, so the native modules kept are the ones built for this
# very base image (the runtime stage uses the same one).
RUN npm run build \
 && npm prune --omit=dev --no-audit --no-fund \
 && npm cache clean --force

# ---- runtime ------------------------------------------------------------------------------------
FROM node:20-bookworm-slim AS runtime
WORKDIR /app

ENV NODE_ENV=production

# Code and dependencies stay owned by root (read-only for the app); only the data folder is writable.
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json manifest.yml ./

RUN mkdir -p /app/data && chown node:node /app/data
ENV DATA_DIR=/app/data
VOLUME ["/app/data"]

ENV SLACK_MODE=http PORT=3000
EXPOSE 3000

# The official image's unprivileged user (uid 1000).
USER node

# Slim images have no curl or wget: ask node itself. Exec form, so no shell is needed either.
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD ["node", "-e", "const r=require('node:http').get('http://127.0.0.1:'+(process.env.PORT||3000)+'/healthz',{timeout:4000},(res)=>{res.resume();process.exit(res.statusCode===200?0:1)});r.on('timeout',()=>r.destroy(new Error('timeout')));r.on('error',()=>process.exit(1))"]

# Exec form: node is PID 1 and receives SIGTERM itself (the bot shuts down gracefully on it).
# Not `npm start`: npm would sit in between, and its prestart build step needs the dev dependencies.
STOPSIGNAL SIGTERM
CMD ["node", "dist/src/main.js"]
