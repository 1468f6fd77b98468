package dev.modelgate.gateway.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Random damage to valid config texts must only ever produce a {@link ConfigException} with
 * problems, never another exception: the loader faces hand-edited files, and a stack trace is not
 * an error message.
 */
class ConfigFuzzTest {
  private static final long SEED = 0x6d6f64656c676174L;
  private static final int MUTANTS_PER_TEXT = 3000;

  // YAML punctuation, scalars of every type, edge numbers, names the schema knows, odd characters.
  private static final String[] TOKENS = {
    ":", ": ", "- ", "-", "{", "}", "[", "]", ",", "&a ", "*a", "!!str ", "!!binary ", "!!int ", "\"", "'", "#",
    "\n", "\t", "  ", "---\n", "...\n", "~", "null", "true", "off", "0", "-1", "1.5", "1e99", ".nan", "-.inf",
    "99999999999999999999", "0x1F", "0o17", "v7", "v8", "production", "weights", "stable", "slo", "models",
    "server", "5s", "10m", "1h30m", "0ms", "header:x", "body:", "http://", "é", "\u0000", "\u0007", "\uFEFF", "%",
    "@", "`", "? ", "|\n", ">-\n", "<<: ", "\\", "{}", "[]", "100", "\"\\x\"", "'it''s'",
  };

  @Test
  void damagedFilesOnlyEverFailWithConfigException() throws IOException {
    List<String> texts = List.of(
        ConfigLoaderTest.FULL,
        ConfigLoaderTest.MINIMAL,
        Files.readString(Path.of("..", "config", "gateway.yaml")),
        Files.readString(Path.of("..", "config", "demo.yaml")));
    Random random = new Random(SEED);
    int rejected = 0;
    int total = 0;
    for (String text : texts) {
      for (int i = 0; i < MUTANTS_PER_TEXT; i++) {
        String mutant = mutate(text, random);
        total++;
        try {
          assertThat(ConfigLoader.parse(mutant, "fuzz.yaml")).isNotNull();
        } catch (ConfigException e) {
          rejected++;
          assertThat(e.problems()).isNotEmpty().allSatisfy(p -> assertThat(p).isNotBlank());
        } catch (RuntimeException | StackOverflowError e) {
          fail("mutant #" + i + " threw " + e + " instead of ConfigException; text:\n" + mutant, e);
        }
      }
    }
    // Damage that is always harmless would test nothing.
    assertThat(rejected).isGreaterThan(total / 2);
  }

  @Test
  void refusesAnAliasBombWithoutExpandingIt() {
    StringBuilder bomb = new StringBuilder("lol: &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n");
    for (int level = 1; level <= 9; level++) {
      bomb.append("lol").append(level).append(": &l").append(level).append(" [")
          .append(String.join(", ", java.util.Collections.nCopies(9, "*l" + (level - 1)))).append("]\n");
    }
    bomb.append("models: {}\n");

    assertThat(problemsWithin(bomb.toString(), Duration.ofSeconds(2)))
        .contains("lol1[0]: YAML alias *l0 is not supported (line 2, column 12; expected: the value written out)");
  }

  @Test
  void refusesDeepNestingHugeNumbersAndHugeFilesQuickly() {
    assertThat(problemsWithin("models: " + "[".repeat(100_000), Duration.ofSeconds(2)))
        .containsExactly("lists and mappings nested more than 64 levels deep (expected: a config a few levels deep)");
    assertThat(problemsWithin("models: " + "{a: ".repeat(50_000), Duration.ofSeconds(2)))
        .containsExactly("lists and mappings nested more than 64 levels deep (expected: a config a few levels deep)");
    assertThat(problemsWithin("server: {port: " + "9".repeat(100_000) + ", max_body_bytes: -" + "9".repeat(5000) + "}\nmodels: {}\n",
        Duration.ofSeconds(2)))
        .anySatisfy(p -> assertThat(p).startsWith("server.port: '999"))
        .anySatisfy(p -> assertThat(p).startsWith("server.max_body_bytes: '-999"));
    assertThat(problemsWithin("models: {}\nx: \"" + "a".repeat(17_000_000) + "\"\n", Duration.ofSeconds(2)))
        .containsExactly("the file is 17000017 characters long (expected: at most 16777216)");
  }

  @Test
  void refusesRandomGarbageWithProblemsOnly() {
    Random random = new Random(SEED + 1);
    for (int i = 0; i < 500; i++) {
      char[] garbage = new char[1 + random.nextInt(400)];
      for (int c = 0; c < garbage.length; c++) {
        // Mostly ASCII with control characters, some anywhere in the BMP (lone surrogates included).
        garbage[c] = random.nextInt(4) == 0 ? (char) random.nextInt(0x10000) : (char) random.nextInt(0x80);
      }
      String text = random.nextBoolean() ? new String(garbage) : "models: {}\n" + new String(garbage);
      try {
        ConfigLoader.parse(text, "garbage.yaml");
      } catch (ConfigException e) {
        assertThat(e.problems()).isNotEmpty().allSatisfy(p -> assertThat(p).isNotBlank());
      } catch (RuntimeException | StackOverflowError e) {
        fail("garbage #" + i + " threw " + e + " instead of ConfigException", e);
      }
    }
  }

  private static List<String> problemsWithin(String text, Duration bound) {
    long start = System.nanoTime();
    try {
      ConfigLoader.parse(text, "hostile.yaml");
    } catch (ConfigException e) {
      assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(bound);
      return e.problems();
    }
    throw new AssertionError("accepted: " + text.substring(0, Math.min(200, text.length())));
  }

  private static String mutate(String text, Random random) {
    String result = text;
    int edits = 1 + random.nextInt(4);
    for (int e = 0; e < edits; e++) {
      result = mutateOnce(result, random);
    }
    return result;
  }

  private static String mutateOnce(String text, Random random) {
    if (text.isEmpty()) {
      return token(random);
    }
    int at = random.nextInt(text.length());
    switch (random.nextInt(7)) {
      case 0: // delete a span
        return text.substring(0, at) + text.substring(Math.min(text.length(), at + 1 + random.nextInt(12)));
      case 1: // insert a token
        return text.substring(0, at) + token(random) + text.substring(at);
      case 2: // replace a span with a token
        return text.substring(0, at) + token(random) + text.substring(Math.min(text.length(), at + 1 + random.nextInt(6)));
      case 3: { // duplicate a line
        List<String> lines = lines(text);
        int line = random.nextInt(lines.size());
        lines.add(line, lines.get(line));
        return String.join("\n", lines);
      }
      case 4: { // swap two lines
        List<String> lines = lines(text);
        int a = random.nextInt(lines.size());
        int b = random.nextInt(lines.size());
        String line = lines.get(a);
        lines.set(a, lines.get(b));
        lines.set(b, line);
        return String.join("\n", lines);
      }
      case 5: { // re-indent a line
        List<String> lines = lines(text);
        int line = random.nextInt(lines.size());
        lines.set(line, " ".repeat(random.nextInt(9)) + lines.get(line).strip());
        return String.join("\n", lines);
      }
      default: { // replace the value after a "key: "
        int colon = text.indexOf(": ", at);
        if (colon < 0) {
          return text;
        }
        int end = text.indexOf('\n', colon);
        end = end < 0 ? text.length() : end;
        return text.substring(0, colon + 2) + token(random) + text.substring(end);
      }
    }
  }

  private static String token(Random random) {
    return TOKENS[random.nextInt(TOKENS.length)];
  }

  private static List<String> lines(String text) {
    return new ArrayList<>(Arrays.asList(text.split("\n", -1)));
  }
}
