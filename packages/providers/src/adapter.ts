/** One upstream call. */
export interface ChatCall {
  /** The client's request body (routing fields are removed by the adapter). */
  body: Readonly<Record<string, unknown>>;
  /** Aborts the call (cancellation, shutdown). */
  signal?: AbortSignal;
}

/** A provider adapter: turns a chat request into an upstream call and back. */
export interface ProviderAdapter {
  /** Calls the provider; resolves with the OpenAI-format response body, rejects with UpstreamError. */
  chat(call: ChatCall): Promise<unknown>;
  /** Releases pooled connections. */
  close(): Promise<void>;
}
