/**
 * Bearer credentials shared by the data plane's client keys and the admin API's tokens: {@link
 * dev.modelgate.gateway.auth.BearerSecrets} reads an {@code Authorization: Bearer …} header and
 * compares it with every configured secret in constant time; {@link dev.modelgate.gateway.auth.Hmac}
 * signs and checks webhook bodies.
 */
package dev.modelgate.gateway.auth;
