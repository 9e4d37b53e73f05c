package io.etcdj.grpc;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http2.Http2ConnectionDecoder;
import io.netty.handler.codec.http2.Http2ConnectionHandler;
import io.netty.handler.codec.http2.Http2Exception;
import io.netty.handler.codec.http2.Http2FrameListener;
import io.netty.handler.codec.http2.Http2FrameListenerDecorator;
import io.netty.handler.codec.http2.Http2Headers;
import io.vertx.core.http.HttpConnection;

/**
 * Accepts the {@code :authority} etcd's Go clients send when given endpoints with a scheme.
 *
 * <p>etcdctl and clientv3 dial some calls (endpoint status, hashkv, defrag, snapshot, move-leader,
 * every {@code --cluster} command) straight to the endpoint string, so a request for {@code
 * --endpoints http://127.0.0.1:2379} arrives with {@code :authority: http://127.0.0.1:2379}. Go's
 * HTTP/2 server takes it; Vert.x resets such a stream as malformed (PROTOCOL_ERROR). This strips
 * the scheme from the pseudo-header before Vert.x reads it, by decorating the connection's HTTP/2
 * frame listener when the connection opens.
 *
 * <p>It reaches Vert.x's connection through its implementation class ({@code
 * io.vertx.core.net.impl.ConnectionBase}) for the Netty channel — the one place the edge leaves
 * Vert.x's public API (docs/decisions/0001). If that class changes, {@link #install} does nothing
 * and the test {@code ClientPortServerTest} fails.
 */
final class AuthorityRepair {
  private AuthorityRepair() {}

  /** Installs the repair on an HTTP/2 connection; HTTP/1.x connections are left alone. */
  static void install(HttpConnection connection) {
    if (!(connection instanceof io.vertx.core.net.impl.ConnectionBase base)) {
      return;
    }
    for (var entry : base.channel().pipeline()) {
      ChannelHandler handler = entry.getValue();
      if (handler instanceof Http2ConnectionHandler http2) {
        Http2ConnectionDecoder decoder = http2.decoder();
        Http2FrameListener listener = decoder.frameListener();
        if (listener != null && !(listener instanceof Repairing)) {
          decoder.frameListener(new Repairing(listener));
        }
        return;
      }
    }
  }

  /** {@code http://host:port} or {@code https://host:port} → {@code host:port}. */
  static CharSequence repaired(CharSequence authority) {
    String a = authority.toString();
    int scheme = a.indexOf("://");
    if (scheme < 0) {
      return authority;
    }
    String rest = a.substring(scheme + 3);
    int slash = rest.indexOf('/');
    return slash < 0 ? rest : rest.substring(0, slash);
  }

  private static final class Repairing extends Http2FrameListenerDecorator {
    Repairing(Http2FrameListener listener) {
      super(listener);
    }

    private static void fix(Http2Headers headers) {
      CharSequence authority = headers.authority();
      if (authority != null) {
        CharSequence fixed = repaired(authority);
        if (fixed != authority) {
          headers.authority(fixed);
        }
      }
    }

    @Override
    public void onHeadersRead(
        ChannelHandlerContext ctx, int streamId, Http2Headers headers, int padding, boolean end)
        throws Http2Exception {
      fix(headers);
      super.onHeadersRead(ctx, streamId, headers, padding, end);
    }

    @Override
    public void onHeadersRead(
        ChannelHandlerContext ctx,
        int streamId,
        Http2Headers headers,
        int dependency,
        short weight,
        boolean exclusive,
        int padding,
        boolean end)
        throws Http2Exception {
      fix(headers);
      super.onHeadersRead(ctx, streamId, headers, dependency, weight, exclusive, padding, end);
    }

    @Override
    public int onDataRead(
        ChannelHandlerContext ctx, int streamId, ByteBuf data, int padding, boolean end)
        throws Http2Exception {
      return super.onDataRead(ctx, streamId, data, padding, end);
    }
  }
}
