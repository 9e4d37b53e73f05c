package io.etcdj.backend;

import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * An immutable AVL tree of {@code byte[]} keys in unsigned order, updated by path copying: every
 * update returns a new root and leaves the old tree intact, so a reader holding an old root reads a
 * stable snapshot without locks.
 *
 * <p>Used twice: as the read buffer (a value of {@code null} marks a pending delete) and as the
 * committed state of {@link InMemoryStore} (no nulls). An update costs O(log n) new nodes.
 *
 * <p>Worked example: put(b), put(a), put(c) gives root b with children a, c; put(a') copies a and b
 * into new nodes a', b' (c is shared), so the old root b still reads a.
 */
final class PersistentTree {
  private PersistentTree() {}

  /** A node; {@code value == null} is a tombstone (read buffer only). */
  static final class Node {
    final byte[] key;
    final byte @Nullable [] value;
    final @Nullable Node left;
    final @Nullable Node right;
    final int height;

    Node(byte[] key, byte @Nullable [] value, @Nullable Node left, @Nullable Node right) {
      this.key = key;
      this.value = value;
      this.left = left;
      this.right = right;
      this.height = 1 + Math.max(height(left), height(right));
    }
  }

  static int height(@Nullable Node n) {
    return n == null ? 0 : n.height;
  }

  static @Nullable Node find(@Nullable Node root, byte[] key) {
    Node n = root;
    while (n != null) {
      int c = Arrays.compareUnsigned(key, n.key);
      if (c == 0) {
        return n;
      }
      n = c < 0 ? n.left : n.right;
    }
    return null;
  }

  /** Inserts or replaces {@code key}. */
  static Node put(@Nullable Node n, byte[] key, byte @Nullable [] value) {
    if (n == null) {
      return new Node(key, value, null, null);
    }
    int c = Arrays.compareUnsigned(key, n.key);
    if (c < 0) {
      return balance(n.key, n.value, put(n.left, key, value), n.right);
    } else if (c > 0) {
      return balance(n.key, n.value, n.left, put(n.right, key, value));
    }
    return new Node(n.key, value, n.left, n.right);
  }

  /** Removes {@code key} if present. */
  static @Nullable Node remove(@Nullable Node n, byte[] key) {
    if (n == null) {
      return null;
    }
    int c = Arrays.compareUnsigned(key, n.key);
    if (c < 0) {
      Node l = remove(n.left, key);
      return l == n.left ? n : balance(n.key, n.value, l, n.right);
    } else if (c > 0) {
      Node r = remove(n.right, key);
      return r == n.right ? n : balance(n.key, n.value, n.left, r);
    }
    if (n.left == null) {
      return n.right;
    }
    if (n.right == null) {
      return n.left;
    }
    Node min = n.right;
    while (min.left != null) {
      min = min.left;
    }
    return balance(min.key, min.value, n.left, removeMin(n.right));
  }

  private static @Nullable Node removeMin(Node n) {
    if (n.left == null) {
      return n.right;
    }
    return balance(n.key, n.value, removeMin(n.left), n.right);
  }

  private static Node balance(
      byte[] key, byte @Nullable [] value, @Nullable Node l, @Nullable Node r) {
    int hl = height(l);
    int hr = height(r);
    if (hl > hr + 1) {
      Node left = Objects.requireNonNull(l);
      if (height(left.left) >= height(left.right)) {
        return new Node(left.key, left.value, left.left, new Node(key, value, left.right, r));
      }
      Node lr = Objects.requireNonNull(left.right);
      return new Node(
          lr.key,
          lr.value,
          new Node(left.key, left.value, left.left, lr.left),
          new Node(key, value, lr.right, r));
    }
    if (hr > hl + 1) {
      Node right = Objects.requireNonNull(r);
      if (height(right.right) >= height(right.left)) {
        return new Node(right.key, right.value, new Node(key, value, l, right.left), right.right);
      }
      Node rl = Objects.requireNonNull(right.left);
      return new Node(
          rl.key,
          rl.value,
          new Node(key, value, l, rl.left),
          new Node(right.key, right.value, rl.right, right.right));
    }
    return new Node(key, value, l, r);
  }

  /** Visits every node in key order (tombstones included). */
  static void forEachNode(@Nullable Node root, java.util.function.Consumer<Node> visitor) {
    Cursor c = new Cursor(root, new byte[0], null);
    while (c.next()) {
      visitor.accept(c.node());
    }
  }

  /** In-order iteration over {@code [from, to)}. */
  static final class Cursor {
    private final ArrayDeque<Node> stack = new ArrayDeque<>();
    private final byte @Nullable [] to;
    private @Nullable Node current;

    Cursor(@Nullable Node root, byte[] from, byte @Nullable [] to) {
      this.to = to;
      Node n = root;
      while (n != null) {
        if (Arrays.compareUnsigned(n.key, from) >= 0) {
          stack.push(n);
          n = n.left;
        } else {
          n = n.right;
        }
      }
    }

    boolean next() {
      Node n = stack.poll();
      if (n == null || (to != null && Arrays.compareUnsigned(n.key, to) >= 0)) {
        current = null;
        stack.clear();
        return false;
      }
      Node m = n.right;
      while (m != null) {
        stack.push(m);
        m = m.left;
      }
      current = n;
      return true;
    }

    Node node() {
      return Objects.requireNonNull(current, "next() returned false");
    }
  }
}
