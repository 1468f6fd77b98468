package dev.modelgate.gateway.admin;

/** An admin call refused: its status, a stable {@code code}, and a message naming the problem. */
final class AdminError extends RuntimeException {
  private static final long serialVersionUID = 1L;
  final int status;
  final String code;
  final String param;

  AdminError(int status, String code, String message, String param) {
    super(message, null, false, false);
    this.status = status;
    this.code = code;
    this.param = param;
  }

  static AdminError badRequest(String message, String param) {
    return new AdminError(400, "invalid_request", message, param);
  }

  static AdminError notFound(String message) {
    return new AdminError(404, "not_found", message, null);
  }

  static AdminError conflict(String code, String message) {
    return new AdminError(409, code, message, null);
  }

  static AdminError unprocessable(String message, String param) {
    return new AdminError(422, "invalid_change", message, param);
  }

  /**
   * The state store cannot be reached: nothing was acknowledged. A write already sent may still have
   * committed; the audit log says, once the store is back.
   */
  static AdminError stateUnavailable(String problem) {
    return new AdminError(503, "state_unavailable", "The gateway's state store cannot be reached, so nothing was changed or read: "
        + problem + ". Routing goes on unchanged. Retry once GET /healthz says \"state\": \"ok\"; a change sent just as the store went"
        + " away may have been recorded, so read the alias or the audit log first.", null);
  }

  String type() {
    return switch (status) {
      case 401 -> "authentication_error";
      case 403 -> "permission_error";
      case 404 -> "not_found_error";
      case 409 -> "conflict_error";
      default -> status < 500 ? "invalid_request_error" : "server_error";
    };
  }
}
