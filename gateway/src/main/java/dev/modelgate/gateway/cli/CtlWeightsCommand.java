package dev.modelgate.gateway.cli;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.PrintWriter;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code modelgate ctl weights M A v7=90 v8=10}: the alias's new split, in one change. */
@Command(name = "weights", mixinStandardHelpOptions = true,
    description = "Set an alias's weights (integers summing to 100), e.g. weights support-agent production v7=90 v8=10.")
final class CtlWeightsCommand extends CtlSubcommand {
  private static final String EXPECTED = "VERSION=WEIGHT with an integer weight from 0 to 100, e.g. v7=90";

  @Parameters(index = "0", paramLabel = "MODEL")
  String model;

  @Parameters(index = "1", paramLabel = "ALIAS")
  String alias;

  @Parameters(index = "2..*", arity = "1..*", paramLabel = "VERSION=WEIGHT")
  List<String> weights;

  @Option(names = "--stable", paramLabel = "VERSION", description = "Also name the stable version (where a rollback sends 100 %%).")
  String stable;

  @Mixin
  CtlChange.Options change;

  @Override
  void run(AdminClient admin, boolean json, PrintWriter out) throws InterruptedException {
    ObjectNode body = JsonNodeFactory.instance.objectNode();
    ObjectNode split = body.putObject("weights");
    pairs("weights", weights, EXPECTED).forEach((version, weight) -> {
      if (!weight.matches("\\d{1,3}") || Integer.parseInt(weight) > 100) {
        throw usage("weights: '" + version + "=" + weight + "' (expected: " + EXPECTED + ")");
      }
      split.put(version, Integer.parseInt(weight));
    });
    if (stable != null) {
      body.put("stable", stable);
    }
    change.addTo(body);
    CtlChange.print(admin.send("PUT", CtlPaths.alias(model, alias), body), json, out);
  }
}
