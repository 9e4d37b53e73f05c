package io.etcdj.mvcc;

/**
 * The result of an mvcc call that can fail in a way clients see: a value or an {@link MvccError}.
 * Handle it with a pattern-matching {@code switch}.
 */
public sealed interface Outcome<T> {
  /** Success. */
  record Ok<T>(T value) implements Outcome<T> {}

  /** An expected failure. */
  record Failed<T>(MvccError error) implements Outcome<T> {}

  static <T> Outcome<T> ok(T value) {
    return new Ok<>(value);
  }

  static <T> Outcome<T> failed(MvccError error) {
    return new Failed<>(error);
  }

  /** The value; throws {@link IllegalStateException} naming the error if this failed. */
  default T orThrow() {
    return switch (this) {
      case Ok<T> ok -> ok.value();
      case Failed<T> f -> throw new IllegalStateException(f.error().etcdText());
    };
  }
}
