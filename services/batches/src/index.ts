export { startBatchRunner, type BatchRunnerHandle, type BatchRunnerOptions } from './runner.js';
export { BatchFeeder, LINE_RECORD_RETENTION_SECONDS, type BatchFeederOptions } from './batch-feeder.js';
export { checkInputLine, InputLineSchema, type InputLine } from './input-line.js';
export { lineJobId } from './line-job.js';
export { outputLineFor, requestId } from './output-line.js';
export {
  DEFAULT_WEBHOOK_RETRY,
  EVENT_HEADER,
  SIGNATURE_HEADER,
  signWebhook,
  verifyWebhookSignature,
  type VerifyOptions,
  type WebhookRetryPolicy,
} from './webhook.js';
export { WebhookNotifier, type WebhookNotifierOptions, type WebhookState } from './webhook-notifier.js';
