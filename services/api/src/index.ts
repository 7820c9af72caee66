export * from './server.js';
export { createApi, type Api, type AppDeps } from './app.js';
export { JobSubmitter } from './submitter.js';
export * from './schemas.js';
export { chooseBindHost, LOOPBACK_HOST, ALL_INTERFACES_HOST, type BindDecision } from './bind-host.js';
export { ASYNC_PRIORITY_OFFSET, BATCH_PRIORITY_OFFSET, newJobId, type Submission } from './submitter.js';
export { parseChatBody } from './routes/chat.js';
export { parseEmbeddingsBody } from './routes/embeddings.js';
export { batchWebhookUrl, MAX_WEBHOOK_URL_LENGTH, WebhookUrlSchema } from './routes/batches.js';
