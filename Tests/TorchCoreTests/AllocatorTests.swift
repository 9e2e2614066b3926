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

    /// A large request takes the smallest cached block of at most twice its size, and that block's size is the
    /// one accounted and returned.
    @Test func largeRequestsTakeTheBestFit() {
        let a = CachingAllocator()
        let (big, bigSize) = a.allocate(3_000_000)
        let (huge, hugeSize) = a.allocate(5_000_000)
        a.deallocate(big, size: bigSize)
        a.deallocate(huge, size: hugeSize)
        #expect(a.stats.cachedBytes == bigSize + hugeSize)
        let (p, s) = a.allocate(2_000_000)
        #expect(p == big && s == bigSize)
        #expect(a.stats.allocatedBytes == bigSize && a.stats.cachedBytes == hugeSize)
        // 1 MB fits neither (both blocks are more than twice as large): a new block.
        let (q, t) = a.allocate(1_000_000)
        #expect(q != huge && t == CachingAllocator.roundedSize(1_000_000))
        #expect(a.stats.cacheHits == 1)
        // 4 MB takes the 5 MB block.
        let (r, u) = a.allocate(4_000_000)
        #expect(r == huge && u == hugeSize)
        for (x, n) in [(p, s), (q, t), (r, u)] { a.deallocate(x, size: n) }
        a.emptyCache()
        #expect(a.stats.cachedBytes == 0 && a.stats.allocatedBytes == 0)
    }

    @Test func limitSendsBlocksBack() {
        let a = CachingAllocator()
        a.setLimit(0)
        let (p, s) = a.allocate(100_000)
        a.deallocate(p, size: s)
        #expect(a.stats.cachedBytes == 0 && a.stats.releasedBlocks == 1)
    }
}
