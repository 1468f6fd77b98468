/**
 * The command line ({@code serve}, {@code demo}, {@code sim}, {@code ctl}), on picocli. Start at
 * {@link dev.modelgate.gateway.cli.ModelgateCommand}; {@code ctl} starts at
 * {@link dev.modelgate.gateway.cli.CtlCommand}.
 */
package dev.modelgate.gateway.cli;
