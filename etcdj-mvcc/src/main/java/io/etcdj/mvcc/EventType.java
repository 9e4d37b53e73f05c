package io.etcdj.mvcc;

/** etcd's {@code mvccpb.Event.EventType}. */
public enum EventType {
  PUT,
  DELETE
}
