/**
 * The ledger's pure half: registry state is the fold of an append-only log of audit events
 * (docs/admin-api.md, docs/operations.md).
 *
 * <p>Start at {@link dev.modelgate.core.ledger.AuditEvent} (one entry; its {@link
 * dev.modelgate.core.ledger.Change} is the {@code before}/{@code after}) and {@link
 * dev.modelgate.core.ledger.RegistryFold} (how an event changes a {@link
 * dev.modelgate.core.registry.Registry}, including how {@code config} declarations meet runtime
 * changes), and {@link dev.modelgate.core.ledger.LedgerState} (everything derived from the events
 * up to one seq, which a snapshot saves). Storage lives in {@code dev.modelgate.gateway.state}; no clock and no I/O here, so a
 * replay is a pure function of the events.
 */
package dev.modelgate.core.ledger;
