/**
 * Assembly: {@link dev.modelgate.gateway.server.Gateway} builds and wires everything (the only place
 * objects are assembled), {@link dev.modelgate.gateway.server.Main} is the jar's entry point, and
 * {@link dev.modelgate.gateway.server.Listeners} runs one HTTP server per event loop on a shared port.
 */
package dev.modelgate.gateway.server;
