/** The admin port: {@link dev.modelgate.gateway.admin.AdminHandler} serves health, readiness and metrics. */
package dev.modelgate.gateway.admin;
