/**
 * Where registry state lives: the audit ledger and the one mutable routing root.
 *
 * <p>Start at {@link dev.modelgate.gateway.state.Ledger} (append-only, durable, blocking: run it off
 * the event loop), {@link dev.modelgate.gateway.state.FileLedger} (the embedded store, a JSON-lines
 * file that survives {@code kill -9}, one {@link dev.modelgate.gateway.schema.EventJson} per line,
 * the same JSON the audit API and webhooks send, a batch of them written whole or not at all). The state itself is the
 * fold of the ledger ({@link dev.modelgate.core.ledger.LedgerState}), read at start-up from the newest
 * snapshot and the events after it ({@link dev.modelgate.gateway.state.Ledger#replay}); {@link
 * dev.modelgate.gateway.state.RoutingState} holds the routing table built from it: writers swap in a
 * new immutable table, requests read the current one once. {@link
 * dev.modelgate.gateway.state.ControlPlane} is the one writer, and keeps the SLO guard's memory
 * (cooldowns from the events, breach runs saved beside them). {@link
 * dev.modelgate.gateway.state.StateHealth} says whether the store answers; while a fleet's database
 * cannot be reached ({@link dev.modelgate.gateway.state.StateUnavailableException}) routing goes on,
 * changes are refused, and the SLO guard's rollbacks are held by the control plane until it is back.
 */
package dev.modelgate.gateway.state;
