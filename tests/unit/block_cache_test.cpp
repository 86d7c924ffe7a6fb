#include "image/squashfs/block_cache.hpp"

#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

using hpc::image::Block;
using hpc::image::BlockCache;

namespace {

// A decoder that counts its calls and makes a block of `size` bytes of `fill`.
struct CountingDecoder {
    std::atomic<int> calls{0};
    Block operator()(std::size_t size, char fill) {
        ++calls;
        return Block::copy_of(std::string(size, fill));
    }
};

}  // namespace

TEST_CASE("block cache: a miss decodes, a hit returns the same block", "[block_cache]") {
    BlockCache cache(1 << 20);
    CountingDecoder decoder;
    auto first = cache.get(7, [&] { return decoder(100, 'a'); });
    auto second = cache.get(7, [&] { return decoder(100, 'b'); });
    CHECK(decoder.calls == 1);
    CHECK(first.get() == second.get());
    CHECK(std::string(second->data(), second->size()) == std::string(100, 'a'));
    auto stats = cache.stats();
    CHECK(stats.decoded == 1);
    CHECK(stats.hits == 1);
    CHECK(stats.decoded_bytes == 100);
    CHECK(stats.resident_bytes == 100);
}

TEST_CASE("block cache: a block served whole leaves the cache, one served in part stays", "[block_cache]") {
    BlockCache cache(1 << 20);
    CountingDecoder decoder;
    auto held = cache.get(1, [&] { return decoder(100, 'a'); });
    cache.get(2, [&] { return decoder(100, 'b'); });
    cache.served(1, 60);
    cache.served(2, 60);
    cache.get(1, [&] { return decoder(100, 'a'); });
    CHECK(decoder.calls == 2);  // 1 is still there after 60 of its 100 bytes
    CHECK(cache.stats().decoded_again == 0);
    cache.served(1, 40);        // the rest of it, in another request
    CHECK(cache.stats().delivered == 1);
    CHECK(cache.stats().resident_bytes == 100);  // 2's 100 bytes alone
    CHECK(std::string(held->data(), held->size()) == std::string(100, 'a'));  // a reader's copy lives on
    cache.get(1, [&] { return decoder(100, 'a'); });
    CHECK(decoder.calls == 3);  // asked for again: decoded again
    CHECK(cache.stats().decoded_again == 1);  // and counted as the kernel's asking twice
    cache.get(2, [&] { return decoder(100, 'b'); });
    CHECK(decoder.calls == 3);
    cache.served(9, 100);  // never cached (or evicted meanwhile): nothing to do
    CHECK(cache.stats().delivered == 1);
}

TEST_CASE("block cache: a prefetch that comes after the reader served a block does not decode it", "[block_cache]") {
    BlockCache cache(1 << 20);
    CountingDecoder decoder;
    cache.get(1, [&] { return decoder(100, 'a'); });
    cache.served(1, 100);
    CHECK_FALSE(cache.warm(1, [&] { return decoder(100, 'a'); }));
    CHECK(cache.warm(2, [&] { return decoder(100, 'b'); }));  // one never served is
    CHECK(decoder.calls == 2);
}

TEST_CASE("block cache: eviction keeps the bytes under the bound, least recently used first", "[block_cache]") {
    BlockCache cache(300);
    CountingDecoder decoder;
    for (uint64_t key : {1, 2, 3}) cache.get(key, [&] { return decoder(100, 'x'); });
    CHECK(cache.stats().resident_bytes == 300);
    cache.get(1, [&] { return decoder(100, 'x'); });  // 1 is now the most recent: 2 goes next
    CHECK(decoder.calls == 3);
    cache.get(4, [&] { return decoder(100, 'x'); });
    auto stats = cache.stats();
    CHECK(stats.resident_bytes == 300);
    CHECK(stats.evicted == 1);
    cache.get(1, [&] { return decoder(100, 'x'); });
    cache.get(3, [&] { return decoder(100, 'x'); });
    CHECK(decoder.calls == 4);  // 1 and 3 stayed
    cache.get(2, [&] { return decoder(100, 'x'); });
    CHECK(decoder.calls == 5);  // 2 was evicted and is decoded again
    CHECK(cache.stats().resident_bytes <= 300);
    CHECK(cache.stats().peak_resident_bytes == 300);
}

TEST_CASE("block cache: a block held by a reader outlives its eviction", "[block_cache]") {
    BlockCache cache(100);
    CountingDecoder decoder;
    auto held = cache.get(1, [&] { return decoder(100, 'h'); });
    cache.get(2, [&] { return decoder(100, 'i'); });
    CHECK(cache.stats().evicted == 1);
    CHECK(std::string(held->data(), held->size()) == std::string(100, 'h'));
}

TEST_CASE("block cache: a block larger than the bound is served but not kept", "[block_cache]") {
    BlockCache cache(50);
    CountingDecoder decoder;
    auto block = cache.get(1, [&] { return decoder(100, 'z'); });
    CHECK(block->size() == 100);
    CHECK(cache.stats().resident_bytes == 0);
    cache.get(1, [&] { return decoder(100, 'z'); });
    CHECK(decoder.calls == 2);
}

TEST_CASE("block cache: many threads asking for one block decode it exactly once", "[block_cache]") {
    BlockCache cache(1 << 20);
    std::atomic<int> decodes{0};
    std::atomic<bool> go{false};
    constexpr int thread_count = 16;
    std::vector<const Block*> seen(thread_count, nullptr);
    std::vector<std::thread> threads;
    for (int i = 0; i < thread_count; ++i) {
        threads.emplace_back([&, i] {
            while (!go) std::this_thread::yield();
            auto block = cache.get(42, [&] {
                ++decodes;
                // Slow enough that every other thread arrives while this one decodes.
                std::this_thread::sleep_for(std::chrono::milliseconds(100));
                return Block::copy_of("payload");
            });
            seen[i] = block.get();
        });
    }
    go = true;
    for (auto& thread : threads) thread.join();
    CHECK(decodes == 1);
    for (const Block* block : seen) CHECK(block == seen[0]);
    auto stats = cache.stats();
    CHECK(stats.decoded == 1);
    CHECK(stats.hits + stats.joined == thread_count - 1);
    CHECK(stats.joined > 0);
}

TEST_CASE("block cache: a failed decode reaches every waiter and is retried later", "[block_cache]") {
    BlockCache cache(1 << 20);
    std::atomic<bool> go{false};
    std::atomic<int> failures{0};
    std::vector<std::thread> threads;
    for (int i = 0; i < 8; ++i) {
        threads.emplace_back([&] {
            while (!go) std::this_thread::yield();
            try {
                cache.get(9, []() -> Block {
                    std::this_thread::sleep_for(std::chrono::milliseconds(100));
                    throw std::runtime_error("corrupt block");
                });
            } catch (const std::runtime_error&) {
                ++failures;
            }
        });
    }
    go = true;
    for (auto& thread : threads) thread.join();
    CHECK(failures == 8);
    CHECK(cache.stats().failed >= 1);
    auto block = cache.get(9, [] { return Block::copy_of("fine"); });
    CHECK(std::string(block->data(), block->size()) == "fine");
}

TEST_CASE("block cache: warming decodes only what is neither cached nor on its way", "[block_cache]") {
    BlockCache cache(1 << 20);
    CountingDecoder decoder;
    CHECK(cache.warm(1, [&] { return decoder(10, 'w'); }));
    CHECK_FALSE(cache.warm(1, [&] { return decoder(10, 'w'); }));
    auto block = cache.get(1, [&] { return decoder(10, 'x'); });
    CHECK(std::string(block->data(), block->size()) == std::string(10, 'w'));
    CHECK(decoder.calls == 1);
    auto stats = cache.stats();
    CHECK(stats.decoded == 1);
    CHECK(stats.decoded_ahead == 1);
    CHECK(stats.hits == 1);  // the reader's, not the second warm's
    CHECK_FALSE(cache.warm(2, []() -> Block { throw std::runtime_error("corrupt"); }));
    CHECK(cache.stats().failed == 1);
}
