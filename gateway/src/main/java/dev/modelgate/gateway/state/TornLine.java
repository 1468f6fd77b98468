package dev.modelgate.gateway.state;

/**
 * An incomplete last line, or last batch of lines, found when a ledger file was opened: a crash
 * during an append, before the append was acknowledged. It was dropped and the file truncated at
 * {@code offset}.
 *
 * @param line its 1-based line number (a batch's: its header's)
 * @param offset the byte offset where it started, and the file's length after truncation
 * @param length how many bytes were dropped
 * @param problem why it is not a complete event
 */
public record TornLine(int line, long offset, long length, String problem) {}
