package io.etcdj.http;

import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.util.List;

/**
 * The plain-HTTP endpoints etcd 3.4 serves on the client port beside gRPC, byte for byte: {@code
 * GET /health} and {@code GET /version} (spec/server.md §8; checked against a live etcd 3.4.23 by
 * {@code HttpEndpointsTest}).
 *
 * <ul>
 *   <li>{@code /health}: 200 {@code {"health":"true"}} as {@code text/plain; charset=utf-8} when
 *       the member has a leader and no alarm is raised (an alarm type can be left out with {@code
 *       ?exclude=NOSPACE} or {@code ?exclude=CORRUPT}); otherwise 503 {@code {"health":"false"}}
 *       and a newline, with {@code X-Content-Type-Options: nosniff}.
 *   <li>{@code /version}: 200 {@code {"etcdserver":"…","etcdcluster":"…"}} as {@code
 *       application/json}.
 *   <li>Any other method on them: 405 {@code Method Not Allowed} with {@code Allow: GET}.
 *   <li>Every response carries etcd 3.4's CORS headers.
 * </ul>
 */
public final class HttpEndpoints {

  /** What the endpoints report; implemented by the server, read on every request. */
  public interface MemberState {
    /** Whether the member currently knows a leader. */
    boolean hasLeader();

    /** The alarm types raised on any member, e.g. {@code NOSPACE}, {@code CORRUPT}. */
    List<String> activeAlarms();

    /** The cluster version ({@code 3.4.0}), or {@code not_decided} before it is known. */
    String clusterVersion();
  }

  private HttpEndpoints() {}

  /** Adds {@code /health} and {@code /version} to {@code router}. */
  public static void mount(Router router, String serverVersion, MemberState state) {
    router.route("/health").handler(ctx -> health(ctx, state));
    router.route("/version").handler(ctx -> version(ctx, serverVersion, state));
  }

  private static HttpServerResponse cors(RoutingContext ctx) {
    return ctx.response()
        .putHeader("Access-Control-Allow-Headers", "accept, content-type, authorization")
        .putHeader("Access-Control-Allow-Methods", "POST, GET, OPTIONS, PUT, DELETE")
        .putHeader("Access-Control-Allow-Origin", "*");
  }

  private static boolean onlyGet(RoutingContext ctx) {
    if (ctx.request().method() == HttpMethod.GET) {
      return true;
    }
    cors(ctx)
        .setStatusCode(405)
        .putHeader("Allow", "GET")
        .putHeader("Content-Type", "text/plain; charset=utf-8")
        .putHeader("X-Content-Type-Options", "nosniff")
        .end("Method Not Allowed\n");
    return false;
  }

  private static void health(RoutingContext ctx, MemberState state) {
    if (!onlyGet(ctx)) {
      return;
    }
    List<String> excluded = ctx.queryParam("exclude");
    boolean alarmed = state.activeAlarms().stream().anyMatch(alarm -> !excluded.contains(alarm));
    HttpServerResponse response = cors(ctx).putHeader("Content-Type", "text/plain; charset=utf-8");
    if (!alarmed && state.hasLeader()) {
      response.setStatusCode(200).end("{\"health\":\"true\"}");
    } else {
      response
          .setStatusCode(503)
          .putHeader("X-Content-Type-Options", "nosniff")
          .end("{\"health\":\"false\"}\n");
    }
  }

  private static void version(RoutingContext ctx, String serverVersion, MemberState state) {
    if (!onlyGet(ctx)) {
      return;
    }
    cors(ctx)
        .putHeader("Content-Type", "application/json")
        .setStatusCode(200)
        .end(
            "{\"etcdserver\":\""
                + serverVersion
                + "\",\"etcdcluster\":\""
                + state.clusterVersion()
                + "\"}");
  }
}
