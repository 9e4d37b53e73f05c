package io.etcdj.simulation.linearizability;

import java.util.Map;
import java.util.TreeMap;
import org.jspecify.annotations.Nullable;

/**
 * etcd's key-value semantics as far as the checker needs them: a global revision that every
 * effective write raises by one, and per key its value and mod revision. Immutable; {@link #step}
 * returns the state after an operation, or null if the operation could not have returned what it
 * returned from this state.
 *
 * @param revision the store's current revision (1 for a new cluster)
 * @param values each present key's value
 * @param modRevisions each present key's mod revision
 */
public record KvModel(long revision, Map<String, String> values, Map<String, Long> modRevisions) {

  public static final KvModel INITIAL = new KvModel(1, Map.of(), Map.of());

  public KvModel {
    values = Map.copyOf(values);
    modRevisions = Map.copyOf(modRevisions);
  }

  /**
   * The state after {@code request} if it could have produced {@code response} here; {@code
   * response} null means unknown, which any outcome satisfies.
   */
  public @Nullable KvModel step(
      KvOperation.Request request, KvOperation.@Nullable Response response) {
    return switch (request) {
      case KvOperation.Put put -> {
        if (response != null
            && !(response instanceof KvOperation.PutResponse p && p.revision() == revision + 1)) {
          yield null;
        }
        yield write(put.key(), put.value());
      }
      case KvOperation.Get get -> {
        if (response == null) {
          yield this;
        }
        if (!(response instanceof KvOperation.GetResponse g) || g.revision() != revision) {
          yield null;
        }
        String value = values.get(get.key());
        boolean same =
            java.util.Objects.equals(value, g.value())
                && modRevisions.getOrDefault(get.key(), 0L) == g.modRevision();
        yield same ? this : null;
      }
      case KvOperation.Delete delete -> {
        boolean present = values.containsKey(delete.key());
        if (response != null) {
          if (!(response instanceof KvOperation.DeleteResponse d)) {
            yield null;
          }
          boolean ok =
              present
                  ? d.deleted() == 1 && d.revision() == revision + 1
                  : d.deleted() == 0 && d.revision() == revision;
          if (!ok) {
            yield null;
          }
        }
        yield present ? remove(delete.key()) : this;
      }
      case KvOperation.CompareAndSet cas -> {
        boolean matches = modRevisions.getOrDefault(cas.key(), 0L) == cas.expectedModRevision();
        if (response != null) {
          if (!(response instanceof KvOperation.CompareAndSetResponse c)
              || c.succeeded() != matches
              || c.revision() != (matches ? revision + 1 : revision)) {
            yield null;
          }
        }
        yield matches ? write(cas.key(), cas.value()) : this;
      }
    };
  }

  private KvModel write(String key, String value) {
    Map<String, String> v = new TreeMap<>(values);
    Map<String, Long> m = new TreeMap<>(modRevisions);
    v.put(key, value);
    m.put(key, revision + 1);
    return new KvModel(revision + 1, v, m);
  }

  private KvModel remove(String key) {
    Map<String, String> v = new TreeMap<>(values);
    Map<String, Long> m = new TreeMap<>(modRevisions);
    v.remove(key);
    m.remove(key);
    return new KvModel(revision + 1, v, m);
  }
}
