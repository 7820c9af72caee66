# One image for every role: api, scheduler, worker and the mock upstream.
FROM node:20-bookworm-slim AS build
WORKDIR /app
RUN npm install -g pnpm@10.34.8
COPY pnpm-lock.yaml pnpm-workspace.yaml package.json tsconfig.base.json tsconfig.json ./
COPY packages ./packages
COPY services ./services
COPY test/package.json ./test/package.json
COPY bench ./bench
RUN pnpm install --frozen-lockfile && pnpm run build

FROM node:20-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production
COPY --from=build /app /app
EXPOSE 4000
ENTRYPOINT ["node", "services/cli/dist/main.js"]
CMD ["help"]
