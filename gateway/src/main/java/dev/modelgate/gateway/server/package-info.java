/**
 * Assembly: {@link dev.modelgate.gateway.server.Gateway} builds and wires everything (the only place
 * objects are assembled), {@link dev.modelgate.gateway.server.Main} is the jar's entry point, and
 * {@link dev.modelgate.gateway.server.Listeners} runs the admin port's Vert.x HTTP server (the data plane is
 * {@link dev.modelgate.gateway.proxy.DataPlane}).
 */
package dev.modelgate.gateway.server;
