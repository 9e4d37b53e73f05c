package io.etcdj.backend;

/** Sizes in bytes before and after a defragmentation, and how long the caller was held. */
public record DefragmentResult(
    long sizeBeforeBytes,
    long sizeInUseBeforeBytes,
    long sizeAfterBytes,
    long sizeInUseAfterBytes) {}
