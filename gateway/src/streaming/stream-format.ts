/** StreamFormat is how a server stream goes out over HTTP. */
export type StreamFormat = 'sse' | 'ndjson';

/** CONTENT_TYPES are the response content types of the stream formats. */
export const CONTENT_TYPES: Readonly<Record<StreamFormat, string>> = {
  sse: 'text/event-stream; charset=utf-8',
  ndjson: 'application/x-ndjson',
};

/**
 * streamFormat picks newline-delimited JSON when the client asks for it
 * (Accept: application/x-ndjson) and server-sent events otherwise, the
 * format browsers read with EventSource.
 */
export function streamFormat(accept: string | undefined): StreamFormat {
  return accept !== undefined && /application\/x-ndjson/i.test(accept) ? 'ndjson' : 'sse';
}

/**
 * message frames one message. SSE: a `data:` event (JSON.stringify never
 * writes a raw newline, so one line is enough). NDJSON: a line
 * {"result": ...}, the shape grpc-gateway uses, so an error line
 * {"error": ...} cannot be mistaken for a message.
 */
export function message(format: StreamFormat, json: string): string {
  return format === 'sse' ? `data: ${json}\n\n` : `{"result":${json}}\n`;
}

/** error frames the error that ended a stream after it started: an `error` event, or an {"error": ...} line. */
export function error(format: StreamFormat, json: string): string {
  return format === 'sse' ? `event: error\ndata: ${json}\n\n` : `{"error":${json}}\n`;
}

/** heartbeat keeps idle connections open through proxies: an SSE comment; NDJSON has no comment syntax, so nothing. */
export function heartbeat(format: StreamFormat): string | undefined {
  return format === 'sse' ? ': keep-alive\n\n' : undefined;
}
