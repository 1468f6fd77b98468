package dev.modelgate.gateway.sim;

/** A request the simulator refuses, as OpenAI would: status plus the fields of its error body. */
final class ApiError extends RuntimeException {
  final int status;
  final String type;
  final String param;
  final String code;

  private ApiError(int status, String message, String type, String param, String code) {
    // Control flow, not a fault: a stack trace would only cost time.
    super(message, null, false, false);
    this.status = status;
    this.type = type;
    this.param = param;
    this.code = code;
  }

  static ApiError invalidJson() {
    return new ApiError(
        400,
        "We could not parse the JSON body of your request. (HINT: This likely means you aren't"
            + " using your HTTP library correctly. The OpenAI API expects a JSON payload.)",
        "invalid_request_error",
        null,
        null);
  }

  static ApiError missing(String param) {
    return new ApiError(
        400,
        "Missing required parameter: '" + param + "'.",
        "invalid_request_error",
        param,
        "missing_required_parameter");
  }

  static ApiError invalid(String param, String message) {
    return new ApiError(400, message, "invalid_request_error", param, "invalid_value");
  }
}
