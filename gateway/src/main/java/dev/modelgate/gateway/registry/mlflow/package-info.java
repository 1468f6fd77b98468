/**
 * Following an MLflow Model Registry (docs/registry-sync.md, "Following MLflow"):
 * {@link dev.modelgate.gateway.registry.mlflow.MlflowClient} speaks its REST 2.0 API,
 * {@link dev.modelgate.gateway.registry.mlflow.MlflowWebhookVerifier} checks the webhooks an
 * MLflow 3 server sends.
 */
package dev.modelgate.gateway.registry.mlflow;
