/**
 * The admin port on one Vert.x Web router. {@link dev.modelgate.gateway.admin.AdminHandler} builds it:
 * health, readiness and metrics without token, and the admin API of docs/admin-api.md whose routes {@code
 * AdminRoutes} mounts (authentication, a role per route, bounded bodies) over the operations of
 * {@link dev.modelgate.gateway.admin.AdminApi}. {@code AdminFailures} is the one failure handler;
 * {@link dev.modelgate.gateway.admin.AdminAuth} holds the named tokens. {@code openapi.json} next
 * to these classes documents every route.
 */
package dev.modelgate.gateway.admin;
