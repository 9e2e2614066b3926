import Testing
@testable import TorchCore

/// The caching allocator on a private instance (the shared one is used by concurrently running suites).
@Suite struct AllocatorTests {
    @Test func exactSizesAreReused() {
        let a = CachingAllocator()
        let (p, s) = a.allocate(1000)
        #expect(s == 1024)
        a.deallocate(p, size: s)
        let (q, t) = a.allocate(1000)
        #expect(q == p && t == s)
        #expect(a.stats.cacheHits == 1 && a.stats.cachedBytes == 0 && a.stats.allocatedBytes == 1024)
        a.deallocate(q, size: t)
        a.emptyCache()
    }

    /// Segments start on a 2 MiB boundary (where a huge page can back them); small blocks on 64 bytes.
    @Test func segmentsAreHugePageAligned() {
        let a = CachingAllocator()
        let (small, smallSize) = a.allocate(100)
        let (mid, midSize) = a.allocate(100_000)
        let (big, bigSize) = a.allocate(5_000_000)
        #expect(UInt(bitPattern: small) % 64 == 0)
        #expect(UInt(bitPattern: mid) % UInt(CachingAllocator.segmentSize) == 0)
        #expect(UInt(bitPattern: big) % UInt(CachingAllocator.segmentSize) == 0)
        for (x, n) in [(small, smallSize), (mid, midSize), (big, bigSize)] { a.deallocate(x, size: n) }
        a.emptyCache()
        #expect(a.stats.allocatedBytes == 0)
    }

    /// A large request takes the smallest free span that holds it and splits off the rest; the size handed out is
    /// the one accounted.
    @Test func largeRequestsTakeTheBestFitAndSplit() {
        let a = CachingAllocator()
        let (big, bigSize) = a.allocate(3_000_000)
        let (huge, hugeSize) = a.allocate(5_000_000)
        #expect(bigSize == CachingAllocator.roundedSize(3_000_000) && hugeSize == CachingAllocator.roundedSize(5_000_000))
        a.deallocate(big, size: bigSize)
        a.deallocate(huge, size: hugeSize)
        #expect(a.stats.cachedBytes == bigSize + hugeSize && a.stats.allocatedBytes == 0)
        // 2 MB: the 3 MB span (the smaller one that holds it), split.
        let (p, s) = a.allocate(2_000_000)
        #expect(p == big && s == CachingAllocator.roundedSize(2_000_000))
        #expect(a.stats.allocatedBytes == s && a.stats.cachedBytes == bigSize + hugeSize - s)
        // 1 MB does not fit the 3 MB span's remainder (983,040 bytes): the 5 MB span, split.
        let (q, t) = a.allocate(1_000_000)
        #expect(q == huge && t == CachingAllocator.roundedSize(1_000_000))
        // 3.99 MB: what is left of the 5 MB span, right after the 1 MB block; all of it, as the remainder would be
        // below the split size.
        let (r, u) = a.allocate(3_990_000)
        #expect(r == huge + t && u == hugeSize - t)
        #expect(a.stats.cacheHits == 3)
        for (x, n) in [(p, s), (q, t), (r, u)] { a.deallocate(x, size: n) }
        // Freed spans merge back into whole segments, which emptyCache returns.
        #expect(a.stats.cachedBytes == bigSize + hugeSize && a.stats.allocatedBytes == 0)
        let (whole, wholeSize) = a.allocate(5_000_000)
        #expect(whole == huge && wholeSize == hugeSize)
        a.deallocate(whole, size: wholeSize)
        a.emptyCache()
        #expect(a.stats.cachedBytes == 0 && a.stats.allocatedBytes == 0 && a.stats.releasedBlocks == 2)
    }

    /// Requests below `ownSegmentLimit` share a segment; a freed span merges with free neighbours on both sides,
    /// and a span in use keeps its segment from being returned.
    @Test func neighboursMerge() {
        let a = CachingAllocator()
        let blocks = (0..<3).map { _ in a.allocate(200_000) }
        #expect(blocks[1].0 == blocks[0].0 + blocks[0].1 && blocks[2].0 == blocks[1].0 + blocks[1].1)
        #expect(a.stats.allocatedBytes + a.stats.cachedBytes == CachingAllocator.segmentSize)
        a.deallocate(blocks[1].0, size: blocks[1].1)
        a.deallocate(blocks[0].0, size: blocks[0].1)
        // The first two spans are one free span now: 350 KB fits at the segment's start (the segment's free
        // tail, larger, is not the best fit).
        let (p, s) = a.allocate(350_000)
        #expect(p == blocks[0].0)
        a.deallocate(p, size: s)
        a.emptyCache()
        #expect(a.stats.releasedBlocks == 0 && a.stats.cachedBytes == CachingAllocator.segmentSize - blocks[2].1)
        a.deallocate(blocks[2].0, size: blocks[2].1)
        a.emptyCache()
        #expect(a.stats.releasedBlocks == 1 && a.stats.cachedBytes == 0 && a.stats.allocatedBytes == 0)
    }

    /// A block of at least `ownSegmentLimit` gets a segment of its own size, not a share of a 2 MiB one; freed, it
    /// serves a smaller request too.
    @Test func largeBlocksGetTheirOwnSegment() {
        let a = CachingAllocator()
        let (p, s) = a.allocate(802_816)  // a 256 x 784 float32 weight
        #expect(s == 802_816 && a.stats.allocatedBytes == s && a.stats.cachedBytes == 0)
        let (q, t) = a.allocate(CachingAllocator.ownSegmentLimit - 64)
        #expect(a.stats.allocatedBytes + a.stats.cachedBytes == s + CachingAllocator.segmentSize)
        a.deallocate(p, size: s)
        let (r, u) = a.allocate(600_000)
        #expect(r == p && u == CachingAllocator.roundedSize(600_000) && a.stats.cacheHits == 1)
        a.deallocate(r, size: u)
        a.deallocate(q, size: t)
        a.emptyCache()
        #expect(a.stats.cachedBytes == 0 && a.stats.allocatedBytes == 0 && a.stats.releasedBlocks == 2)
    }

    /// Beyond the limit, freed small blocks and segments that become entirely free go back to the system.
    @Test func limitSendsBlocksBack() {
        let a = CachingAllocator()
        a.setLimit(0)
        let (p, s) = a.allocate(100_000)
        a.deallocate(p, size: s)
        #expect(a.stats.cachedBytes == 0 && a.stats.releasedBlocks == 1)
        let (q, t) = a.allocate(1_000)
        a.deallocate(q, size: t)
        #expect(a.stats.cachedBytes == 0 && a.stats.releasedBlocks == 2)
    }
}
