package dev.modelgate.gateway.openai;

/**
 * Every error the gateway itself answers, with the status and the OpenAI {@code type}/{@code code}
 * that clients and SDKs branch on.
 */
public enum ErrorKind {
  INVALID_REQUEST(400, "invalid_request_error", null),
  INVALID_API_KEY(401, "invalid_request_error", "invalid_api_key"),
  MODEL_NOT_FOUND(404, "invalid_request_error", "model_not_found"),
  UNKNOWN_URL(404, "invalid_request_error", "unknown_url"),
  MALFORMED_HTTP(400, "invalid_request_error", "malformed_request"),
  METHOD_NOT_ALLOWED(405, "invalid_request_error", "method_not_allowed"),
  REQUEST_TIMEOUT(408, "invalid_request_error", "request_timeout"),
  BODY_TOO_LARGE(413, "invalid_request_error", "request_too_large"),
  URL_TOO_LONG(414, "invalid_request_error", "url_too_long"),
  HEADERS_TOO_LARGE(431, "invalid_request_error", "headers_too_large"),
  INTERNAL(500, "server_error", "internal_error"),
  UPSTREAM_FAILED(502, "upstream_error", "upstream_failed"),
  NO_HEALTHY_ENDPOINT(503, "server_error", "no_healthy_endpoint"),
  UPSTREAM_TIMEOUT(504, "upstream_error", "upstream_timeout");

  private final int status;
  private final String type;
  private final String code;

  ErrorKind(int status, String type, String code) {
    this.status = status;
    this.type = type;
    this.code = code;
  }

  public int status() {
    return status;
  }

  public String type() {
    return type;
  }

  public String code() {
    return code;
  }
}
