package dev.modelgate.gateway.cli;

import static dev.modelgate.gateway.cli.AdminClient.encode;

/** Admin API paths, each name percent-encoded as one segment ({@code meta-llama%2FLlama-3.1-8B}). */
final class CtlPaths {
  private CtlPaths() {}

  static String model(String model) {
    return "/admin/v1/models/" + encode(model);
  }

  static String alias(String model, String alias) {
    return model(model) + "/aliases/" + encode(alias);
  }
}
