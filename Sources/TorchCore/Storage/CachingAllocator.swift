import Synchronization
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

// MARK: - Memory statistics

/// Counters of the caching CPU allocator, as returned by `Torch.memoryStats()`.
public struct MemoryStats: Sendable, Equatable {
    /// Bytes in blocks currently held by live tensors.
    public var allocatedBytes: Int = 0
    /// The highest `allocatedBytes` seen since start (or the last `Torch.resetPeakMemoryStats()`).
    public var peakAllocatedBytes: Int = 0
    /// Bytes in free blocks kept for reuse.
    public var cachedBytes: Int = 0
    /// Allocation requests served.
    public var allocations: Int = 0
    /// Requests served from the cache without asking the system.
    public var cacheHits: Int = 0
    /// Blocks returned to the system (cache trimmed or emptied).
    public var releasedBlocks: Int = 0
}

// MARK: - CachingAllocator

/// A caching allocator of 64-byte-aligned blocks.
///
/// Note (allocator): freed blocks are kept for reuse, so a loop that allocates tensors of the same shapes (`c = a
/// + b` in a training step) never touches `malloc`, the page-fault path or `mmap` after the first iteration.
/// Blocks up to 16 KiB live in exact-size free lists (sizes rounded up to 64 bytes). Larger ones are carved out
/// of segments taken from the system (2 MiB, shared by blocks below 512 KiB; a block's own size from there on):
/// a request takes the smallest free block that holds it and splits off the rest (when at least 64 KiB), and a
/// freed block merges with free neighbours of its segment. Sizes are rounded up to 64 bytes below 1 MiB and to
/// 64 KiB above. Free bytes are bounded by `limit`; a segment that becomes entirely free beyond it goes back to
/// the system, as do all entirely free segments on `emptyCache()`.
///
/// Note (why segments): an earlier version kept whole blocks per size and let a request take a cached block of
/// at most twice its size. Replaying the allocation trace of the `mem_train_transformer` workload (55 MiB live
/// at its peak) showed that scheme holding 77 MiB; splitting and merging holds 60 MiB with the same trace, and
/// also allocates nothing from the system after the first step.
final class CachingAllocator: Sendable {
    static let shared = CachingAllocator()

    /// A cached small block. Note (block sendability): a block in the cache is owned by no tensor; only the
    /// lock holder touches the list.
    private struct Block: @unchecked Sendable {
        let pointer: UnsafeMutableRawPointer
    }

    /// A block of a segment, keyed by its address: its size, whether it is free, and its neighbours' addresses
    /// within the segment (0 for none).
    private struct Span {
        var size: Int
        var isFree: Bool
        var previous: UInt
        var next: UInt
        /// The address of the segment it belongs to.
        let segment: UInt
    }

    /// A free span in the best-fit index, ordered by size, then address.
    private struct FreeKey: Comparable {
        let size: Int
        let address: UInt
        static func < (a: FreeKey, b: FreeKey) -> Bool { a.size != b.size ? a.size < b.size : a.address < b.address }
    }

    private struct State {
        /// Free lists of blocks up to `smallLimit` bytes, indexed by size / 64 (no hashing on the hot path).
        var small = [[Block]](repeating: [], count: CachingAllocator.smallLimit / 64 + 1)
        /// Every span of every segment, free or in use.
        var spans: [UInt: Span] = [:]
        /// The free spans, ascending.
        var freeSpans: [FreeKey] = []
        /// Segment address → size.
        var segments: [UInt: Int] = [:]
        var stats = MemoryStats()
        var limit = 2 << 30

        /// The index of the first free span not below `key` (binary search).
        func firstFree(atLeast key: FreeKey) -> Int {
            var lo = 0, hi = freeSpans.count
            while lo < hi {
                let mid = (lo + hi) / 2
                if freeSpans[mid] < key { lo = mid + 1 } else { hi = mid }
            }
            return lo
        }

        mutating func indexFree(_ address: UInt, _ size: Int) {
            let key = FreeKey(size: size, address: address)
            freeSpans.insert(key, at: firstFree(atLeast: key))
        }

        mutating func unindexFree(_ address: UInt, _ size: Int) {
            let key = FreeKey(size: size, address: address)
            let i = firstFree(atLeast: key)
            precondition(i < freeSpans.count && freeSpans[i] == key, "allocator: free span \(address) of \(size) bytes not indexed")
            freeSpans.remove(at: i)
        }

        /// Takes `size` bytes from the smallest free span that holds them; returns the address and the size handed
        /// out (see `use`), or nil when no span is large enough.
        mutating func takeFree(_ size: Int) -> (UInt, Int)? {
            let i = firstFree(atLeast: FreeKey(size: size, address: 0))
            guard i < freeSpans.count else { return nil }
            let key = freeSpans.remove(at: i)
            let got = use(key.address, size)
            stats.cachedBytes -= got
            return (key.address, got)
        }

        /// A new segment for a request of `size` bytes, its first span in use and the rest free; returns the size
        /// handed out.
        mutating func addSegment(_ base: UInt, _ segmentSize: Int, using size: Int) -> Int {
            segments[base] = segmentSize
            spans[base] = Span(size: segmentSize, isFree: true, previous: 0, next: 0, segment: base)
            stats.cachedBytes += segmentSize
            let got = use(base, size)
            stats.cachedBytes -= got
            return got
        }

        /// Marks the free span at `address` (not in the index) as used for `size` bytes, splitting off and indexing
        /// the remainder when it is at least `minimumSplit`; returns the span's size.
        private mutating func use(_ address: UInt, _ size: Int) -> Int {
            var span = spans[address]!
            span.isFree = false
            if span.size - size >= CachingAllocator.minimumSplit {
                let rest = address + UInt(size)
                spans[rest] = Span(size: span.size - size, isFree: true, previous: address, next: span.next, segment: span.segment)
                if span.next != 0 { spans[span.next]!.previous = rest }
                indexFree(rest, span.size - size)
                span.next = rest
                span.size = size
            }
            spans[address] = span
            return span.size
        }

        /// Frees the span at `address`, merging it with free neighbours; returns the merged span's address.
        mutating func release(_ address: UInt) -> UInt {
            var start = address
            var span = spans[address]!
            span.isFree = true
            if span.next != 0, let next = spans[span.next], next.isFree {
                unindexFree(span.next, next.size)
                spans[span.next] = nil
                span.size += next.size
                span.next = next.next
                if next.next != 0 { spans[next.next]!.previous = start }
            }
            if span.previous != 0, var previous = spans[span.previous], previous.isFree {
                unindexFree(span.previous, previous.size)
                spans[start] = nil
                previous.size += span.size
                previous.next = span.next
                if span.next != 0 { spans[span.next]!.previous = span.previous }
                start = span.previous
                span = previous
            }
            spans[start] = span
            indexFree(start, span.size)
            return start
        }

        /// Removes an entirely free segment from the books; returns its address.
        mutating func dropSegment(freeSpanAt address: UInt) -> UInt {
            let span = spans[address]!
            unindexFree(address, span.size)
            spans[address] = nil
            segments[span.segment] = nil
            stats.cachedBytes -= span.size
            stats.releasedBlocks += 1
            return span.segment
        }

        /// Counts `size` more bytes in use and updates the peak.
        mutating func noteAllocated(_ size: Int) {
            stats.allocatedBytes += size
            if stats.allocatedBytes > stats.peakAllocatedBytes { stats.peakAllocatedBytes = stats.allocatedBytes }
        }

        /// Whether the free span at `address` covers its whole segment.
        func coversSegment(_ address: UInt) -> Bool {
            let span = spans[address]!
            return span.previous == 0 && span.next == 0 && segments[span.segment] == span.size
        }
    }

    private let state = Mutex(State())

    static let smallLimit = 16_384
    /// The size of a segment shared by blocks below `ownSegmentLimit`.
    static let segmentSize = 2 << 20
    /// Blocks from this size on get a segment of their own, of their size.
    ///
    /// Note (own segments): in a 2 MiB segment, blocks of 0.5–1 MiB leave a remainder that smaller blocks rarely
    /// fill. The MLP of `mem_train_mlp` has 3.5 MiB live at its peak in 784 KiB weight, gradient and momentum
    /// blocks plus small ones; with them in shared segments it held three segments (6 MiB, all resident), with
    /// them in their own 4.4 MiB.
    static let ownSegmentLimit = 512 << 10
    /// The smallest remainder split off a free span.
    static let minimumSplit = 65_536

    static func roundedSize(_ bytes: Int) -> Int {
        let b = max(bytes, 64)
        if b <= 1 << 20 { return (b + 63) & ~63 }
        return (b + 65535) & ~65535
    }

    /// Memory from the system: a segment of 2 MiB or more aligned to 2 MiB and, on Linux, advised for transparent
    /// huge pages; anything smaller 64-byte aligned.
    ///
    /// Note (huge pages): a segment's 2 MiB pages need one TLB entry where 4 KiB pages need 512, so tensors far
    /// beyond the TLB's reach of 4 KiB pages are streamed through without a page walk per 4 KiB. PyTorch offers
    /// the same advice behind `THP_MEM_ALLOC_ENABLE`. Measured (medians of three alternations, one thread):
    /// `train_mlp` 914 → 934 steps/s, `train_transformer` 24.3 → 24.8; peak RSS unchanged
    /// (`mem_train_transformer` 84.0 → 84.3 MiB), as segments are carved whole and their pages touched anyway.
    /// Where the system's setting is `never`, the advice is ignored.
    static func systemAllocate(_ size: Int) -> UnsafeMutableRawPointer {
        var p: UnsafeMutableRawPointer? = nil
        let segment = size >= segmentSize
        let rc = posix_memalign(&p, segment ? segmentSize : 64, size)
        precondition(rc == 0 && p != nil, "allocator: out of memory allocating \(size) bytes")
        #if canImport(Glibc)
        if segment { _ = madvise(p, size & ~(segmentSize - 1), MADV_HUGEPAGE) }
        #endif
        return p!
    }

    func allocate(_ bytes: Int) -> (UnsafeMutableRawPointer, Int) {
        let size = Self.roundedSize(bytes)
        let cached: (UnsafeMutableRawPointer, Int)? = state.withLock { s -> (UnsafeMutableRawPointer, Int)? in
            s.stats.allocations += 1
            if size <= CachingAllocator.smallLimit, let p = s.small[size / 64].popLast() {
                s.stats.cachedBytes -= size
                s.stats.cacheHits += 1
                s.noteAllocated(size)
                return (p.pointer, size)
            }
            if size > CachingAllocator.smallLimit, let (address, got) = s.takeFree(size) {
                // The span handed out may be up to `minimumSplit` larger than asked; its real size travels with it.
                s.stats.cacheHits += 1
                s.noteAllocated(got)
                return (UnsafeMutableRawPointer(bitPattern: address)!, got)
            }
            return nil
        }
        if let cached { return cached }
        let systemSize = size <= Self.smallLimit || size >= Self.ownSegmentLimit ? size : Self.segmentSize
        let p = Self.systemAllocate(systemSize)
        if size <= Self.smallLimit {
            state.withLock { $0.noteAllocated(size) }
            return (p, size)
        }
        let used = state.withLock { s -> Int in
            let used = s.addSegment(UInt(bitPattern: p), systemSize, using: size)
            s.noteAllocated(used)
            return used
        }
        return (p, used)
    }

    func deallocate(_ pointer: UnsafeMutableRawPointer, size: Int) {
        let released = state.withLock { s -> UInt? in
            s.stats.allocatedBytes -= size
            if size <= CachingAllocator.smallLimit {
                if s.stats.cachedBytes + size <= s.limit {
                    s.small[size / 64].append(Block(pointer: pointer))
                    s.stats.cachedBytes += size
                    return nil
                }
                s.stats.releasedBlocks += 1
                return UInt(bitPattern: pointer)
            }
            let merged = s.release(UInt(bitPattern: pointer))
            s.stats.cachedBytes += size
            if s.stats.cachedBytes > s.limit && s.coversSegment(merged) { return s.dropSegment(freeSpanAt: merged) }
            return nil
        }
        if let released { free(UnsafeMutableRawPointer(bitPattern: released)) }
    }

    var stats: MemoryStats { state.withLock { $0.stats } }

    func resetPeak() { state.withLock { $0.stats.peakAllocatedBytes = $0.stats.allocatedBytes } }

    /// Returns every cached small block and every entirely free segment to the system.
    func emptyCache() {
        let blocks = state.withLock { s -> [UInt] in
            var all = s.small.flatMap { $0 }.map { UInt(bitPattern: $0.pointer) }
            for list in s.small.indices { s.stats.cachedBytes -= s.small[list].count * list * 64 }
            s.stats.releasedBlocks += all.count
            s.small = [[Block]](repeating: [], count: CachingAllocator.smallLimit / 64 + 1)
            for key in s.freeSpans where s.coversSegment(key.address) { all.append(s.dropSegment(freeSpanAt: key.address)) }
            return all
        }
        for b in blocks { free(UnsafeMutableRawPointer(bitPattern: b)) }
    }

    func setLimit(_ bytes: Int) { state.withLock { $0.limit = bytes } }
}
