package io.etcdj.mvcc;

/**
 * How to read a range.
 *
 * @param limit most keys returned; 0 = all ({@code count} ignores it)
 * @param revision the revision to read at; {@code <= 0} = current
 * @param countOnly return no key-values, only the count
 * @param keysOnly return key-values without values
 */
public record RangeOptions(long limit, long revision, boolean countOnly, boolean keysOnly) {
  public static final RangeOptions CURRENT = new RangeOptions(0, 0, false, false);

  public RangeOptions {
    if (limit < 0) {
      throw new IllegalArgumentException("limit must be >= 0: " + limit);
    }
  }

  public static RangeOptions atRevision(long revision) {
    return new RangeOptions(0, revision, false, false);
  }

  public RangeOptions withLimit(long newLimit) {
    return new RangeOptions(newLimit, revision, countOnly, keysOnly);
  }
}
