"""NumPy's float32 mean of a list of tag vectors, replayed for many groups at once (bit-identical)."""
import numpy as np


def numpy_float32_mean(stacked: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """Mean of the first ``counts[g]`` rows of ``stacked[g]``, bit-identical to ``np.mean(rows, axis=0)``.

    mmpose takes ``np.mean`` of a list of float32 tag vectors. NumPy sums an (n, L) float32 array row after row
    when L > 1, but for L == 1 the column is contiguous and NumPy uses its pairwise summation (eight partial sums
    once n >= 8). Both orders are replayed here for all groups at once, so the grouping sees the same float32
    means as mmpose and makes the same decisions even at a rounding boundary.

    Args:
        stacked (np.ndarray): float32 array (G, N, L), group g's vectors in its first counts[g] rows.
        counts (np.ndarray): int array (G,), each in [0, N]; a count of 0 gives NaN (as ``np.mean`` of nothing).

    Returns:
        np.ndarray: float32 (G, L).
    """
    G, N, L = stacked.shape
    counts = np.asarray(counts)
    if G == 0:
        return np.zeros((0, L), np.float32)
    if L > 1 or N < 8 or N > 128:
        if L == 1 and N > 128:  # NumPy recurses pairwise above 128 values: not replayed, ask NumPy per group
            return np.stack([np.mean(stacked[g, :c], axis=0) if c else np.full(L, np.nan, np.float32)
                             for g, c in enumerate(counts)]).astype(np.float32)
        total = np.zeros((G, L), np.float32)
        for i in range(N):
            total = np.where((i < counts)[:, None], total + stacked[:, i], total)
    else:
        col = stacked[:, :, 0]
        seq = np.zeros(G, np.float32)  # n < 8: one running sum
        for i in range(min(N, 7)):
            seq = np.where(i < counts, seq + col[:, i], seq)
        partial = col[:, :8].copy()  # n >= 8: eight running sums over whole blocks of eight, then the tail
        for start in range(8, N - 7, 8):
            partial = np.where((start + 8 <= counts)[:, None], partial + col[:, start:start + 8], partial)
        pair = ((partial[:, 0] + partial[:, 1]) + (partial[:, 2] + partial[:, 3])) + \
               ((partial[:, 4] + partial[:, 5]) + (partial[:, 6] + partial[:, 7]))
        for i in range(8, N):
            pair = np.where((i >= counts - counts % 8) & (i < counts), pair + col[:, i], pair)
        total = np.where(counts < 8, seq, pair)[:, None]
    with np.errstate(invalid='ignore', divide='ignore'):
        return (total / counts[:, None].astype(np.float32)).astype(np.float32)
