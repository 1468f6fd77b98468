/** The access log: {@link dev.modelgate.gateway.log.AccessLog} writes JSON lines off the event loops. */
package dev.modelgate.gateway.log;
