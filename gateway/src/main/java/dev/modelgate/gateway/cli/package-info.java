/**
 * The command line ({@code serve}, {@code demo}, {@code sim}, {@code ctl}, {@code state}), on picocli.
 * Start at {@link dev.modelgate.gateway.cli.ModelgateCommand}; {@code ctl} starts at
 * {@link dev.modelgate.gateway.cli.CtlCommand}, {@code state export|import} at
 * {@link dev.modelgate.gateway.cli.StateCommand}.
 */
package dev.modelgate.gateway.cli;
