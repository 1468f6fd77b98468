/**
 * The command line ({@code serve}, {@code demo}, {@code sim}), on picocli. Start at
 * {@link dev.modelgate.gateway.cli.ModelgateCommand}.
 */
package dev.modelgate.gateway.cli;
