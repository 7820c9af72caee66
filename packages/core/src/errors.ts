/**
 * Named error classes. Every error that can reach a client is a {@link SwitchyardError} and
 * renders as an OpenAI-style body `{ error: { message, type, param, code } }`.
 */

/** OpenAI-style error body. */
export interface OpenAIErrorBody {
  error: { message: string; type: string; param: string | null; code: string | null };
}

/** Base class: an HTTP status plus the OpenAI error fields. */
export class SwitchyardError extends Error {
  constructor(
    message: string,
    /** HTTP status for the client. */
    readonly status: number,
    /** OpenAI error `type`. */
    readonly type: string,
    /** OpenAI error `code`. */
    readonly code: string | null = null,
    /** OpenAI error `param`: the offending request field, if any. */
    readonly param: string | null = null,
  ) {
    super(message);
    this.name = new.target.name;
  }

  /** The OpenAI-style JSON body for this error. */
  toBody(): OpenAIErrorBody {
    return { error: { message: this.message, type: this.type, param: this.param, code: this.code } };
  }
}

/** 400: the request is malformed or fails validation. Nothing was enqueued. */
export class InvalidRequestError extends SwitchyardError {
  constructor(message: string, param: string | null = null, code: string | null = null) {
    super(message, 400, 'invalid_request_error', code, param);
  }
}

/** 401: missing or wrong bearer token. */
export class AuthenticationError extends SwitchyardError {
  constructor(message = 'Invalid or missing API key. Send "Authorization: Bearer <master_key>".') {
    super(message, 401, 'authentication_error', 'invalid_api_key');
  }
}

/** 404: no model group (or alias) of this name. */
export class ModelNotFoundError extends SwitchyardError {
  constructor(model: string, known: readonly string[]) {
    super(
      `The model \`${model}\` does not exist. Available model groups: ${known.join(', ') || '(none)'}.`,
      404,
      'invalid_request_error',
      'model_not_found',
      'model',
    );
  }
}

/** 404: unknown job id (or expired record). */
export class JobNotFoundError extends SwitchyardError {
  constructor(id: string) {
    super(`No job with id ${id}.`, 404, 'invalid_request_error', 'job_not_found', 'id');
  }
}

/** 409: the operation does not fit the job's current state (e.g. cancelling a finished job). */
export class JobStateConflictError extends SwitchyardError {
  constructor(message: string) {
    super(message, 409, 'invalid_request_error', 'job_state_conflict');
  }
}

/** 503: Redis (or another dependency) is unavailable. */
export class ServiceUnavailableError extends SwitchyardError {
  constructor(message: string) {
    super(message, 503, 'service_unavailable', 'service_unavailable');
  }
}

/** 504: the synchronous wait ended before the job finished (the job keeps running). */
export class WaitTimeoutError extends SwitchyardError {
  constructor(jobId: string, seconds: number) {
    super(
      `The job ${jobId} did not finish within ${seconds} s; it is still queued or running. Poll GET /v1/jobs/${jobId}.`,
      504,
      'timeout',
      'wait_timeout',
    );
  }
}

/** 409: a job with this id already exists (a batch line submitted again after a restart). */
export class JobExistsError extends SwitchyardError {
  constructor(id: string) {
    super(`A job with id ${id} already exists.`, 409, 'invalid_request_error', 'job_exists');
  }
}
