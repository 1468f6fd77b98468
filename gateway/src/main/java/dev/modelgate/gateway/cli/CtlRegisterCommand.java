package dev.modelgate.gateway.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.PrintWriter;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code modelgate ctl register M --version vN …}: a new, immutable version (admin role). Its own
 * {@code --version} is the version's id, so it has the help option without the standard version one
 * (picocli drops both standard options when one of their names is taken).
 */
@Command(name = "register",
    description = "Register a new version of a model (admin role); the same content again succeeds, other content is refused.")
final class CtlRegisterCommand extends CtlSubcommand {
  @Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help message and exit.")
  boolean help;

  @Parameters(index = "0", paramLabel = "MODEL")
  String model;

  @Option(names = "--version", required = true, paramLabel = "vN", description = "The new version's id, e.g. v9.")
  String version;

  @Option(names = "--artifact", required = true, paramLabel = "URI", description = "The exact binary, e.g. s3://…, hf://…, wandb-artifact://…")
  String artifact;

  @Option(names = "--served-model", required = true, paramLabel = "NAME", description = "The name the backend knows it by.")
  String servedModel;

  @Option(names = "--endpoint", required = true, paramLabel = "URL", description = "A base URL of an OpenAI-compatible backend; repeat for more.")
  List<String> endpoints;

  @Option(names = "--api-key-env", paramLabel = "NAME", description = "The environment variable, on the gateway, holding the backend's key.")
  String apiKeyEnv;

  @Option(names = "--lineage", paramLabel = "KEY=VALUE", description = "Lineage metadata (sent as strings); repeat for more, e.g. --lineage code_commit=4f2a9c1.")
  List<String> lineage = List.of();

  @Override
  void run(AdminClient admin, boolean json, PrintWriter out) throws InterruptedException {
    ObjectNode body = JsonNodeFactory.instance.objectNode();
    body.put("version", version).put("artifact", artifact).put("served_model", servedModel);
    ArrayNode urls = body.putArray("endpoints");
    endpoints.forEach(urls::add);
    if (apiKeyEnv != null) {
      body.put("api_key_env", apiKeyEnv);
    }
    ObjectNode meta = body.putObject("lineage");
    pairs("--lineage", lineage, "KEY=VALUE, e.g. dataset_version=tickets-2026q3").forEach(meta::put);
    AdminClient.Answer answer = admin.send("POST", CtlPaths.model(model) + "/versions", body);
    if (json) {
      out.println(answer.body());
    } else {
      CtlOutput.version(model, answer.json(), answer.status() == 201, out);
    }
  }
}
