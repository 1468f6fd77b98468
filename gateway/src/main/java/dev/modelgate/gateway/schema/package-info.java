/**
 * The JSON of every surface that is not the YAML config: ledger events (also the audit API's and
 * the webhooks' body), admin request bodies and admin views. One record per shape, mapped by
 * Jackson databind in {@link dev.modelgate.gateway.schema.Schema}, strictly, with problems named
 * by their key ({@link dev.modelgate.gateway.schema.SchemaException}).
 *
 * <p>Start at {@link dev.modelgate.gateway.schema.Schema} (the mapping and its error messages),
 * {@link dev.modelgate.gateway.schema.EventJson} (an audit event, line for line as the ledger file
 * holds it), {@link dev.modelgate.gateway.schema.SnapshotJson} (a ledger snapshot), the admin bodies ({@link dev.modelgate.gateway.schema.VersionJson}, {@link
 * dev.modelgate.gateway.schema.SetWeightsRequest}, {@link dev.modelgate.gateway.schema.PromoteRequest},
 * {@link dev.modelgate.gateway.schema.RollbackRequest}, {@link dev.modelgate.gateway.schema.StartRolloutRequest},
 * {@link dev.modelgate.gateway.schema.RolloutCommandRequest}, {@link dev.modelgate.gateway.schema.PurgeCacheRequest}) and {@link
 * dev.modelgate.gateway.schema.AdminViews}. The records map to and from router-core's registry and
 * ledger records, which the config file's reader builds too.
 */
package dev.modelgate.gateway.schema;
