/** One upstream call. */
export interface ChatCall {
  /** The client's request body (routing fields are removed by the adapter). */
  body: Readonly<Record<string, unknown>>;
  /** Aborts the call (cancellation, shutdown, a client that left). */
  signal?: AbortSignal;
}

/**
 * One call in the Anthropic Messages format: the caller's own request, as `/v1/messages` took
 * it, for an adapter that speaks that API (no translation either way).
 */
export interface MessagesCall {
  /** The Messages request as the caller sent it (the adapter puts in the deployment's model and defaults, leaves out routing fields, and sets `stream`). */
  body: Readonly<Record<string, unknown>>;
  /** The caller's `anthropic-beta` header, sent with the deployment's. Default none. */
  beta?: string;
  signal?: AbortSignal;
}

/** One event of a Messages API stream: its SSE `event:` name and its `data` (whose `type` is the name). */
export interface MessagesStreamEvent {
  event: string;
  data: Record<string, unknown> & { type: string };
}

/** One OpenAI `chat.completion.chunk` object, as a provider stream is translated into. */
export type ChatChunk = Record<string, unknown>;

/**
 * A provider adapter: turns a chat request into an upstream call and back, always in OpenAI's
 * format on Switchyard's side. Every failure is an `UpstreamError`.
 */
export interface ProviderAdapter {
  /** Calls the provider; resolves with the OpenAI-format response body. */
  chat(call: ChatCall): Promise<unknown>;
  /**
   * Starts a streamed call. Resolves once the upstream accepted it (a failure before the first
   * byte rejects here, so it can be retried like any call); iterating yields OpenAI chunks as
   * they arrive; a failure mid-stream throws from the iterator; ending the iteration early
   * (`return`) closes the upstream connection. Adapters ask the upstream for usage whenever it
   * can report it (e.g. `stream_options.include_usage`), so budgets settle on real tokens.
   */
  chatStream(call: ChatCall): Promise<AsyncIterable<ChatChunk>>;
  /**
   * Creates embeddings (OpenAI `/v1/embeddings` format in and out). Optional: an adapter
   * without it answers embeddings requests with a bad_request error.
   */
  embed?(call: ChatCall): Promise<unknown>;
  /**
   * Calls the Anthropic Messages API with the caller's own Messages request (see
   * {@link MessagesCall}) and resolves with its `message` as the API answered it. Only adapters
   * whose upstream speaks that API have it (Anthropic, Claude on Vertex and on Bedrock); the worker then uses
   * it for `/v1/messages` jobs instead of the OpenAI translation.
   */
  messages?(call: MessagesCall): Promise<Record<string, unknown>>;
  /**
   * Whether this deployment takes {@link messages} (an adapter whose models differ, e.g. Bedrock:
   * Claude only). Default: whenever `messages` and `messagesStream` exist.
   */
  readonly speaksMessages?: boolean;
  /**
   * The same, streamed: resolves once the upstream accepted the call; yields its events as they
   * arrive, up to `message_stop` (pings included); an `error` event, a malformed event or an end
   * before `message_stop` throws the classified `UpstreamError`.
   */
  messagesStream?(call: MessagesCall): Promise<AsyncIterable<MessagesStreamEvent>>;
  /** Releases pooled connections. */
  close(): Promise<void>;
}
