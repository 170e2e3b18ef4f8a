package io.eventshop.console;

import io.vertx.ext.web.Router;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

/**
 * The console's address as operators type it, {@code /admin/console}, leads to its page. The page itself is static
 * ({@code META-INF/resources/admin/console/}), served without a token: it holds no data, and each of its calls to the
 * admin API carries the operator's. Without the slash its relative links would resolve against {@code /admin/}.
 */
@ApplicationScoped
public class ConsoleRoute {

    void route(@Observes Router router) {
        // Vert.x matches a path with or without its trailing slash: the page's own address goes on to the static files.
        router.get("/admin/console").handler(context -> {
            if (context.request().path().equals("/admin/console")) {
                context.response().setStatusCode(301).putHeader("Location", "/admin/console/").end();
            } else {
                context.next();
            }
        });
    }
}
