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
/// Note (allocator): freed blocks are kept in per-size free lists and handed out again for a request of the same
/// rounded size, so a loop that allocates tensors of the same shapes (`c = a + b` in a training step) never
/// touches `malloc`, the page-fault path or `mmap` after the first iteration. Sizes are rounded up to 64 bytes
/// below 1 MiB and to 64 KiB above; the cache is bounded (`limit`), beyond which freed blocks go back to the
/// system.
final class CachingAllocator: Sendable {
    static let shared = CachingAllocator()

    /// A cached block. Note (block sendability): a block in the cache is owned by no tensor; only the lock holder
    /// touches the list.
    private struct Block: @unchecked Sendable {
        let pointer: UnsafeMutableRawPointer
    }

    private struct State {
        /// Free lists of blocks up to `smallLimit` bytes, indexed by size / 64 (no hashing on the hot path).
        var small = [[Block]](repeating: [], count: CachingAllocator.smallLimit / 64 + 1)
        var free: [Int: [Block]] = [:]
        /// The sizes that have cached large blocks, ascending (for best-fit lookups).
        var sizes: [Int] = []
        var stats = MemoryStats()
        var limit = 2 << 30

        /// Note (best fit): matching only the exact size left the cache holding, for every size a training step
        /// uses, as many blocks as were ever live at once — more than the step's peak (the transformer workload
        /// held 85 MiB cached beside a 66 MiB peak). A request may take the smallest cached block of at most twice
        /// its size instead.
        func bestFit(_ size: Int) -> Int? {
            let i = firstSize(atLeast: size)
            return i < sizes.count && sizes[i] <= 2 * size ? sizes[i] : nil
        }

        /// The index of the first cached size ≥ `size` (binary search in `sizes`).
        func firstSize(atLeast size: Int) -> Int {
            var lo = 0, hi = sizes.count
            while lo < hi {
                let mid = (lo + hi) / 2
                if sizes[mid] < size { lo = mid + 1 } else { hi = mid }
            }
            return lo
        }

        mutating func take(_ size: Int) -> UnsafeMutableRawPointer {
            let p = free[size]!.removeLast()
            if free[size]!.isEmpty {
                free[size] = nil
                sizes.remove(at: firstSize(atLeast: size))
            }
            return p.pointer
        }

        mutating func put(_ block: Block, _ size: Int) {
            if free[size] == nil {
                free[size] = [block]
                sizes.insert(size, at: firstSize(atLeast: size))
            } else {
                free[size]!.append(block)
            }
        }
    }

    private let state = Mutex(State())

    static let smallLimit = 16_384

    static func roundedSize(_ bytes: Int) -> Int {
        let b = max(bytes, 64)
        if b <= 1 << 20 { return (b + 63) & ~63 }
        return (b + 65535) & ~65535
    }

    func allocate(_ bytes: Int) -> (UnsafeMutableRawPointer, Int) {
        let size = Self.roundedSize(bytes)
        let cached: (UnsafeMutableRawPointer, Int)? = state.withLock { s -> (UnsafeMutableRawPointer, Int)? in
            s.stats.allocations += 1
            s.stats.allocatedBytes += size
            if s.stats.allocatedBytes > s.stats.peakAllocatedBytes { s.stats.peakAllocatedBytes = s.stats.allocatedBytes }
            if size <= CachingAllocator.smallLimit, let p = s.small[size / 64].popLast() {
                s.stats.cachedBytes -= size
                s.stats.cacheHits += 1
                return (p.pointer, size)
            }
            if size > CachingAllocator.smallLimit, let fit = s.bestFit(size) {
                // A cached block up to twice the request serves it (its real size travels with it).
                let p = s.take(fit)
                s.stats.allocatedBytes += fit - size
                if s.stats.allocatedBytes > s.stats.peakAllocatedBytes { s.stats.peakAllocatedBytes = s.stats.allocatedBytes }
                s.stats.cachedBytes -= fit
                s.stats.cacheHits += 1
                return (p, fit)
            }
            return nil
        }
        if let cached { return cached }
        var p: UnsafeMutableRawPointer? = nil
        let rc = posix_memalign(&p, 64, size)
        precondition(rc == 0 && p != nil, "allocator: out of memory allocating \(size) bytes")
        return (p!, size)
    }

    func deallocate(_ pointer: UnsafeMutableRawPointer, size: Int) {
        let block = Block(pointer: pointer)
        let keep = state.withLock { s -> Bool in
            s.stats.allocatedBytes -= size
            if s.stats.cachedBytes + size <= s.limit {
                if size <= CachingAllocator.smallLimit {
                    s.small[size / 64].append(block)
                } else {
                    s.put(block, size)
                }
                s.stats.cachedBytes += size
                return true
            }
            s.stats.releasedBlocks += 1
            return false
        }
        if !keep { free(pointer) }
    }

    var stats: MemoryStats { state.withLock { $0.stats } }

    func resetPeak() { state.withLock { $0.stats.peakAllocatedBytes = $0.stats.allocatedBytes } }

    func emptyCache() {
        let blocks = state.withLock { s -> [Block] in
            let all = s.free.values.flatMap { $0 } + s.small.flatMap { $0 }
            s.stats.releasedBlocks += all.count
            s.free = [:]
            s.sizes = []
            s.small = [[Block]](repeating: [], count: CachingAllocator.smallLimit / 64 + 1)
            s.stats.cachedBytes = 0
            return all
        }
        for b in blocks { free(b.pointer) }
    }

    func setLimit(_ bytes: Int) { state.withLock { $0.limit = bytes } }
}
