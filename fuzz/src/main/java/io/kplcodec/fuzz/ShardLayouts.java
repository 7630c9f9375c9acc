package io.kplcodec.fuzz;

import java.math.BigInteger;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;

/**
 * Arbitrary shard layouts: 1 to 8 evenly created shards, then up to 12 splits and merges at arbitrary and edge
 * positions (a split just after a shard's start or at its end leaves a shard of one hash key), so maps with tiny,
 * huge and uneven shards all occur.
 */
public final class ShardLayouts {
  private ShardLayouts() {}

  /** One reshard step, drawn as numbers so that it shrinks; applied modulo what the layout has. */
  public record Step(boolean split, int shard, int pointKind, BigInteger point) {}

  /** Layouts after arbitrary reshards. */
  public static Arbitrary<ShardLayout> layouts() {
    return layouts(8, 12);
  }

  /** Layouts of 1 to {@code maxInitial} shards after up to {@code maxSteps} reshards. */
  public static Arbitrary<ShardLayout> layouts(int maxInitial, int maxSteps) {
    return Combinators.combine(Arbitraries.integers().between(1, maxInitial), steps(maxSteps))
        .as(ShardLayouts::apply);
  }

  /** Up to {@code maxSteps} reshard steps, for {@link #apply(ShardLayout, List)}. */
  public static Arbitrary<List<Step>> steps(int maxSteps) {
    Arbitrary<Step> step = Combinators.combine(
        Arbitraries.integers().between(0, 3).map(n -> n != 0), // splits three times as often as merges
        Arbitraries.integers().between(0, 63),
        Arbitraries.integers().between(0, 4),
        Arbitraries.bigIntegers().between(BigInteger.ZERO, HashKeys.MAX)).as(Step::new);
    return step.list().ofMaxSize(maxSteps);
  }

  /** Applies {@code steps} to an even layout of {@code initial} shards; steps that cannot apply are skipped. */
  public static ShardLayout apply(int initial, List<Step> steps) {
    return apply(ShardLayout.even(initial), steps);
  }

  /** Applies {@code steps} to {@code layout} (a reshard of an existing stream); steps that cannot apply are skipped. */
  public static ShardLayout apply(ShardLayout layout, List<Step> steps) {
    for (Step s : steps) {
      int n = layout.shards().size();
      int index = s.shard() % n;
      if (s.split()) {
        if (!layout.canSplit(index)) {
          continue;
        }
        ShardLayout.Shard shard = layout.shards().get(index);
        BigInteger width = shard.end().subtract(shard.start()); // >= 1
        BigInteger offset;
        switch (s.pointKind()) {
          case 0: offset = BigInteger.ONE; break; // left child of one hash key
          case 1: offset = width; break; // right child of one hash key
          case 2: offset = width.add(BigInteger.ONE).shiftRight(1).max(BigInteger.ONE); break; // halves
          default: offset = s.point().mod(width).add(BigInteger.ONE);
        }
        layout = layout.split(index, shard.start().add(offset));
      } else if (n > 1) {
        layout = layout.merge(Math.min(index, n - 2));
      }
    }
    return layout;
  }

  /** Hash keys, half of them on or next to the layout's range boundaries. */
  public static Arbitrary<BigInteger> hashKeysNear(ShardLayout layout) {
    List<BigInteger> boundaries = layout.boundaries();
    Arbitrary<BigInteger> near = Combinators.combine(Arbitraries.of(boundaries), Arbitraries.integers().between(-1, 1))
        .as((b, d) -> b.add(BigInteger.valueOf(d)).max(BigInteger.ZERO).min(HashKeys.MAX));
    return Arbitraries.oneOf(near, HashKeys.hashKeys());
  }
}
