/**
 * OpenAI wire shapes the gateway itself speaks: the error envelope
 * ({@link dev.modelgate.gateway.openai.OpenAiError}, {@link dev.modelgate.gateway.openai.ErrorKind})
 * and the {@code usage} report read from answers as they pass
 * ({@link dev.modelgate.gateway.openai.UsageReader}).
 */
package dev.modelgate.gateway.openai;
