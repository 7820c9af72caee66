/** One upstream call. */
export interface ChatCall {
  /** The client's request body (routing fields are removed by the adapter). */
  body: Readonly<Record<string, unknown>>;
  /** Aborts the call (cancellation, shutdown, a client that left). */
  signal?: AbortSignal;
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
  /** Releases pooled connections. */
  close(): Promise<void>;
}
