/**
 * The ledger in PostgreSQL, shared by a fleet of replicas (docs/operations.md, "A fleet on PostgreSQL").
 *
 * <p>Start at {@link dev.modelgate.gateway.state.postgres.PostgresLedger}: the events table (each
 * event the same JSON line the file store writes), appends that succeed only on the {@code seq} the
 * replica has folded, the schema created and migrated at start. {@link
 * dev.modelgate.gateway.state.postgres.LedgerListener} tells the replica when others append
 * (LISTEN/NOTIFY, re-subscribed after a lost connection, and a slow poll as the safety net); the
 * {@link dev.modelgate.gateway.state.ControlPlane} then folds what follows its last seq. {@link
 * dev.modelgate.gateway.state.postgres.PostgresOutbox} is the fleet's webhook queue: a cursor and a
 * lease per webhook over the events table, so each event is delivered once by the fleet. {@link
 * dev.modelgate.gateway.state.postgres.PostgresGuardFleet} is the SLO guard's side of the fleet:
 * the advisory lock that makes one replica the leader, and the table of every replica's window
 * figures. Everything here runs on the Vert.x reactive client; the ledger's blocking methods wait on it off the event loop.
 */
package dev.modelgate.gateway.state.postgres;
